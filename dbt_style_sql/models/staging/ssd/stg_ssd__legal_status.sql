-- ssd_legal_status: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_legal_status') }} as valid
),

renamed as (
    select
        {{ to_text('lega_legal_status_id') }} as legal_status_id,
        {{ to_text('lega_person_id') }} as person_id,
        {{ to_text('lega_legal_status') }} as legal_status,
        {{ to_date('lega_legal_status_start_date') }} as legal_status_start_date,
        {{ to_date('lega_legal_status_end_date') }} as legal_status_end_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
