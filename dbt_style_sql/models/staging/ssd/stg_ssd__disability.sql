-- ssd_disability: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_disability') }} as valid
),

renamed as (
    select
        {{ to_text('disa_person_id') }} as person_id,
        {{ to_text('disa_table_id') }} as table_id,
        {{ to_text('disa_disability_code') }} as disability_code,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
