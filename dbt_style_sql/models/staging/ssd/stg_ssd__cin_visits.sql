-- ssd_cin_visits: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cin_visits') }} as valid
),

renamed as (
    select
        {{ to_text('cinv_cin_visit_id') }} as cin_visit_id,
        {{ to_text('cinv_person_id') }} as person_id,
        {{ to_date('cinv_cin_visit_date') }} as cin_visit_date,
        {{ to_flag('cinv_cin_visit_seen') }} as cin_visit_seen,
        {{ to_flag('cinv_cin_visit_seen_alone') }} as cin_visit_seen_alone,
        {{ to_flag('cinv_cin_visit_bedroom') }} as cin_visit_bedroom,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
