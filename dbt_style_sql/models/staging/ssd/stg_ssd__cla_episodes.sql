-- ssd_cla_episodes: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_episodes') }} as valid
),

renamed as (
    select
        {{ to_text('clae_cla_episode_id') }} as cla_episode_id,
        {{ to_text('clae_person_id') }} as person_id,
        {{ to_date('clae_cla_episode_start_date') }} as cla_episode_start_date,
        {{ to_text('clae_cla_episode_start_reason') }} as cla_episode_start_reason,
        {{ to_text('clae_cla_primary_need_code') }} as cla_primary_need_code,
        {{ to_date('clae_cla_episode_ceased_date') }} as cla_episode_ceased_date,
        {{ to_text('clae_cla_episode_ceased_reason') }} as cla_episode_ceased_reason,
        {{ to_text('clae_cla_id') }} as cla_id,
        {{ to_text('clae_referral_id') }} as referral_id,
        {{ to_text('clae_cla_placement_id') }} as cla_placement_id,
        {{ to_date('clae_entered_care_date') }} as entered_care_date,
        {{ to_date('clae_cla_last_iro_contact_date') }} as cla_last_iro_contact_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
