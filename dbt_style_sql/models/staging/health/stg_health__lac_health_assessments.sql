-- Health provider extract lac_health_assessments: the latest delivered version of each record_id (raw keeps every
-- version); rows quarantined by validation are left out before choosing the latest.
with source as (
    select * from {{ valid_rows('health_lac_health_assessments') }} as valid
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
        {{ to_text('la_child_id') }} as la_child_id,
        {{ to_text('assessment_type') }} as assessment_type,
        {{ to_date('request_received_date') }} as request_received_date,
        {{ to_date('appointment_date') }} as appointment_date,
        {{ to_date('assessment_date') }} as assessment_date,
        {{ to_date('report_sent_date') }} as report_sent_date,
        {{ to_text('status') }} as status,
        {{ to_text('practitioner_type') }} as practitioner_type,
        {{ to_text('provider_code') }} as provider_code,
        _file as source_file,
        _file_date as source_file_date,
        _row_key,
        _extracted_at
    from latest
    where delivery_rank = 1
)

select * from renamed
