-- ssd_linked_identifiers: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_linked_identifiers') }} as valid
),

renamed as (
    select
        {{ to_text('link_table_id') }} as table_id,
        {{ to_text('link_person_id') }} as person_id,
        {{ to_text('link_identifier_type') }} as identifier_type,
        {{ to_text('link_identifier_value') }} as identifier_value,
        {{ to_date('link_valid_from_date') }} as valid_from_date,
        {{ to_date('link_valid_to_date') }} as valid_to_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
