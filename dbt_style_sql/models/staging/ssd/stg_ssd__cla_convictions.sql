-- ssd_cla_convictions: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_convictions') }} as valid
),

renamed as (
    select
        {{ to_text('clac_cla_conviction_id') }} as cla_conviction_id,
        {{ to_text('clac_person_id') }} as person_id,
        {{ to_date('clac_cla_conviction_date') }} as cla_conviction_date,
        {{ to_text('clac_cla_conviction_offence') }} as cla_conviction_offence,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
