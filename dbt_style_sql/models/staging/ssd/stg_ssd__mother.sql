-- ssd_mother: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_mother') }} as valid
),

renamed as (
    select
        {{ to_text('moth_table_id') }} as table_id,
        {{ to_text('moth_person_id') }} as person_id,
        {{ to_text('moth_childs_person_id') }} as childs_person_id,
        {{ to_date('moth_childs_dob') }} as childs_dob,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
