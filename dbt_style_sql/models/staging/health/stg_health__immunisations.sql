-- Health provider extract immunisations: the latest delivered version of each record_id (raw keeps every
-- version); rows quarantined by validation are left out before choosing the latest.
with source as (
    select * from {{ valid_rows('health_immunisations') }} as valid
),

latest as (
    select
        *,
        row_number() over (
            partition by record_id
            order by _file_date desc nulls last, _file desc, cast(_row_number as integer) desc
        ) as delivery_rank
    from source
),

renamed as (
    select
        {{ to_text('record_id') }} as record_id,
        {{ to_text('nhs_number') }} as nhs_number,
        {{ to_text('given_name') }} as given_name,
        {{ to_text('family_name') }} as family_name,
        {{ to_date('date_of_birth') }} as date_of_birth,
        {{ to_text('sex') }} as sex,
        {{ to_text('postcode') }} as postcode,
        {{ to_date('status_date') }} as status_date,
        {{ to_flag('up_to_date') }} as up_to_date,
        _file as source_file,
        _file_date as source_file_date,
        _row_key,
        _extracted_at
    from latest
    where delivery_rank = 1
)

select * from renamed
