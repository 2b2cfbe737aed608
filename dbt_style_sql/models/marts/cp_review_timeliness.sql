-- Child protection review conferences (Working Together): ICPC -> 1st review within 3 months; each review -> next
-- within 6 months (calendar months, clamped at month end). One chain per CP plan; the next due date runs from the
-- actual review date. A plan that ends before a review falls due with no review held by its end -> excluded; a review
-- held on or before the plan end (typically the conference that ended the plan) is judged against its due date.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then plan_ended_before_due.
with plans as (
    select * from {{ ref('int_cp__plan_chains') }}
),

reviews as (
    select distinct p.cp_plan_id, r.cp_review_date as point_date
    from {{ ref('stg_ssd__cp_reviews') }} as r
    inner join plans as p
        on p.cp_plan_id = r.cp_plan_id
        and r.cp_review_date > p.review_clock_start
        and r.cp_review_date <= coalesce(p.plan_end, {{ as_at_date() }})
    where r.cp_review_date is not null
        and r.cp_review_date <= {{ as_at_date() }}
),

points as (
    select cp_plan_id, review_clock_start as point_date, 0 as point_number
    from plans
    union all
    select cp_plan_id, point_date, row_number() over (partition by cp_plan_id order by point_date) as point_number
    from reviews
),

chain as (
    select
        cp_plan_id,
        point_number + 1 as review_number,
        point_date as previous_date,
        lead(point_date) over (partition by cp_plan_id order by point_number) as event_date
    from points
),

items as (
    select
        ch.cp_plan_id || '|' || cast(ch.review_number as {{ dbt.type_string() }}) as item_key,
        p.person_id,
        p.cp_plan_id,
        p.plan_start,
        p.plan_end,
        p.icpc_date,
        ch.review_number,
        ch.previous_date,
        case
            when ch.review_number = 1 then {{ add_months('ch.previous_date', 3) }}
            else {{ add_months('ch.previous_date', 6) }}
        end as due_date,
        ch.event_date
    from chain as ch
    inner join plans as p
        on p.cp_plan_id = ch.cp_plan_id
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            -- unlike visits and core groups, most plans end AT a review conference: excluding every item whose plan
            -- ended before the due date would drop on-time plan-ending reviews but keep late ones (rate biased down).
            -- event_date is never after plan_end (reviews), so a non-null event is a review held by the plan end.
            when plan_end is not null and plan_end < due_date and event_date is null then 'plan_ended_before_due'
        end as exclusion_reason,
        {{ team_date('due_date') }} as team_date
    from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.item_key as review_item_key,
    c.person_id,
    c.cp_plan_id,
    c.plan_start,
    c.plan_end,
    c.icpc_date,
    c.review_number,
    c.previous_date as previous_review_date,
    c.due_date,
    c.event_date,
    {{ days_between('c.previous_date', 'c.event_date') }} as days_since_previous,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
