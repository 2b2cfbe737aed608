-- ssd_professionals: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_professionals') }} as valid
),

renamed as (
    select
        {{ to_text('prof_professional_id') }} as professional_id,
        {{ to_text('prof_staff_id') }} as staff_id,
        {{ to_text('prof_professional_name') }} as professional_name,
        {{ to_text('prof_social_worker_registration_no') }} as social_worker_registration_no,
        {{ to_text('prof_professional_job_title') }} as professional_job_title,
        {{ to_int('prof_professional_caseload') }} as professional_caseload,
        {{ to_text('prof_professional_department') }} as professional_department,
        {{ to_float('prof_full_time_equivalency') }} as full_time_equivalency,
        {{ to_flag('prof_agency_worker_flag') }} as agency_worker_flag,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
