-- ssd_cla_pep (cs_pipeline extension to the SSD): renamed (table prefix dropped) and typed; rows quarantined by
-- validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_pep') }} as valid
),

renamed as (
    select
        {{ to_text('clpe_pep_id') }} as pep_id,
        {{ to_text('clpe_person_id') }} as person_id,
        {{ to_date('clpe_pep_date') }} as pep_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
