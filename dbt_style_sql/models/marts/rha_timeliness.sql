-- Review health assessments (RHA), CPPCR reg 7: a chain per period of care starting at the IHA date (or at the
-- assessment in the 3 months before entry that stood in for it, or - where the IHA predates the extract - at the
-- first assessment recorded in the period). Each assessment is due 6 months after the previous
-- one if the child was under 5 at that assessment, else 12 months (calendar months, clamped at month end).
-- The next due date runs from the actual date (an early assessment resets the chain). The chain ends when care ends
-- or at the 18th birthday: an assessment falling due after that is excluded.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then short_break, turned_18_before_due /
-- ceased_care_before_due.
with periods as (
    select
        p.period_of_care_key,
        p.person_id,
        p.period_start,
        p.period_end,
        p.is_short_break,
        ps.dob,
        {{ add_months('ps.dob', 216) }} as eighteenth_birthday,
        coalesce(ev.iha_date, ev.pre_entry_assessment_date, fa.first_assessment_date) as chain_start
    from {{ ref('int_cla__periods_of_care') }} as p
    left join (
        -- a period whose IHA predates the extract: its first recorded assessment starts the chain
        select pp.period_of_care_key, min(e.assessment_date) as first_assessment_date
        from {{ ref('int_cla__periods_of_care') }} as pp
        inner join {{ ref('int_health__assessment_events') }} as e
            on e.person_id = pp.person_id
            and e.assessment_date >= pp.period_start
            and e.assessment_date <= coalesce(pp.period_end, {{ as_at_date() }})
        group by pp.period_of_care_key
    ) as fa
        on fa.period_of_care_key = p.period_of_care_key
    left join {{ ref('int_cla__iha_evidence') }} as ev
        on ev.period_of_care_key = p.period_of_care_key
    left join {{ ref('stg_ssd__person') }} as ps
        on ps.person_id = p.person_id
),

scoped as (
    select
        *,
        case
            when eighteenth_birthday is not null
                and eighteenth_birthday < coalesce(period_end, {{ open_end_date() }}) then eighteenth_birthday
            else period_end
        end as scope_end,
        case
            when eighteenth_birthday is not null
                and eighteenth_birthday < coalesce(period_end, {{ open_end_date() }}) then 'turned_18_before_due'
            else 'ceased_care_before_due'
        end as scope_end_reason
    from periods
    where chain_start is not null
),

points as (
    -- chain point 0 is the starting assessment; later points are later completed assessments in scope
    select period_of_care_key, chain_start as point_date, 'chain_start' as evidence_source
    from scoped
    union all
    select s.period_of_care_key, e.assessment_date as point_date, e.evidence_source
    from scoped as s
    inner join {{ ref('int_health__assessment_events') }} as e
        on e.person_id = s.person_id
        and e.assessment_date > s.chain_start
        and e.assessment_date <= coalesce(s.scope_end, {{ as_at_date() }})
),

chain as (
    select
        period_of_care_key,
        row_number() over (partition by period_of_care_key order by point_date) as assessment_number,
        point_date as previous_assessment_date,
        lead(point_date) over (partition by period_of_care_key order by point_date) as event_date,
        lead(evidence_source) over (partition by period_of_care_key order by point_date) as evidence_source
    from points
),

items as (
    select
        c.period_of_care_key || '|' || cast(c.assessment_number as {{ dbt.type_string() }}) as item_key,
        s.person_id,
        s.period_start as period_of_care_start,
        c.assessment_number as review_number,
        c.previous_assessment_date,
        case when s.dob is not null and {{ add_months('s.dob', 60) }} > c.previous_assessment_date then 6 else 12 end
            as interval_months,
        c.event_date,
        c.evidence_source,
        s.scope_end,
        s.scope_end_reason,
        s.is_short_break
    from chain as c
    inner join scoped as s
        on s.period_of_care_key = c.period_of_care_key
),

dated as (
    select
        *,
        {{ add_months('previous_assessment_date', 'interval_months') }} as due_date
    from items
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            when is_short_break then 'short_break'
            when scope_end is not null and scope_end < due_date then scope_end_reason
        end as exclusion_reason,
        {{ team_date('due_date') }} as team_date
    from dated
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.item_key as rha_item_key,
    c.person_id,
    c.period_of_care_start,
    c.review_number,
    c.previous_assessment_date,
    c.interval_months,
    c.due_date,
    c.event_date,
    {{ days_between('c.previous_assessment_date', 'c.event_date') }} as days_since_previous,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    c.evidence_source,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
