-- ssd_cp_plans: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cp_plans') }} as valid
),

renamed as (
    select
        {{ to_text('cppl_cp_plan_id') }} as cp_plan_id,
        {{ to_text('cppl_referral_id') }} as referral_id,
        {{ to_text('cppl_icpc_id') }} as icpc_id,
        {{ to_text('cppl_person_id') }} as person_id,
        {{ to_date('cppl_cp_plan_start_date') }} as cp_plan_start_date,
        {{ to_date('cppl_cp_plan_end_date') }} as cp_plan_end_date,
        {{ to_text('cppl_cp_plan_initial_category') }} as cp_plan_initial_category,
        {{ to_flag('cppl_cp_plan_ola') }} as cp_plan_ola,
        {{ to_text('cppl_cp_plan_latest_category') }} as cp_plan_latest_category,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
