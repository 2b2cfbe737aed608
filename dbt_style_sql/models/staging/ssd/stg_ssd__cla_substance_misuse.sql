-- ssd_cla_substance_misuse: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_substance_misuse') }} as valid
),

renamed as (
    select
        {{ to_text('clas_substance_misuse_id') }} as substance_misuse_id,
        {{ to_text('clas_person_id') }} as person_id,
        {{ to_date('clas_substance_misuse_date') }} as substance_misuse_date,
        {{ to_flag('clas_substance_misused') }} as substance_misused,
        {{ to_flag('clas_intervention_received') }} as intervention_received,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
