-- Ofsted's Annex A List 7 (child protection): every child protection plan (int_cp__plan_chains) open at any time in
-- the window (started by its last day, not ended before its first); one row per plan.
--   categories of abuse: the plan's initial and latest (each the other where one is not recorded);
--   date of the last statutory visit / latest review conference: the latest visit (child seen) and review conference
--     of the plan on or before the window's end, from the marts cp_visit_timeliness and cp_review_timeliness (for an
--     open plan on the as-at date these are cp_snapshot's last_visit_date / last_review_date);
--   seen alone: at that visit (ssd_cp_visits' seen-alone flag on that day; not recorded: Unknown); blank with no visit;
--   plan end date: when on or before the window's end;
--   EPO or police protection in the last six months: a legal status L1 (police protection) or L2 (emergency
--     protection order) in force at some time in the six months ending on the window's end;
--   previous plans: the child's plans begun before this one;
--   allocated team / worker: the child's allocation on the window's end (or the plan's end if earlier), else the
--     initial conference's team, else UNALLOCATED.
-- Rows in child, plan start, plan id order.
with plans as (
    select
        cp_plan_id,
        person_id,
        plan_start,
        {{ annex_a_by_end('plan_end') }} as plan_end_by_end,
        cp_plan_initial_category,
        cp_plan_latest_category,
        plan_number,
        icpc_team
    from {{ ref('int_cp__plan_chains') }}
    where {{ annex_a_open_in_window('plan_start', 'plan_end') }}
),

last_visit as (
    select cp_plan_id, max(event_date) as last_visit_date
    from {{ ref('cp_visit_timeliness') }}
    where event_date <= {{ annex_a_window_end() }}
    group by cp_plan_id
),

seen_alone as (
    select
        v.cp_plan_id,
        max(case when s.cp_visit_seen_alone then 1 when not s.cp_visit_seen_alone then 0 end) as seen_alone
    from last_visit as v
    inner join plans as p
        on p.cp_plan_id = v.cp_plan_id
    inner join {{ ref('stg_ssd__cp_visits') }} as s
        on s.person_id = p.person_id
        and s.cp_visit_date = v.last_visit_date
        and coalesce(s.cp_visit_seen, false)
    group by v.cp_plan_id
),

last_review as (
    select cp_plan_id, max(event_date) as last_review_date
    from {{ ref('cp_review_timeliness') }}
    where event_date <= {{ annex_a_window_end() }}
    group by cp_plan_id
),

protection as (
    select distinct person_id
    from {{ ref('stg_ssd__legal_status') }}
    where {{ annex_a_code_text('legal_status') }} in ('L1', 'L2')
        and legal_status_start_date <= {{ annex_a_window_end() }}
        and (legal_status_end_date is null or legal_status_end_date >= {{ annex_a_months_before_end(6) }})
),

items as (
    select
        cp_plan_id as item_key,
        person_id,
        coalesce(plan_end_by_end, {{ annex_a_window_end() }}) as team_date
    from plans
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('p.person_id') }}, p.plan_start,
                            {{ binary_text_order('p.cp_plan_id') }}) - 1 as bigint) as row_id,
    p.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    {{ annex_a_child_disability('ch') }} as has_disability,
    p.plan_start as child_protection_plan_start_date,
    coalesce({{ annex_a_abuse_category('p.cp_plan_initial_category') }},
             {{ annex_a_abuse_category('p.cp_plan_latest_category') }}) as initial_category_of_abuse,
    coalesce({{ annex_a_abuse_category('p.cp_plan_latest_category') }},
             {{ annex_a_abuse_category('p.cp_plan_initial_category') }}) as latest_category_of_abuse,
    lv.last_visit_date as date_of_the_last_statutory_visit,
    case when lv.last_visit_date is not null then
        case sa.seen_alone when 1 then 'True' when 0 then 'False' else 'Unknown' end
    end as was_the_child_seen_alone,
    lr.last_review_date as date_of_latest_review_conference,
    p.plan_end_by_end as child_protection_plan_end_date,
    case when pr.person_id is not null then 'True' else 'False' end as epo_or_police_protection_6_months,
    cast(p.plan_number - 1 as integer) as previous_cp_plans,
    {{ annex_a_text_or(['a.team_id', 'p.icpc_team'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['a.worker_id'], 'UNALLOCATED') }} as allocated_worker
from plans as p
left join last_visit as lv
    on lv.cp_plan_id = p.cp_plan_id
left join seen_alone as sa
    on sa.cp_plan_id = p.cp_plan_id
left join last_review as lr
    on lr.cp_plan_id = p.cp_plan_id
left join protection as pr
    on pr.person_id = p.person_id
left join allocations as a
    on a.item_key = p.cp_plan_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = p.person_id
