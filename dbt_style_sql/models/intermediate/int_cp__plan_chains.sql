-- Child protection plans in order for each child, with the initial conference that started each plan (by the plan's
-- icpc_id, else the conference naming the plan). The clock anchor for reviews is the ICPC date (the plan start where
-- no conference is recorded). Plan ends after the as-at date are unknown.
with conferences as (
    select icpc_id, cp_plan_id, icpc_date, icpc_team, s47_enquiry_id
    from {{ ref('stg_ssd__initial_cp_conference') }}
    where icpc_date is not null
),

plans as (
    select
        pl.cp_plan_id,
        pl.person_id,
        pl.referral_id,
        pl.icpc_id,
        pl.cp_plan_start_date as plan_start,
        {{ known_by_as_at('pl.cp_plan_end_date') }} as plan_end,
        pl.cp_plan_initial_category,
        pl.cp_plan_latest_category,
        coalesce(pl.cp_plan_ola, false) as is_other_la_plan,
        coalesce(c1.icpc_date, c2.icpc_date) as icpc_date,
        coalesce(c1.icpc_team, c2.icpc_team) as icpc_team
    from {{ ref('stg_ssd__cp_plans') }} as pl
    left join conferences as c1
        on c1.icpc_id = pl.icpc_id
    left join (
        select cp_plan_id, min(icpc_date) as icpc_date, min(icpc_team) as icpc_team
        from conferences
        where cp_plan_id is not null
        group by cp_plan_id
    ) as c2
        on c2.cp_plan_id = pl.cp_plan_id and pl.icpc_id is null
    where pl.cp_plan_id is not null
        and pl.person_id is not null
        and pl.cp_plan_start_date is not null
        and pl.cp_plan_start_date <= {{ as_at_date() }}
)

select
    *,
    coalesce(icpc_date, plan_start) as review_clock_start,
    row_number() over (partition by person_id order by plan_start, cp_plan_id) as plan_number,
    lag(plan_end) over (partition by person_id order by plan_start, cp_plan_id) as previous_plan_end
from plans
