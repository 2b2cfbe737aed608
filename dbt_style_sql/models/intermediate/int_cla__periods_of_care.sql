-- Periods of care built from CLA episodes: a new period starts at an episode with reason for new episode (RNE) 'S'
-- (or at a child's first episode in the extract). The period ends at the last episode's ceased date; a ceased date
-- after the as-at date, or a missing one, leaves the period open. Episodes starting after the as-at date are ignored.
-- Episodes starting on the day a period starts belong to that period (an entry and a placement move the same day, or
-- a duplicated RNE 'S' row), so each period has its own start date and period_of_care_key is unique. Same-day
-- episodes are ordered RNE 'S' first, then by id (as text: 'E10' < 'E9'), so the entry leads its period.
{%- set episode_order = "cla_episode_start_date, case when start_reason = 'S' then 0 else 1 end, cla_episode_id" %}
{%- set episode_order_desc =
    "cla_episode_start_date desc, case when start_reason = 'S' then 0 else 1 end desc, cla_episode_id desc" %}
with episodes as (
    select
        cla_episode_id,
        person_id,
        cla_id,
        cla_episode_start_date,
        upper(cla_episode_start_reason) as start_reason,
        {{ known_by_as_at('cla_episode_ceased_date') }} as ceased_date,
        cla_episode_ceased_reason,
        entered_care_date
    from {{ ref('stg_ssd__cla_episodes') }}
    where person_id is not null
        and cla_episode_start_date is not null
        and cla_episode_start_date <= {{ as_at_date() }}
),

flagged as (
    select
        *,
        case
            when row_number() over (partition by person_id order by {{ episode_order }}) = 1 then 1
            -- RNE 'S' starts a period, unless the episode before it started the same day (it joins that period)
            when start_reason = 'S'
                and lag(cla_episode_start_date) over (partition by person_id order by {{ episode_order }})
                    < cla_episode_start_date then 1
            else 0
        end as starts_period
    from episodes
),

numbered as (
    select
        *,
        sum(starts_period) over (
            partition by person_id
            order by {{ episode_order }}
            rows between unbounded preceding and current row
        ) as period_number
    from flagged
),

ordered as (
    select
        *,
        row_number() over (partition by person_id, period_number order by {{ episode_order }}) as episode_in_period,
        row_number() over (
            partition by person_id, period_number order by {{ episode_order_desc }}
        ) as episode_from_end
    from numbered
),

periods as (
    select
        person_id,
        period_number,
        min(cla_episode_start_date) as period_start,
        count(*) as episode_count,
        max(case when ceased_date is null then 1 else 0 end) as has_open_episode,
        max(ceased_date) as last_ceased_date
    from ordered
    group by person_id, period_number
),

first_episode as (
    select person_id, period_number, cla_id, cla_episode_id, start_reason, entered_care_date
    from ordered
    where episode_in_period = 1
),

last_episode as (
    select person_id, period_number, cla_episode_ceased_reason
    from ordered
    where episode_from_end = 1
),

legal_status_at_start as (
    select person_id, period_number, legal_status
    from (
        select
            p.person_id,
            p.period_number,
            upper(l.legal_status) as legal_status,
            row_number() over (
                partition by p.person_id, p.period_number
                order by l.legal_status_start_date desc nulls last, l.legal_status_id
            ) as status_rank
        from periods as p
        inner join {{ ref('stg_ssd__legal_status') }} as l
            on l.person_id = p.person_id
            and l.legal_status_start_date <= p.period_start
            and coalesce(l.legal_status_end_date, {{ open_end_date() }}) >= p.period_start
    ) as ranked
    where status_rank = 1
),

uasc as (
    select distinct p.person_id, p.period_number
    from periods as p
    inner join {{ ref('stg_ssd__immigration_status') }} as i
        on i.person_id = p.person_id
        and (upper(i.immigration_status) like '%UASC%' or upper(i.immigration_status) like '%UNACCOMPANIED%')
        and coalesce(i.immigration_status_start_date, p.period_start) <= {{ as_at_date() }}
        and coalesce(i.immigration_status_end_date, {{ open_end_date() }}) >= p.period_start
)

select
    p.person_id || '|' || cast(p.period_start as {{ dbt.type_string() }}) as period_of_care_key,
    p.person_id,
    p.period_number,
    f.cla_id,
    f.cla_episode_id as first_cla_episode_id,
    p.period_start,
    case when p.has_open_episode = 1 then null else p.last_ceased_date end as period_end,
    le.cla_episode_ceased_reason as period_end_reason,
    f.entered_care_date,
    f.start_reason = 'S' as started_with_rne_s,
    p.episode_count,
    ls.legal_status as legal_status_at_start,
    coalesce(ls.legal_status in ('V3', 'V4'), false) as is_short_break,
    u.person_id is not null as is_uasc
from periods as p
inner join first_episode as f
    on f.person_id = p.person_id and f.period_number = p.period_number
inner join last_episode as le
    on le.person_id = p.person_id and le.period_number = p.period_number
left join legal_status_at_start as ls
    on ls.person_id = p.person_id and ls.period_number = p.period_number
left join uasc as u
    on u.person_id = p.person_id and u.period_number = p.period_number
