-- ssd_person: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_person') }} as valid
),

renamed as (
    select
        {{ to_text('pers_person_id') }} as person_id,
        {{ to_text('pers_forename') }} as forename,
        {{ to_text('pers_surname') }} as surname,
        {{ to_text('pers_sex') }} as sex,
        {{ to_text('pers_gender') }} as gender,
        {{ to_text('pers_ethnicity') }} as ethnicity,
        {{ to_date('pers_dob') }} as dob,
        {{ to_text('pers_common_child_id') }} as common_child_id,
        {{ to_text('pers_legacy_id') }} as legacy_id,
        {{ to_text('pers_upn_unknown') }} as upn_unknown,
        {{ to_flag('pers_send_flag') }} as send_flag,
        {{ to_date('pers_expected_dob') }} as expected_dob,
        {{ to_date('pers_death_date') }} as death_date,
        {{ to_flag('pers_is_mother') }} as is_mother,
        {{ to_text('pers_nationality') }} as nationality,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
