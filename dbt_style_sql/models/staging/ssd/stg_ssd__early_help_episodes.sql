-- ssd_early_help_episodes: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_early_help_episodes') }} as valid
),

renamed as (
    select
        {{ to_text('earl_episode_id') }} as episode_id,
        {{ to_text('earl_person_id') }} as person_id,
        {{ to_date('earl_episode_start_date') }} as episode_start_date,
        {{ to_date('earl_episode_end_date') }} as episode_end_date,
        {{ to_text('earl_episode_reason') }} as episode_reason,
        {{ to_text('earl_episode_end_reason') }} as episode_end_reason,
        {{ to_text('earl_episode_organisation') }} as episode_organisation,
        {{ to_text('earl_episode_worker_id') }} as episode_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
