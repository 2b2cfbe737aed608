-- ssd_care_leavers: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_care_leavers') }} as valid
),

renamed as (
    select
        {{ to_text('clea_table_id') }} as table_id,
        {{ to_text('clea_person_id') }} as person_id,
        {{ to_text('clea_care_leaver_eligibility') }} as care_leaver_eligibility,
        {{ to_text('clea_care_leaver_in_touch') }} as care_leaver_in_touch,
        {{ to_date('clea_care_leaver_latest_contact') }} as care_leaver_latest_contact,
        {{ to_text('clea_care_leaver_accommodation') }} as care_leaver_accommodation,
        {{ to_text('clea_care_leaver_accom_suitable') }} as care_leaver_accom_suitable,
        {{ to_text('clea_care_leaver_activity') }} as care_leaver_activity,
        {{ to_date('clea_pathway_plan_review_date') }} as pathway_plan_review_date,
        {{ to_text('clea_care_leaver_personal_advisor') }} as care_leaver_personal_advisor,
        {{ to_text('clea_care_leaver_allocated_team') }} as care_leaver_allocated_team,
        {{ to_text('clea_care_leaver_worker_id') }} as care_leaver_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
