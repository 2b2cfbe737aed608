-- SSDA903 episodes of every period of care known by the as-at date (any year; returns.ssda903_episodes picks a
-- collection year's). DfE: a new episode starts whenever the child's legal status (LS) changes, the placement
-- changes (a new place or carer, or the same carer in a new placement or of a new placement type). So an episode
-- starts at the period of care's start and at every later start of a looked-after legal status (903 LS codes) or
-- placement within the period that changes the LS or the placement; a recorded status or placement that changes
-- nothing (the same status re-recorded) does not start one, nor does an SSD episode row alone.
-- State on a day: the LS in force (latest started; one that ended before the day only when none is in force), the
-- placement in force (latest started in the period), the SSD episode in force (its RNE when it starts that day, its
-- category of need).
-- RNE: S at the period's start; L legal status only; P placement and carer; T placement, same carer; B legal
-- status and placement and carer; U legal status and placement, same carer. The SSD episode's own RNE is used when
-- it starts that day and agrees with what changed (the SSD knows the carer); otherwise same carer = same URN (not
-- for foster or adoption placements, whose URN is the fostering service's or agency's), or same provider code and
-- postcode. Short-break (V3, V4) episodes have no HOME_POST, PL_POST or URN.
{%- set ls_codes = ['C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3'] %}
{%- set cin_codes = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8'] %}
{%- set rec_codes = ['X1', 'E11', 'E12', 'E2', 'E3', 'E4A', 'E4B', 'E13', 'E41', 'E45', 'E46', 'E47', 'E48', 'E5',
                     'E6', 'E7', 'E9', 'E14', 'E15', 'E16', 'E17', 'E8'] %}
{%- set reason_codes = ['CARPL', 'CLOSE', 'ALLEG', 'STAND', 'APPRR', 'CREQB', 'CREQO', 'CHILD', 'LAREQ', 'PLACE',
                        'CUSTOD', 'OTHER'] %}
with periods as (
    select period_of_care_key, person_id, period_start, period_end, period_end_reason
    from {{ ref('int_cla__periods_of_care') }}
),

legal as (
    select legal_status_id, person_id, upper(trim(legal_status)) as ls, legal_status_start_date as ls_start,
        legal_status_end_date as ls_end
    from {{ ref('stg_ssd__legal_status') }}
    where upper(trim(legal_status)) in ({% for c in ls_codes %}'{{ c }}'{{ ", " if not loop.last }}{% endfor %})
        and legal_status_start_date is not null
        and legal_status_start_date <= {{ as_at_date() }}
),

placements as (
    select
        pl.cla_placement_id,
        coalesce(pl.person_id, ep.person_id) as person_id,
        pl.cla_placement_start_date as placement_start,
        pl.cla_placement_end_date as placement_end,
        upper(trim(pl.cla_placement_type)) as place,
        upper(trim(pl.cla_placement_provider)) as provider,
        upper(trim(pl.cla_placement_urn)) as urn,
        {{ postcode_903('pl.cla_placement_postcode') }} as pl_post,
        upper(trim(pl.cla_placement_change_reason)) as change_reason
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

ssd_episodes as (
    select e.cla_episode_id, e.person_id, e.cla_episode_start_date, upper(trim(e.cla_episode_start_reason)) as rne,
        coalesce(
            {{ code_in('e.cla_primary_need_code', cin_codes) }},
            {{ code_in('r.cin_primary_need_code', cin_codes) }}
        ) as cin
    from {{ ref('stg_ssd__cla_episodes') }} as e
    left join {{ ref('stg_ssd__cin_episodes') }} as r
        on r.referral_id = e.referral_id
    where e.person_id is not null
        and e.cla_episode_start_date is not null
        and e.cla_episode_start_date <= {{ as_at_date() }}
),

-- days on which an episode may start: the period's start, and starts of an LS or placement inside the period
candidates as (
    select period_of_care_key, person_id, period_start, period_end, period_start as change_date
    from periods
    union
    select p.period_of_care_key, p.person_id, p.period_start, p.period_end, l.ls_start
    from periods as p
    inner join legal as l
        on l.person_id = p.person_id
        and l.ls_start > p.period_start
        and l.ls_start < coalesce(p.period_end, {{ open_end_date() }})
    union
    select p.period_of_care_key, p.person_id, p.period_start, p.period_end, pl.placement_start
    from periods as p
    inner join placements as pl
        on pl.person_id = p.person_id
        and pl.placement_start > p.period_start
        and pl.placement_start < coalesce(p.period_end, {{ open_end_date() }})
),

ls_on_day as (
    select period_of_care_key, change_date, ls
    from (
        select
            c.period_of_care_key,
            c.change_date,
            l.ls,
            row_number() over (
                partition by c.period_of_care_key, c.change_date
                order by case when coalesce(l.ls_end, {{ open_end_date() }}) >= c.change_date then 0 else 1 end,
                    l.ls_start desc, l.legal_status_id desc
            ) as pick
        from candidates as c
        inner join legal as l
            on l.person_id = c.person_id
            and l.ls_start <= c.change_date
            and (coalesce(l.ls_end, {{ open_end_date() }}) >= c.change_date or l.ls_start >= c.period_start)
    ) as ranked
    where pick = 1
),

placement_on_day as (
    select period_of_care_key, change_date, cla_placement_id, place, provider, urn, pl_post, change_reason
    from (
        select
            c.period_of_care_key,
            c.change_date,
            pl.*,
            row_number() over (
                partition by c.period_of_care_key, c.change_date
                order by pl.placement_start desc, pl.cla_placement_id desc
            ) as pick
        from candidates as c
        inner join placements as pl
            on pl.person_id = c.person_id
            and pl.placement_start <= c.change_date
            -- started in the period, or in force when it began (a placement recorded from a day or two before the
            -- first episode the SSD kept)
            and (pl.placement_start >= c.period_start
                or coalesce(pl.placement_end, {{ open_end_date() }}) > c.period_start)
    ) as ranked
    where pick = 1
),

ssd_episode_on_day as (
    select period_of_care_key, change_date, rne, cin, cla_episode_start_date
    from (
        select
            c.period_of_care_key,
            c.change_date,
            e.rne,
            e.cin,
            e.cla_episode_start_date,
            row_number() over (
                partition by c.period_of_care_key, c.change_date
                order by e.cla_episode_start_date desc, e.cla_episode_id desc
            ) as pick
        from candidates as c
        inner join ssd_episodes as e
            on e.person_id = c.person_id
            and e.cla_episode_start_date <= c.change_date
            and e.cla_episode_start_date >= c.period_start
    ) as ranked
    where pick = 1
),

states as (
    select
        c.period_of_care_key,
        c.person_id,
        c.period_start,
        c.change_date,
        l.ls,
        pl.cla_placement_id,
        pl.place,
        pl.provider,
        pl.urn,
        pl.pl_post,
        pl.change_reason,
        case when se.cla_episode_start_date = c.change_date then se.rne end as ssd_rne,
        se.cin
    from candidates as c
    left join ls_on_day as l
        on l.period_of_care_key = c.period_of_care_key and l.change_date = c.change_date
    left join placement_on_day as pl
        on pl.period_of_care_key = c.period_of_care_key and pl.change_date = c.change_date
    left join ssd_episode_on_day as se
        on se.period_of_care_key = c.period_of_care_key and se.change_date = c.change_date
),

compared as (
    select
        *,
        row_number() over (partition by period_of_care_key order by change_date) = 1 as is_first,
        ls is distinct from lag(ls) over (partition by period_of_care_key order by change_date) as ls_changed,
        cla_placement_id is distinct from lag(cla_placement_id) over (
            partition by period_of_care_key order by change_date
        ) as placement_changed,
        coalesce(
            -- a fostering service's or adoption agency's URN is the same for all its carers: not a carer's
            (urn is not null and place not in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'A3', 'A4', 'A5', 'A6')
                and urn = lag(urn) over (partition by period_of_care_key order by change_date))
            or (provider is not null and pl_post is not null
                and provider = lag(provider) over (partition by period_of_care_key order by change_date)
                and pl_post = lag(pl_post) over (partition by period_of_care_key order by change_date)),
            false
        ) as looks_same_carer
    from states
),

kept as (
    select
        *,
        case
            when is_first then 'S'
            when ls_changed and placement_changed then
                case when ssd_rne in ('B', 'U') then ssd_rne when looks_same_carer then 'U' else 'B' end
            when ls_changed then 'L'
            else case when ssd_rne in ('P', 'T') then ssd_rne when looks_same_carer then 'T' else 'P' end
        end as rne
    from compared
    where is_first or ls_changed or placement_changed
),

sequenced as (
    select
        k.*,
        row_number() over (partition by k.period_of_care_key order by k.change_date) as episode_number,
        lead(k.change_date) over (partition by k.period_of_care_key order by k.change_date) as next_decom,
        lead(k.rne) over (partition by k.period_of_care_key order by k.change_date) as next_rne
    from kept as k
),

-- the child's home: the address in force when the period of care started (else the first one recorded after)
home as (
    select person_id, period_of_care_key, home_post
    from (
        select
            p.person_id,
            p.period_of_care_key,
            {{ postcode_903('a.address_postcode') }} as home_post,
            row_number() over (
                partition by p.period_of_care_key
                order by
                    case when coalesce(a.address_start_date, p.period_start) <= p.period_start then 0 else 1 end,
                    case when coalesce(a.address_start_date, p.period_start) <= p.period_start
                        then a.address_start_date end desc nulls last,
                    a.address_start_date nulls last,
                    a.table_id
            ) as pick
        from periods as p
        inner join {{ ref('stg_ssd__address') }} as a
            on a.person_id = p.person_id
            and coalesce(a.address_end_date, {{ open_end_date() }}) >= p.period_start
            and {{ postcode_903('a.address_postcode') }} is not null
    ) as ranked
    where pick = 1
)

select
    s.period_of_care_key || '|' || cast(s.episode_number as {{ dbt.type_string() }}) as episode_key,
    s.period_of_care_key,
    s.person_id,
    s.episode_number,
    s.change_date as decom,
    s.rne,
    s.ls,
    s.cin,
    s.place,
    -- DfE: a provider code for every placement except temporary (T0-T4) and other (Z1) placements
    case when s.place like 'T%' or s.place like 'Z1%' then null
        else {{ code_in('s.provider', ['PR0', 'PR1', 'PR2', 'PR3', 'PR4', 'PR5']) }} end as place_provider,
    -- the episode ends when the next starts, or with the period of care (null while open at the as-at date)
    coalesce(s.next_decom, p.period_end) as dec,
    case
        when s.next_decom is not null then 'X1'
        when p.period_end is not null then {{ code_in('p.period_end_reason', rec_codes) }}
    end as rec,
    -- recorded against the episode that ends with a placement change, not the one starting; not for temporary
    -- placements (DfE rule 226)
    case
        when s.next_rne in ('P', 'T', 'B', 'U') and not coalesce(s.place like 'T%', false)
        then {{ code_in('s.change_reason', reason_codes) }}
    end as reason_place_change,
    -- no postcodes or URN for short breaks (V3, V4): DfE rules 214, 398
    case when s.ls in ('V3', 'V4') then null else h.home_post end as home_post,
    case when s.ls in ('V3', 'V4') then null else s.pl_post end as pl_post,
    case when s.ls in ('V3', 'V4') then null else s.urn end as urn,
    s.cla_placement_id,
    s.next_decom is not null as continues_in_period
from sequenced as s
inner join periods as p
    on p.period_of_care_key = s.period_of_care_key
left join home as h
    on h.period_of_care_key = s.period_of_care_key
