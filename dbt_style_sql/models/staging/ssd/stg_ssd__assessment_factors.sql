-- ssd_assessment_factors: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_assessment_factors') }} as valid
),

renamed as (
    select
        {{ to_text('cinf_table_id') }} as table_id,
        {{ to_text('cinf_assessment_id') }} as assessment_id,
        {{ to_text('cinf_assessment_factors_json') }} as assessment_factors_json,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
