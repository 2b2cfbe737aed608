-- ssd_cin_assessments: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cin_assessments') }} as valid
),

renamed as (
    select
        {{ to_text('cina_assessment_id') }} as assessment_id,
        {{ to_text('cina_person_id') }} as person_id,
        {{ to_text('cina_referral_id') }} as referral_id,
        {{ to_date('cina_assessment_start_date') }} as assessment_start_date,
        {{ to_flag('cina_assessment_child_seen') }} as assessment_child_seen,
        {{ to_date('cina_assessment_auth_date') }} as assessment_auth_date,
        {{ to_text('cina_assessment_outcome_json') }} as assessment_outcome_json,
        {{ to_flag('cina_assessment_outcome_nfa') }} as assessment_outcome_nfa,
        {{ to_text('cina_assessment_team') }} as assessment_team,
        {{ to_text('cina_assessment_worker_id') }} as assessment_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
