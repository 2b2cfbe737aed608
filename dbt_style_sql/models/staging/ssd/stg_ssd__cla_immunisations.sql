-- ssd_cla_immunisations: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_immunisations') }} as valid
),

renamed as (
    select
        {{ to_text('clai_person_id') }} as person_id,
        {{ to_flag('clai_immunisations_status') }} as immunisations_status,
        {{ to_date('clai_immunisations_status_date') }} as immunisations_status_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
