-- Personal education plans (TIMELINESS.md PEP; DfE statutory guidance "Promoting the education of looked-after and
-- previously looked-after children", 2018). Source: ssd_cla_pep, a cs_pipeline extension to the SSD.
--   initial: one item per period of care; entry (day 0) -> earliest PEP on or after entry, within
--     {{ var('pep_working_days') }} working days.
--   term: one item per term (int_pep__terms, var pep_terms) that starts while the child is looked after, once the
--     initial PEP fell due before the term started; due on the term's last day; event = earliest PEP within the term.
-- PEPs count only within the period of care. Excluded, in this order: source not supplied (every item), due before
-- history_start() (due_before_extract_history: the extract holds only var extract_history_years years), a term
-- begun before history_start() (term_started_before_extract_history), short break
-- (V3/V4), initial item of a period that did not start with RNE S (entry date not in the extract), no date of birth,
-- outside school age (var pep_min_age to pep_max_age - 1 at the period / term start), care ended before the due date.
with supply as (
    select {{ source_supplied('ssd_cla_pep') }} as is_supplied
),

periods as (
    select
        p.period_of_care_key,
        p.person_id,
        p.cla_id,
        p.period_start,
        p.period_end,
        p.started_with_rne_s,
        p.is_short_break,
        p.is_uasc,
        ps.dob,
        due.calendar_date as initial_due_date,
        due_start.working_day_index as start_index
    from {{ ref('int_cla__periods_of_care') }} as p
    left join {{ ref('stg_ssd__person') }} as ps
        on ps.person_id = p.person_id
    {{ join_working_day_due('due', 'p.period_start', var('pep_working_days')) }}
),

peps as (
    select distinct p.period_of_care_key, pep.pep_date
    from {{ ref('stg_ssd__cla_pep') }} as pep
    inner join periods as p
        on p.person_id = pep.person_id
        and pep.pep_date >= p.period_start
        and pep.pep_date <= coalesce(p.period_end, {{ as_at_date() }})
    where pep.pep_date is not null
        and pep.pep_date <= {{ as_at_date() }}
),

first_pep as (
    select period_of_care_key, min(pep_date) as event_date
    from peps
    group by period_of_care_key
),

initial_items as (
    select
        p.period_of_care_key || '|initial' as item_key,
        p.period_of_care_key,
        'initial' as pep_item,
        cast(null as date) as term_start,
        cast(null as date) as term_end,
        p.period_start as scope_date,
        p.initial_due_date as due_date,
        fp.event_date,
        case when fp.event_date is not null then ev_cal.working_day_index - p.start_index end as working_days
    from periods as p
    left join first_pep as fp
        on fp.period_of_care_key = p.period_of_care_key
    {{ join_calendar('ev_cal', 'fp.event_date') }}
),

term_slots as (
    -- looked after on the term's start date, initial PEP due before it; terms starting after the as-at date unknown
    select p.period_of_care_key, t.term_start, t.term_end
    from periods as p
    inner join {{ ref('int_pep__terms') }} as t
        on t.term_start >= p.period_start
        and t.term_start <= coalesce(p.period_end, {{ as_at_date() }})
        and t.term_start > p.initial_due_date
),

term_peps as (
    select s.period_of_care_key, s.term_start, min(pep.pep_date) as event_date
    from term_slots as s
    inner join peps as pep
        on pep.period_of_care_key = s.period_of_care_key
        and pep.pep_date >= s.term_start
        and pep.pep_date <= s.term_end
    group by s.period_of_care_key, s.term_start
),

term_items as (
    select
        s.period_of_care_key || '|' || cast(s.term_start as {{ dbt.type_string() }}) as item_key,
        s.period_of_care_key,
        'term' as pep_item,
        s.term_start,
        s.term_end,
        s.term_start as scope_date,
        s.term_end as due_date,
        tp.event_date,
        cast(null as integer) as working_days
    from term_slots as s
    left join term_peps as tp
        on tp.period_of_care_key = s.period_of_care_key
        and tp.term_start = s.term_start
),

all_items as (
    select * from initial_items
    union all
    select * from term_items
),

items as (
    select
        i.*,
        p.person_id,
        p.cla_id,
        p.period_start as period_of_care_start,
        p.period_end as period_of_care_end,
        p.is_short_break,
        p.is_uasc,
        case when p.dob is not null then {{ age_in_years('p.dob', 'i.scope_date') }} end as age_at_scope_date,
        case
            when not s.is_supplied then 'source_not_supplied'
            when i.due_date < {{ history_start() }} then 'due_before_extract_history'
            -- a term begun before the history start may have had its PEP before it, out of sight
            when i.pep_item = 'term' and i.term_start < {{ history_start() }} then 'term_started_before_extract_history'
            when p.is_short_break then 'short_break'
            when i.pep_item = 'initial' and not p.started_with_rne_s then 'entry_not_in_extract'
            when p.dob is null then 'date_of_birth_missing'
            when {{ age_in_years('p.dob', 'i.scope_date') }} < {{ var('pep_min_age') }}
                or {{ age_in_years('p.dob', 'i.scope_date') }} >= {{ var('pep_max_age') }} then 'not_school_age'
            when p.period_end is not null and p.period_end < i.due_date then 'ceased_care_before_due'
        end as exclusion_reason
    from all_items as i
    inner join periods as p
        on p.period_of_care_key = i.period_of_care_key
    cross join supply as s
),

classified as (
    select *, {{ team_date('due_date') }} as team_date from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.item_key as pep_item_key,
    c.person_id,
    c.cla_id,
    c.period_of_care_start,
    c.period_of_care_end,
    c.pep_item,
    c.term_start,
    c.term_end,
    c.due_date,
    c.event_date,
    c.working_days,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    c.age_at_scope_date,
    c.is_short_break,
    c.is_uasc,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
