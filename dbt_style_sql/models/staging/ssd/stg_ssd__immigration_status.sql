-- ssd_immigration_status: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_immigration_status') }} as valid
),

renamed as (
    select
        {{ to_text('immi_person_id') }} as person_id,
        {{ to_text('immi_immigration_status_id') }} as immigration_status_id,
        {{ to_text('immi_immigration_status') }} as immigration_status,
        {{ to_date('immi_immigration_status_start_date') }} as immigration_status_start_date,
        {{ to_date('immi_immigration_status_end_date') }} as immigration_status_end_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
