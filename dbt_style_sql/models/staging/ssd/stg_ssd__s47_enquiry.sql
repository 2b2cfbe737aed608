-- ssd_s47_enquiry: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
{%- set outcome_text -%}
    upper(replace(replace(replace(s47e_s47_outcome_json, ' ', ''), '"', ''), '''', ''))
{%- endset %}
with source as (
    select * from {{ valid_rows('ssd_s47_enquiry') }} as valid
),

renamed as (
    select
        {{ to_text('s47e_s47_enquiry_id') }} as s47_enquiry_id,
        {{ to_text('s47e_referral_id') }} as referral_id,
        {{ to_text('s47e_person_id') }} as person_id,
        {{ to_date('s47e_s47_start_date') }} as s47_start_date,
        {{ to_date('s47e_s47_end_date') }} as s47_end_date,
        {{ to_flag('s47e_s47_nfa') }} as s47_nfa,
        {{ to_text('s47e_s47_outcome_json') }} as s47_outcome_json,
        -- CP conference flag of the outcome JSON: true = Y, false = any other value, null = no such key. The SSD key
        -- is CP_CONFERENCE_FLAG; some extracts (and the synthetic generator) prefix it OUTCOME_, so match the key as
        -- a suffix. Text match (spaces and quotes dropped) rather than JSON functions, which differ between DuckDB
        -- and PostgreSQL; LIKE's '_' matches itself too.
        case
            when {{ outcome_text }} like '%CP_CONFERENCE_FLAG:Y%' then true
            when {{ outcome_text }} like '%CP_CONFERENCE_FLAG:%' then false
        end as s47_cp_conference_flag,
        {{ to_text('s47e_s47_completed_by_worker_id') }} as s47_completed_by_worker_id,
        {{ to_text('s47e_s47_completed_by_team') }} as s47_completed_by_team,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
