-- On-time rates by measure, month the items fell due, and team (cohort by due date, TIMELINESS.md).
-- due_items = on_time + late + overdue: items not excluded whose due date is before the as-at date (TIMELINESS.md:
-- "items not yet due at the as-at date are excluded"; an item due on the as-at date is not yet due). not_yet_due counts
-- the other items not excluded, due on or after the as-at date, including ones already done early (their mart outcome
-- is on_time, but counting them would let early events inflate the rate of a month not yet over); excluded is counted
-- beside. pct_on_time = on_time / due_items * 100, one decimal; null when nothing fell due. Items with no due date
-- (a CP plan with no ICPC date, excluded) have no due month and are not counted. Items due before the extract's
-- history are excluded in their marts (due_before_extract_history), so they count only in excluded.
with items as (
    select 'IHA' as measure, due_date, team, outcome from {{ ref('iha_timeliness') }}
    union all
    select 'IHA_REQ' as measure, due_date, team, outcome from {{ ref('iha_request_timeliness') }}
    union all
    select 'RHA' as measure, due_date, team, outcome from {{ ref('rha_timeliness') }}
    union all
    select 'CLA_REVIEW' as measure, due_date, team, outcome from {{ ref('cla_review_timeliness') }}
    union all
    select 'CLA_VISIT' as measure, due_date, team, outcome from {{ ref('cla_visit_timeliness') }}
    union all
    select 'ASSESS_WT' as measure, due_date_wt as due_date, team, outcome_wt as outcome
    from {{ ref('assessment_timeliness') }}
    union all
    select 'ASSESS_DFE' as measure, due_date_dfe as due_date, team, outcome_dfe as outcome
    from {{ ref('assessment_timeliness') }}
    union all
    select 'ICPC' as measure, due_date, team, outcome from {{ ref('icpc_timeliness') }}
    union all
    select 'CP_REVIEW' as measure, due_date, team, outcome from {{ ref('cp_review_timeliness') }}
    union all
    select 'CP_VISIT' as measure, due_date, team, outcome from {{ ref('cp_visit_timeliness') }}
    union all
    select 'CL_PATHWAY' as measure, due_date, team, outcome from {{ ref('care_leaver_pathway_timeliness') }}
    union all
    select 'CORE_GROUP' as measure, due_date, team, outcome from {{ ref('core_group_timeliness') }}
    union all
    select 'PEP' as measure, due_date, team, outcome from {{ ref('pep_timeliness') }} where pep_item = 'initial'
    union all
    select 'PEP_TERM' as measure, due_date, team, outcome from {{ ref('pep_timeliness') }} where pep_item = 'term'
),

counted as (
    select
        i.measure,
        c.month_start as due_month,
        i.team,
        -- late and overdue items are always due before the as-at date; only on_time ones can be done early
        sum(case when i.outcome in ('on_time', 'late', 'overdue') and i.due_date < {{ as_at_date() }} then 1 else 0 end)
            as due_items,
        sum(case when i.outcome = 'on_time' and i.due_date < {{ as_at_date() }} then 1 else 0 end) as on_time,
        sum(case when i.outcome = 'late' then 1 else 0 end) as late,
        sum(case when i.outcome = 'overdue' then 1 else 0 end) as overdue,
        sum(case when i.outcome <> 'excluded' and i.due_date >= {{ as_at_date() }} then 1 else 0 end) as not_yet_due,
        sum(case when i.outcome = 'excluded' then 1 else 0 end) as excluded
    from items as i
    inner join {{ source('staging', 'dim_calendar') }} as c
        on c.calendar_date = i.due_date
    group by i.measure, c.month_start, i.team
)

select
    measure,
    due_month,
    team,
    cast(due_items as integer) as due_items,
    cast(on_time as integer) as on_time,
    cast(late as integer) as late,
    cast(overdue as integer) as overdue,
    cast(not_yet_due as integer) as not_yet_due,
    cast(excluded as integer) as excluded,
    -- Half up to one decimal, in integer terms so both engines agree: floor((2000 * on_time + due_items) /
    -- (2 * due_items)) / 10 = floor(1000 * on_time / due_items + 0.5) / 10. The division is in double precision on
    -- both (PostgreSQL's int / int truncates, DuckDB's does not); floor is exact, as a non-integer quotient is at least
    -- 1 / (2 * due_items) from an integer. (cast(... as numeric) was DECIMAL(18,3) on DuckDB, rounding twice: 13 of 107
    -- gave 12.2 there and 12.1 on PostgreSQL.)
    case
        when due_items > 0 then cast(floor(
            cast(2000 * on_time + due_items as {{ type_double() }}) / cast(2 * due_items as {{ type_double() }})
        ) as {{ type_double() }}) / cast(10 as {{ type_double() }})
    end as pct_on_time
from counted
