-- Visits to children on a child protection plan (local standard, var cp_visit_working_days, default 10): plan start ->
-- first visit, then visit -> visit, each within {{ var('cp_visit_working_days') }} working days (start day is day 0). Only visits where
-- the child was seen count. Visits are matched to the plan by child and date. A plan ending before the due date
-- without the visit -> excluded.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then plan_ended_before_due.
with plans as (
    select * from {{ ref('int_cp__plan_chains') }}
),

visits as (
    select distinct p.cp_plan_id, v.cp_visit_date as point_date
    from {{ ref('stg_ssd__cp_visits') }} as v
    inner join plans as p
        on p.person_id = v.person_id
        and v.cp_visit_date >= p.plan_start
        and v.cp_visit_date <= coalesce(p.plan_end, {{ as_at_date() }})
    where v.cp_visit_date is not null
        and v.cp_visit_date <= {{ as_at_date() }}
        and coalesce(v.cp_visit_seen, false)
),

points as (
    select cp_plan_id, plan_start as point_date, 0 as point_number
    from plans
    union all
    select cp_plan_id, point_date, row_number() over (partition by cp_plan_id order by point_date) as point_number
    from visits
),

chain as (
    select
        cp_plan_id,
        point_number + 1 as visit_number,
        point_date as previous_date,
        lead(point_date) over (partition by cp_plan_id order by point_number) as event_date
    from points
),

items as (
    select
        ch.cp_plan_id || '|' || cast(ch.visit_number as {{ dbt.type_string() }}) as item_key,
        p.person_id,
        p.cp_plan_id,
        p.plan_start,
        p.plan_end,
        ch.visit_number,
        ch.previous_date,
        due.calendar_date as due_date,
        ch.event_date,
        case when ch.event_date is not null then ev_cal.working_day_index - due_start.working_day_index end
            as working_days
    from chain as ch
    inner join plans as p
        on p.cp_plan_id = ch.cp_plan_id
    {{ join_working_day_due('due', 'ch.previous_date', var('cp_visit_working_days')) }}
    {{ join_calendar('ev_cal', 'ch.event_date') }}
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            when plan_end is not null and plan_end < due_date then 'plan_ended_before_due'
        end as exclusion_reason,
        {{ team_date('due_date') }} as team_date
    from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.item_key as visit_item_key,
    c.person_id,
    c.cp_plan_id,
    c.plan_start,
    c.plan_end,
    c.visit_number,
    c.previous_date as previous_visit_date,
    c.due_date,
    c.event_date,
    c.working_days,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
