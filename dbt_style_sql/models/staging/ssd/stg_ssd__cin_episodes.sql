-- ssd_cin_episodes: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cin_episodes') }} as valid
),

renamed as (
    select
        {{ to_text('cine_referral_id') }} as referral_id,
        {{ to_text('cine_person_id') }} as person_id,
        {{ to_date('cine_referral_date') }} as referral_date,
        {{ to_text('cine_cin_primary_need_code') }} as cin_primary_need_code,
        {{ to_text('cine_referral_source_code') }} as referral_source_code,
        {{ to_text('cine_referral_source_desc') }} as referral_source_desc,
        {{ to_text('cine_referral_outcome_json') }} as referral_outcome_json,
        {{ to_flag('cine_referral_nfa') }} as referral_nfa,
        {{ to_text('cine_close_reason') }} as close_reason,
        {{ to_date('cine_close_date') }} as close_date,
        {{ to_text('cine_referral_team') }} as referral_team,
        {{ to_text('cine_referral_worker_id') }} as referral_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
