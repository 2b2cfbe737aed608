-- ssd_initial_cp_conference: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_initial_cp_conference') }} as valid
),

renamed as (
    select
        {{ to_text('icpc_icpc_id') }} as icpc_id,
        {{ to_text('icpc_icpc_meeting_id') }} as icpc_meeting_id,
        {{ to_text('icpc_s47_enquiry_id') }} as s47_enquiry_id,
        {{ to_text('icpc_person_id') }} as person_id,
        {{ to_text('icpc_cp_plan_id') }} as cp_plan_id,
        {{ to_text('icpc_referral_id') }} as referral_id,
        {{ to_flag('icpc_icpc_transfer_in') }} as icpc_transfer_in,
        {{ to_date('icpc_icpc_target_date') }} as icpc_target_date,
        {{ to_date('icpc_icpc_date') }} as icpc_date,
        {{ to_flag('icpc_icpc_outcome_cp_flag') }} as icpc_outcome_cp_flag,
        {{ to_text('icpc_icpc_outcome_json') }} as icpc_outcome_json,
        {{ to_text('icpc_icpc_team') }} as icpc_team,
        {{ to_text('icpc_icpc_worker_id') }} as icpc_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
