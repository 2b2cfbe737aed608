-- ssd_cin_plans: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cin_plans') }} as valid
),

renamed as (
    select
        {{ to_text('cinp_cin_plan_id') }} as cin_plan_id,
        {{ to_text('cinp_referral_id') }} as referral_id,
        {{ to_text('cinp_person_id') }} as person_id,
        {{ to_date('cinp_cin_plan_start_date') }} as cin_plan_start_date,
        {{ to_date('cinp_cin_plan_end_date') }} as cin_plan_end_date,
        {{ to_text('cinp_cin_plan_team') }} as cin_plan_team,
        {{ to_text('cinp_cin_plan_worker_id') }} as cin_plan_worker_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
