-- ssd_missing: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_missing') }} as valid
),

renamed as (
    select
        {{ to_text('miss_table_id') }} as table_id,
        {{ to_text('miss_person_id') }} as person_id,
        {{ to_date('miss_missing_episode_start_date') }} as missing_episode_start_date,
        {{ to_text('miss_missing_episode_type') }} as missing_episode_type,
        {{ to_date('miss_missing_episode_end_date') }} as missing_episode_end_date,
        {{ to_text('miss_missing_rhi_offered') }} as missing_rhi_offered,
        {{ to_text('miss_missing_rhi_accepted') }} as missing_rhi_accepted,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
