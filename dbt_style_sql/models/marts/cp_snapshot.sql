-- Children on a child protection plan as at the as-at date (Annex A lens): one row per open plan, with the last
-- visit (child seen) and review and whether each is in date (the open item of its chain is not overdue), and the
-- last core group meeting (ssd_cp_core_groups, a cs_pipeline extension; null if none or not supplied).
with open_plans as (
    select *
    from {{ ref('int_cp__plan_chains') }}
    where plan_end is null
),

visits as (
    select cp_plan_id,
        max(case when event_date is not null then event_date end) as last_visit_date,
        min(case when event_date is null then due_date end) as visit_due_date,
        max(case when event_date is null and outcome = 'overdue' then 1 else 0 end) as visit_overdue
    from {{ ref('cp_visit_timeliness') }}
    group by cp_plan_id
),

reviews as (
    select cp_plan_id,
        max(case when event_date is not null then event_date end) as last_review_date,
        min(case when event_date is null then due_date end) as review_due_date,
        max(case when event_date is null and outcome = 'overdue' then 1 else 0 end) as review_overdue
    from {{ ref('cp_review_timeliness') }}
    group by cp_plan_id
),

core_groups as (
    select cp_plan_id, max(meeting_date) as last_core_group_date
    from {{ ref('int_cp__core_group_meetings') }}
    group by cp_plan_id
),

joined as (
    select
        p.cp_plan_id,
        p.person_id,
        p.plan_start,
        p.icpc_date,
        {{ days_between('p.plan_start', as_at_date()) }} as days_on_plan,
        p.cp_plan_initial_category,
        p.cp_plan_latest_category,
        p.plan_number,
        v.last_visit_date,
        v.visit_due_date,
        case when v.visit_due_date is not null then v.visit_overdue = 0 end as visit_in_date,
        r.last_review_date,
        r.review_due_date,
        case when r.review_due_date is not null then r.review_overdue = 0 end as review_in_date,
        cg.last_core_group_date
    from open_plans as p
    left join visits as v on v.cp_plan_id = p.cp_plan_id
    left join reviews as r on r.cp_plan_id = p.cp_plan_id
    left join core_groups as cg on cg.cp_plan_id = p.cp_plan_id
),

team_items as (
    select cp_plan_id as item_key, person_id, {{ as_at_date() }} as team_date from joined
),

teams as (
    {{ team_on_date('team_items') }}
)

select
    j.*,
    coalesce(t.team_id, 'UNALLOCATED') as team,
    {{ as_at_date() }} as as_at_date
from joined as j
left join teams as t
    on t.item_key = j.cp_plan_id
