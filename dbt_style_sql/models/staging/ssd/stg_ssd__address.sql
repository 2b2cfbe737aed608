-- ssd_address: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_address') }} as valid
),

renamed as (
    select
        {{ to_text('addr_table_id') }} as table_id,
        {{ to_text('addr_address_json') }} as address_json,
        {{ to_text('addr_person_id') }} as person_id,
        {{ to_text('addr_address_type') }} as address_type,
        {{ to_date('addr_address_start_date') }} as address_start_date,
        {{ to_date('addr_address_end_date') }} as address_end_date,
        {{ to_text('addr_address_postcode') }} as address_postcode,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
