-- Placement chains within a period of care: a chain starts at the period's first placement and at every later
-- placement that is not temporary, except a return to the same carer (URN, else provider) straight after a
-- temporary placement. Temporary placements (903 codes T0-T4: hospital, holiday, short-term elsewhere) continue the
-- chain they interrupt, so they do not restart the social worker visit clock (CPPCR reg 28).
-- The chain ends when the next chain starts (the child moved) or the period of care ends.
with placements as (
    select
        pl.cla_placement_id,
        coalesce(pl.person_id, ep.person_id) as person_id,
        pl.cla_placement_start_date as placement_start,
        {{ known_by_as_at('pl.cla_placement_end_date') }} as placement_end,
        upper(trim(pl.cla_placement_type)) as placement_type,
        coalesce(pl.cla_placement_urn, pl.cla_placement_provider) as carer_key,
        case when pl.cla_placement_distance < 999 then pl.cla_placement_distance end as placement_distance_miles
    from {{ ref('stg_ssd__cla_placement') }} as pl
    left join (
        select cla_id, min(person_id) as person_id
        from {{ ref('stg_ssd__cla_episodes') }}
        group by cla_id
    ) as ep
        on ep.cla_id = pl.cla_id
    where pl.cla_placement_start_date is not null
        and pl.cla_placement_start_date <= {{ as_at_date() }}
),

in_period as (
    select
        pl.*,
        p.period_of_care_key,
        p.period_start,
        p.period_end,
        substr(pl.placement_type, 1, 2) in ('T0', 'T1', 'T2', 'T3', 'T4') as is_temporary,
        row_number() over (
            partition by p.period_of_care_key order by pl.placement_start, pl.cla_placement_id
        ) as placement_in_period
    from placements as pl
    inner join {{ ref('int_cla__periods_of_care') }} as p
        on p.person_id = pl.person_id
        and pl.placement_start >= p.period_start
        and pl.placement_start <= coalesce(p.period_end, {{ open_end_date() }})
),

counted as (
    -- how many non-temporary placements came before each placement (to find the carer a temporary one interrupted)
    select
        *,
        lag(is_temporary) over (partition by period_of_care_key order by placement_start, cla_placement_id)
            as follows_temporary,
        sum(case when is_temporary then 0 else 1 end) over (
            partition by period_of_care_key
            order by placement_start, cla_placement_id
            rows between unbounded preceding and 1 preceding
        ) as settled_before
    from in_period
),

settled as (
    select
        period_of_care_key,
        carer_key,
        row_number() over (partition by period_of_care_key order by placement_start, cla_placement_id) as settled_number
    from in_period
    where not is_temporary
),

flagged as (
    select
        c.*,
        case
            when c.placement_in_period = 1 then 1
            when c.is_temporary then 0
            when coalesce(c.follows_temporary, false) and s.carer_key is not null and s.carer_key = c.carer_key then 0
            else 1
        end as starts_chain
    from counted as c
    left join settled as s
        on s.period_of_care_key = c.period_of_care_key
        and s.settled_number = c.settled_before
),

numbered as (
    select
        *,
        sum(starts_chain) over (
            partition by period_of_care_key
            order by placement_start, cla_placement_id
            rows between unbounded preceding and current row
        ) as chain_number
    from flagged
),

chains as (
    select
        period_of_care_key,
        person_id,
        chain_number,
        min(placement_start) as chain_start,
        count(*) as placement_count,
        sum(case when is_temporary then 1 else 0 end) as temporary_placement_count
    from numbered
    group by period_of_care_key, person_id, chain_number
),

heads as (
    select period_of_care_key, chain_number, cla_placement_id, placement_type, placement_distance_miles, period_end
    from (
        select
            *,
            row_number() over (
                partition by period_of_care_key, chain_number order by placement_start, cla_placement_id
            ) as in_chain
        from numbered
    ) as ranked
    where in_chain = 1
)

select
    c.period_of_care_key || '|' || cast(c.chain_number as {{ dbt.type_string() }}) as placement_chain_key,
    c.period_of_care_key,
    c.person_id,
    c.chain_number,
    h.cla_placement_id as head_placement_id,
    h.placement_type as head_placement_type,
    c.chain_start,
    -- scope end: the next chain's start (moved) or the end of the period of care; null while open
    coalesce(
        lead(c.chain_start) over (partition by c.period_of_care_key order by c.chain_number),
        h.period_end
    ) as chain_end,
    lead(c.chain_start) over (partition by c.period_of_care_key order by c.chain_number) is not null
        as ended_by_move,
    c.placement_count,
    c.temporary_placement_count,
    coalesce(h.placement_type in (
        {%- for code in var('long_term_placement_types') %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%}
    ), false) as is_long_term,
    h.placement_distance_miles,
    case
        when h.placement_distance_miles is null then null
        else h.placement_distance_miles > {{ var('out_of_area_miles') }}
    end as is_out_of_area
from chains as c
inner join heads as h
    on h.period_of_care_key = c.period_of_care_key and h.chain_number = c.chain_number
