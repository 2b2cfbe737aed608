-- ssd_cla_substance_misuse_offers (cs_pipeline extension to the SSD): renamed (table prefix dropped) and typed; rows
-- quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_substance_misuse_offers') }} as valid
),

renamed as (
    select
        {{ to_text('clso_offer_id') }} as offer_id,
        {{ to_text('clso_person_id') }} as person_id,
        {{ to_text('clso_substance_misuse_id') }} as substance_misuse_id,
        {{ to_date('clso_offer_date') }} as offer_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
