-- Social worker visits to looked-after children (CPPCR reg 28(3)): per placement chain, placement start -> first visit
-- within 7 days; then visit -> visit within 6 weeks (42 days) during the first year of the placement; after the first
-- year, within 3 months where the placement is intended to last until 18 (long-term placement types, var
-- long_term_placement_types), else 6 weeks. Only visits where the child was seen count. A new placement restarts the
-- chain; temporary placements (T0-T4) do not. Short breaks (V3/V4) are excluded.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then short_break, left_placement_before_due.
with chains as (
    select
        c.*,
        p.is_short_break,
        p.cla_id,
        p.period_start as period_of_care_start
    from {{ ref('int_cla__placement_chains') }} as c
    inner join {{ ref('int_cla__periods_of_care') }} as p
        on p.period_of_care_key = c.period_of_care_key
),

visits as (
    select distinct c.placement_chain_key, v.cla_visit_date as point_date
    from {{ ref('stg_ssd__cla_visits') }} as v
    inner join chains as c
        on c.person_id = v.person_id
        and v.cla_visit_date >= c.chain_start
        and (
            (c.ended_by_move and v.cla_visit_date < c.chain_end)
            or (not c.ended_by_move and v.cla_visit_date <= coalesce(c.chain_end, {{ as_at_date() }}))
        )
    where v.cla_visit_date is not null
        and v.cla_visit_date <= {{ as_at_date() }}
        and coalesce(v.cla_visit_seen, false)
),

points as (
    select placement_chain_key, chain_start as point_date, 0 as point_number
    from chains
    union all
    select
        placement_chain_key,
        point_date,
        row_number() over (partition by placement_chain_key order by point_date) as point_number
    from visits
),

chain as (
    select
        placement_chain_key,
        point_number + 1 as visit_number,
        point_date as previous_date,
        lead(point_date) over (partition by placement_chain_key order by point_number) as event_date
    from points
),

items as (
    select
        ch.placement_chain_key || '|' || cast(ch.visit_number as {{ dbt.type_string() }}) as item_key,
        c.person_id,
        c.cla_id,
        c.period_of_care_start,
        c.placement_chain_key,
        c.head_placement_id as placement_id,
        c.head_placement_type as placement_type,
        c.chain_start as placement_start,
        c.chain_end as placement_end,
        c.is_long_term,
        c.is_out_of_area,
        c.is_short_break,
        ch.visit_number,
        ch.previous_date,
        case
            when ch.visit_number = 1 then {{ add_days('ch.previous_date', 7) }}
            when ch.previous_date < {{ add_months('c.chain_start', 12) }} then {{ add_days('ch.previous_date', 42) }}
            when c.is_long_term then {{ add_months('ch.previous_date', 3) }}
            else {{ add_days('ch.previous_date', 42) }}
        end as due_date,
        ch.event_date
    from chain as ch
    inner join chains as c
        on c.placement_chain_key = ch.placement_chain_key
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            when is_short_break then 'short_break'
            when placement_end is not null and placement_end < due_date
                then 'left_placement_before_due'
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
    c.cla_id,
    c.period_of_care_start,
    c.placement_chain_key,
    c.placement_id,
    c.placement_type,
    c.placement_start,
    c.placement_end,
    c.is_long_term,
    c.is_out_of_area,
    c.visit_number,
    c.previous_date as previous_visit_date,
    c.due_date,
    c.event_date,
    {{ days_between('c.previous_date', 'c.event_date') }} as days_since_previous,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    coalesce(t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
