-- ssd_contacts: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_contacts') }} as valid
),

renamed as (
    select
        {{ to_text('cont_contact_id') }} as contact_id,
        {{ to_text('cont_person_id') }} as person_id,
        {{ to_date('cont_contact_date') }} as contact_date,
        {{ to_text('cont_contact_source_code') }} as contact_source_code,
        {{ to_text('cont_contact_source_desc') }} as contact_source_desc,
        {{ to_text('cont_contact_outcome_json') }} as contact_outcome_json,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
