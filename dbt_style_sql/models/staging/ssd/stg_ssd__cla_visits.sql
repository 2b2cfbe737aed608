-- ssd_cla_visits: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_visits') }} as valid
),

renamed as (
    select
        {{ to_text('clav_cla_visit_id') }} as cla_visit_id,
        {{ to_text('clav_cla_id') }} as cla_id,
        {{ to_text('clav_person_id') }} as person_id,
        {{ to_date('clav_cla_visit_date') }} as cla_visit_date,
        {{ to_flag('clav_cla_visit_seen') }} as cla_visit_seen,
        {{ to_flag('clav_cla_visit_seen_alone') }} as cla_visit_seen_alone,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
