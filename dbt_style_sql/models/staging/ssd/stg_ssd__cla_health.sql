-- ssd_cla_health: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_health') }} as valid
),

renamed as (
    select
        {{ to_text('clah_health_check_id') }} as health_check_id,
        {{ to_text('clah_person_id') }} as person_id,
        {{ to_text('clah_health_check_type') }} as health_check_type,
        {{ to_date('clah_health_check_date') }} as health_check_date,
        {{ to_text('clah_health_check_status') }} as health_check_status,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
