-- ssd_cla_dolo (cs_pipeline extension to the SSD): renamed (table prefix dropped) and typed; rows quarantined by
-- validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_dolo') }} as valid
),

renamed as (
    select
        {{ to_text('cldl_dolo_id') }} as dolo_id,
        {{ to_text('cldl_person_id') }} as person_id,
        {{ to_date('cldl_dolo_start_date') }} as dolo_start_date,
        {{ to_date('cldl_dolo_end_date') }} as dolo_end_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
