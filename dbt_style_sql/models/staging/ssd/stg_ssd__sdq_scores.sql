-- ssd_sdq_scores: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_sdq_scores') }} as valid
),

renamed as (
    select
        {{ to_text('csdq_table_id') }} as table_id,
        {{ to_text('csdq_person_id') }} as person_id,
        {{ to_date('csdq_sdq_completed_date') }} as sdq_completed_date,
        {{ to_text('csdq_sdq_reason') }} as sdq_reason,
        {{ to_text('csdq_sdq_score') }} as sdq_score,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
