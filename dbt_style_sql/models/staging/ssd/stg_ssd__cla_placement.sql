-- ssd_cla_placement: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_placement') }} as valid
),

renamed as (
    select
        {{ to_text('clap_cla_placement_id') }} as cla_placement_id,
        {{ to_date('clap_cla_placement_start_date') }} as cla_placement_start_date,
        {{ to_text('clap_cla_placement_type') }} as cla_placement_type,
        {{ to_text('clap_cla_placement_urn') }} as cla_placement_urn,
        {{ to_float('clap_cla_placement_distance') }} as cla_placement_distance,
        {{ to_text('clap_cla_id') }} as cla_id,
        {{ to_text('clap_cla_placement_provider') }} as cla_placement_provider,
        {{ to_text('clap_cla_placement_postcode') }} as cla_placement_postcode,
        {{ to_date('clap_cla_placement_end_date') }} as cla_placement_end_date,
        {{ to_text('clap_cla_placement_change_reason') }} as cla_placement_change_reason,
        {{ to_text('clap_person_id') }} as person_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
