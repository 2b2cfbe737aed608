-- Looked-after children's reviews (CPPCR reg 33): per period of care, entry -> 1st review within
-- {{ var('cla_first_review_working_days') }} working days; 1st -> 2nd within 3 months; each later review within 6 months of the previous one.
-- The chain restarts with each new period of care; the next due date runs from the actual review date (an early
-- review resets the chain). Cancelled reviews do not count. Short breaks (legal status V3/V4) are excluded.
-- Where the entry is not in the extract's history, the review numbers are unknown: a period that did not start with
-- RNE 'S' in the extract (its entry is older than the extract), or whose 1st review fell due before history_start()
-- (reviews held before it are not in the extract). Then the first review seen may be the 2nd or a later one, so the
-- interval after each review seen is 6 months (never a false 3-month "late"), and item 1 of a period not starting
-- with RNE 'S' is excluded (entry_not_in_extract). review_number counts the reviews seen in the extract.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then entry_not_in_extract, short_break,
-- ceased_care_before_due.
with periods as (
    select
        p.*,
        p.started_with_rne_s and first_due.calendar_date >= {{ history_start() }} as entry_in_history
    from {{ ref('int_cla__periods_of_care') }} as p
    {{ join_working_day_due('first_due', 'p.period_start', var('cla_first_review_working_days')) }}
),

reviews as (
    -- a review belongs to the period of care of its cla_id that contains its date
    select distinct p.period_of_care_key, r.cla_review_date as point_date
    from {{ ref('stg_ssd__cla_reviews') }} as r
    inner join (
        select distinct cla_id, person_id from {{ ref('stg_ssd__cla_episodes') }} where cla_id is not null
    ) as e
        on e.cla_id = r.cla_id
    inner join periods as p
        on p.person_id = e.person_id
        and r.cla_review_date >= p.period_start
        and r.cla_review_date <= coalesce(p.period_end, {{ as_at_date() }})
    where r.cla_review_date is not null
        and r.cla_review_date <= {{ as_at_date() }}
        and not coalesce(r.cla_review_cancelled, false)
),

points as (
    select period_of_care_key, period_start as point_date, 0 as point_number
    from periods
    union all
    select
        period_of_care_key,
        point_date,
        row_number() over (partition by period_of_care_key order by point_date) as point_number
    from reviews
),

chain as (
    select
        period_of_care_key,
        point_number + 1 as review_number,
        point_date as previous_date,
        lead(point_date) over (partition by period_of_care_key order by point_number) as event_date
    from points
),

items as (
    select
        c.period_of_care_key || '|' || cast(c.review_number as {{ dbt.type_string() }}) as item_key,
        p.person_id,
        p.cla_id,
        p.period_start as period_of_care_start,
        p.period_end as period_of_care_end,
        c.review_number,
        c.previous_date,
        case
            when c.review_number = 1 then due_wd.calendar_date
            when c.review_number = 2 and p.entry_in_history then {{ add_months('c.previous_date', 3) }}
            else {{ add_months('c.previous_date', 6) }}
        end as due_date,
        c.event_date,
        case when c.review_number = 1 and c.event_date is not null
            then ev_cal.working_day_index - due_wd_start.working_day_index end as working_days,
        p.is_short_break,
        p.is_uasc,
        p.started_with_rne_s
    from chain as c
    inner join periods as p
        on p.period_of_care_key = c.period_of_care_key
    {{ join_working_day_due('due_wd', 'c.previous_date', var('cla_first_review_working_days')) }}
    {{ join_calendar('ev_cal', 'c.event_date') }}
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            when review_number = 1 and not started_with_rne_s then 'entry_not_in_extract'
            when is_short_break then 'short_break'
            when period_of_care_end is not null and period_of_care_end < due_date
                then 'ceased_care_before_due'
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
    c.cla_id,
    c.period_of_care_start,
    c.review_number,
    c.previous_date as previous_review_date,
    c.due_date,
    c.event_date,
    c.working_days,
    {{ days_between('c.previous_date', 'c.event_date') }} as days_since_previous,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    c.is_uasc,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
