-- First core group (Working Together; TIMELINESS.md CORE_GROUP): ICPC date (day 0) -> first core group meeting of
-- the plan, within {{ var('core_group_working_days') }} working days. One row per CP plan. Source: ssd_cp_core_groups,
-- a cs_pipeline extension to the SSD (int_cp__core_group_meetings). Event: the earliest meeting on or after the ICPC
-- date (an earlier one is ignored). Excluded, in this order: the source did not supply the table (every plan,
-- source_not_supplied), due before history_start() (due_before_extract_history: the extract holds only var
-- extract_history_years years of events), no ICPC date known (no_icpc_date), plan ended before the due date
-- (plan_ended_before_due, whether or not a meeting was held first: timeliness_conventions).
with supply as (
    select {{ source_supplied('ssd_cp_core_groups') }} as is_supplied
),

plans as (
    select
        cp_plan_id,
        person_id,
        icpc_id,
        {{ known_by_as_at('icpc_date') }} as icpc_date,
        icpc_team,
        plan_start,
        plan_end
    from {{ ref('int_cp__plan_chains') }}
),

plan_conference as (
    -- the plan names no conference: the conference naming the plan, on the plan's ICPC date
    select p.cp_plan_id, min(c.icpc_id) as icpc_id
    from plans as p
    inner join {{ ref('stg_ssd__initial_cp_conference') }} as c
        on c.cp_plan_id = p.cp_plan_id
        and c.icpc_date = p.icpc_date
    where p.icpc_id is null
    group by p.cp_plan_id
),

first_meeting as (
    select p.cp_plan_id, min(m.meeting_date) as event_date
    from plans as p
    inner join {{ ref('int_cp__core_group_meetings') }} as m
        on m.cp_plan_id = p.cp_plan_id
        and m.meeting_date >= p.icpc_date
    group by p.cp_plan_id
),

items as (
    select
        p.cp_plan_id as item_key,
        p.person_id,
        p.cp_plan_id,
        coalesce(p.icpc_id, pc.icpc_id) as icpc_id,
        p.icpc_date,
        p.icpc_team,
        p.plan_start,
        p.plan_end,
        due.calendar_date as due_date,
        fm.event_date,
        case when fm.event_date is not null then ev_cal.working_day_index - due_start.working_day_index end
            as working_days,
        case
            when not s.is_supplied then 'source_not_supplied'
            when due.calendar_date < {{ history_start() }} then 'due_before_extract_history'
            when p.icpc_date is null then 'no_icpc_date'
            when p.plan_end is not null and p.plan_end < due.calendar_date then 'plan_ended_before_due'
        end as exclusion_reason
    from plans as p
    cross join supply as s
    left join plan_conference as pc
        on pc.cp_plan_id = p.cp_plan_id
    left join first_meeting as fm
        on fm.cp_plan_id = p.cp_plan_id
    {{ join_working_day_due('due', 'p.icpc_date', var('core_group_working_days')) }}
    {{ join_calendar('ev_cal', 'fm.event_date') }}
),

classified as (
    -- no ICPC date: the team is read on the plan start
    select *, {{ team_date('coalesce(due_date, plan_start)') }} as team_date
    from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.person_id,
    c.cp_plan_id,
    c.icpc_id,
    c.icpc_date,
    c.plan_start,
    c.plan_end,
    c.due_date,
    c.event_date,
    c.working_days,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    coalesce(t.team_id, c.icpc_team, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
