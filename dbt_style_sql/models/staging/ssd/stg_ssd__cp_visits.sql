-- ssd_cp_visits: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cp_visits') }} as valid
),

renamed as (
    select
        {{ to_text('cppv_cp_visit_id') }} as cp_visit_id,
        {{ to_text('cppv_person_id') }} as person_id,
        {{ to_text('cppv_cp_plan_id') }} as cp_plan_id,
        {{ to_date('cppv_cp_visit_date') }} as cp_visit_date,
        {{ to_flag('cppv_cp_visit_seen') }} as cp_visit_seen,
        {{ to_flag('cppv_cp_visit_seen_alone') }} as cp_visit_seen_alone,
        {{ to_flag('cppv_cp_visit_bedroom') }} as cp_visit_bedroom,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
