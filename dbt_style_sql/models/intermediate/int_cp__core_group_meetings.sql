-- Core group meetings (ssd_cp_core_groups, a cs_pipeline extension to the SSD) matched to CP plans: by the meeting's
-- cp_plan_id, or, where a meeting names no plan, by the child and a date from the plan's ICPC (plan start if none)
-- to its end. One row per plan and meeting date. Meetings after the as-at date are not yet known.
with plans as (
    select cp_plan_id, person_id, plan_start, plan_end, icpc_date
    from {{ ref('int_cp__plan_chains') }}
),

meetings as (
    select person_id, cp_plan_id, meeting_date
    from {{ ref('stg_ssd__cp_core_groups') }}
    where meeting_date is not null
        and meeting_date <= {{ as_at_date() }}
),

matched as (
    select p.cp_plan_id, m.meeting_date, 'cp_plan_id' as matched_by
    from meetings as m
    inner join plans as p
        on p.cp_plan_id = m.cp_plan_id
    union all
    select p.cp_plan_id, m.meeting_date, 'person_and_date' as matched_by
    from meetings as m
    inner join plans as p
        on m.cp_plan_id is null
        and p.person_id = m.person_id
        and m.meeting_date >= coalesce(p.icpc_date, p.plan_start)
)

select
    m.cp_plan_id,
    m.meeting_date,
    min(m.matched_by) as matched_by
from matched as m
inner join plans as p
    on p.cp_plan_id = m.cp_plan_id
where m.meeting_date <= coalesce(p.plan_end, {{ as_at_date() }})
group by m.cp_plan_id, m.meeting_date
