-- Ofsted's Annex A List 8 (children looked after): every child looked after at any time in the window, one row per
-- child: the child's latest period of care (int_cla__periods_of_care) open in the window (started by its last day,
-- not ended before its first). Periods of short breaks (legal status V3/V4 at the start: Ofsted's legal statuses
-- have no short-break code) are left out. Dates are as on the period's "list date": the window's end, or the end of
-- care if earlier.
--   UASC within the last 12 months: an unaccompanied asylum-seeking status (ssd_immigration_status) in force at some
--     time in the 12 months ending on the window's end;
--   date started to be looked after: the period's start; category of need: the CIN code of its first SSDA903 episode
--     (int_ssda903__episodes: the episode's, else its referral's; none "j) Not stated");
--   second or subsequent period in 12 months: an earlier period of care (not a short break) of the child ended in the
--     12 months ending on the window's end;
--   legal status and its start: the SSDA903 legal status in force on the list date (else the latest started by it,
--     in the period);
--   health and timeliness dates from the marts BI readers see: for a child still in care on the as-at date,
--     cla_snapshot's last review, last visit (child seen), last health assessment and last dental check (when on or
--     before the window's end); otherwise (left care, or a snapshot date after a window ending before the as-at date)
--     the latest event on or before the window's end of the same marts' items: cla_review_timeliness,
--     cla_visit_timeliness, iha_timeliness and rha_timeliness (the assessments that start and continue the RHA
--     chain), and the dental checks cla_snapshot reads (int_health__dental_checks);
--   permanence plan: blank (the SSD's care plan table, ssd_cla_care_plan, is not in the extract);
--   last IRO contact: the latest clae_cla_last_iro_contact_date of the child's episodes in the period;
--   placements in the last 12 months: the child's placements (int_cla__placement_chains, in any period of care but
--     a short break: a temporary placement, and a return to the same carer after one, are not new placements) in
--     force at some time in the 12 months ending on the window's end;
--   ceased date and reason: when the period ended by the window's end (SSDA903 REC codes);
--   most recent placement: the latest placement started by the list date (in the period, or in force when it
--     began): its start, type, provider, postcode (upper case, one space), URN; location "b) Out" when its distance
--     from home is over var out_of_area_miles, "a) In" when not (blank when the distance is unknown or 999.9);
--   LA of placement: "Not recorded" (the SSD records no placement local authority);
--   missing / absent episodes in the last 12 months: the child's ssd_missing episodes (M / A) started in the 12 months
--     ending on the window's end; return interview offered / accepted: of the last missing (M) episode among them
--     (blank with none, or when not recorded);
--   allocated team / worker: the child's allocation on the list date, else UNALLOCATED.
-- Rows in child order.
{%- set ls_codes = ['C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3'] %}
with periods as (
    select
        period_of_care_key,
        person_id,
        period_number,
        cla_id,
        period_start,
        period_end,
        period_end_reason,
        {{ annex_a_by_end('period_end') }} as period_end_by_end,
        case when period_end <= {{ annex_a_window_end() }} then period_end else {{ annex_a_window_end() }} end
            as list_date
    from (
        select
            *,
            row_number() over (partition by person_id order by period_start desc) as period_rank
        from {{ ref('int_cla__periods_of_care') }}
        where not is_short_break
            and {{ annex_a_open_in_window('period_start', 'period_end') }}
    ) as ranked
    where period_rank = 1
),

uasc as (
    select distinct p.person_id
    from periods as p
    inner join {{ ref('stg_ssd__immigration_status') }} as i
        on i.person_id = p.person_id
        and {{ annex_a_is_uasc('i.immigration_status') }}
        and coalesce(i.immigration_status_start_date, {{ annex_a_window_end() }}) <= {{ annex_a_window_end() }}
        and (i.immigration_status_end_date is null
            or i.immigration_status_end_date >= {{ annex_a_months_before_end(12) }})
),

first_episode as (
    select e.period_of_care_key, e.cin
    from {{ ref('int_ssda903__episodes') }} as e
    inner join periods as p
        on p.period_of_care_key = e.period_of_care_key
    where e.episode_number = 1
),

earlier_period as (
    select distinct p.person_id
    from periods as p
    inner join {{ ref('int_cla__periods_of_care') }} as o
        on o.person_id = p.person_id
        and o.period_number < p.period_number
        and not o.is_short_break
        and o.period_end >= {{ annex_a_months_before_end(12) }}
),

legal_status as (
    select person_id, legal_status, legal_status_start_date
    from (
        select
            p.person_id,
            {{ annex_a_code_text('l.legal_status') }} as legal_status,
            l.legal_status_start_date,
            row_number() over (
                partition by p.person_id
                order by
                    case when l.legal_status_end_date is null or l.legal_status_end_date >= p.list_date
                        then 0 else 1 end,
                    l.legal_status_start_date desc,
                    l.legal_status_id desc
            ) as status_rank
        from periods as p
        inner join {{ ref('stg_ssd__legal_status') }} as l
            on l.person_id = p.person_id
            and {{ annex_a_code_text('l.legal_status') }} in (
                {%- for c in ls_codes %}'{{ c }}'{{ ", " if not loop.last }}{% endfor -%})
            and l.legal_status_start_date <= p.list_date
            and (l.legal_status_end_date is null or l.legal_status_end_date >= p.period_start)
    ) as ranked
    where status_rank = 1
),

snapshot as (
    select s.*
    from {{ ref('cla_snapshot') }} as s
    inner join periods as p
        on p.person_id = s.person_id
        and p.period_start = s.period_of_care_start
),

reviews as (
    select r.person_id, max(r.event_date) as last_review_date
    from {{ ref('cla_review_timeliness') }} as r
    inner join periods as p
        on p.person_id = r.person_id
        and p.period_start = r.period_of_care_start
    where r.event_date <= {{ annex_a_window_end() }}
    group by r.person_id
),

visits as (
    select v.person_id, max(v.event_date) as last_visit_date
    from {{ ref('cla_visit_timeliness') }} as v
    inner join periods as p
        on p.person_id = v.person_id
        and p.period_start = v.period_of_care_start
    where v.event_date <= {{ annex_a_window_end() }}
    group by v.person_id
),

health_assessments as (
    select h.person_id, max(h.assessment_date) as last_health_assessment_date
    from (
        select person_id, period_of_care_start, event_date as assessment_date from {{ ref('iha_timeliness') }}
        union all
        select person_id, period_of_care_start, pre_entry_assessment_date from {{ ref('iha_timeliness') }}
        union all
        select person_id, period_of_care_start, previous_assessment_date from {{ ref('rha_timeliness') }}
        union all
        select person_id, period_of_care_start, event_date from {{ ref('rha_timeliness') }}
    ) as h
    inner join periods as p
        on p.person_id = h.person_id
        and p.period_start = h.period_of_care_start
    where h.assessment_date <= {{ annex_a_window_end() }}
    group by h.person_id
),

dental as (
    select d.person_id, max(d.check_date) as last_dental_check_date
    from {{ ref('int_health__dental_checks') }} as d
    inner join periods as p
        on p.person_id = d.person_id
    where d.check_date <= {{ annex_a_window_end() }}
    group by d.person_id
),

iro as (
    select p.person_id, max(e.cla_last_iro_contact_date) as last_iro_contact_date
    from periods as p
    inner join {{ ref('stg_ssd__cla_episodes') }} as e
        on e.person_id = p.person_id
        and e.cla_episode_start_date >= p.period_start
        and e.cla_episode_start_date <= p.list_date
    where e.cla_last_iro_contact_date <= {{ annex_a_window_end() }}
        and e.cla_last_iro_contact_date <= {{ as_at_date() }}
    group by p.person_id
),

placement_count as (
    select p.person_id, count(*) as placements
    from periods as p
    inner join {{ ref('int_cla__placement_chains') }} as c
        on c.person_id = p.person_id
        and c.chain_start <= {{ annex_a_window_end() }}
        and (c.chain_end is null or c.chain_end >= {{ annex_a_months_before_end(12) }})
    inner join {{ ref('int_cla__periods_of_care') }} as o
        on o.period_of_care_key = c.period_of_care_key
        and not o.is_short_break
    group by p.person_id
),

placements as (
    -- a placement's child: its own person id, else that of the episodes of its cla_id (as int_cla__placement_chains)
    select
        pl.cla_placement_id,
        coalesce(pl.person_id, ep.person_id) as person_id,
        pl.cla_placement_start_date,
        pl.cla_placement_end_date,
        pl.cla_placement_type,
        pl.cla_placement_provider,
        pl.cla_placement_postcode,
        pl.cla_placement_urn,
        pl.cla_placement_distance
    from {{ ref('stg_ssd__cla_placement') }} as pl
    left join (
        select cla_id, min(person_id) as person_id
        from {{ ref('stg_ssd__cla_episodes') }}
        group by cla_id
    ) as ep
        on ep.cla_id = pl.cla_id
    where pl.cla_placement_start_date is not null
),

latest_placement as (
    select *
    from (
        select
            p.person_id,
            pl.cla_placement_id,
            pl.cla_placement_start_date,
            pl.cla_placement_type,
            pl.cla_placement_provider,
            pl.cla_placement_postcode,
            pl.cla_placement_urn,
            case when pl.cla_placement_distance < 999 then pl.cla_placement_distance end as distance_miles,
            row_number() over (
                partition by p.person_id
                order by pl.cla_placement_start_date desc, pl.cla_placement_id desc
            ) as placement_rank
        from periods as p
        inner join placements as pl
            on pl.person_id = p.person_id
            and pl.cla_placement_start_date <= p.list_date
            and (pl.cla_placement_start_date >= p.period_start
                or coalesce(pl.cla_placement_end_date, {{ open_end_date() }}) > p.period_start)
    ) as ranked
    where placement_rank = 1
),

missing as (
    select
        p.person_id,
        m.table_id,
        {{ annex_a_missing_type('m.missing_episode_type') }} as missing_type,
        m.missing_episode_start_date,
        {{ to_flag('m.missing_rhi_offered') }} as rhi_offered,
        {{ to_flag('m.missing_rhi_accepted') }} as rhi_accepted
    from periods as p
    inner join {{ ref('stg_ssd__missing') }} as m
        on m.person_id = p.person_id
        and m.missing_episode_start_date >= {{ annex_a_months_before_end(12) }}
        and m.missing_episode_start_date <= {{ annex_a_window_end() }}
        and m.missing_episode_start_date <= {{ as_at_date() }}
),

missing_counts as (
    select
        person_id,
        sum(case when missing_type = 'M' then 1 else 0 end) as missing_episodes,
        sum(case when missing_type = 'A' then 1 else 0 end) as absent_episodes
    from missing
    group by person_id
),

last_missing as (
    select person_id, rhi_offered, rhi_accepted
    from (
        select
            *,
            row_number() over (
                partition by person_id order by missing_episode_start_date desc, table_id desc
            ) as missing_rank
        from missing
        where missing_type = 'M'
    ) as ranked
    where missing_rank = 1
),

items as (
    select person_id as item_key, person_id, list_date as team_date from periods
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('p.person_id') }}) - 1 as bigint) as row_id,
    p.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    case when u.person_id is not null then 'True' else 'False' end as uasc_last_12_months,
    {{ annex_a_child_disability('ch') }} as has_disability,
    p.period_start as date_started_to_be_looked_after,
    {{ annex_a_primary_need('fe.cin') }} as child_s_category_of_need,
    case when ep.person_id is not null then 'True' else 'False' end as second_period_in_12_months,
    ls.legal_status_start_date as start_date_of_current_legal_status,
    {{ annex_a_legal_status('ls.legal_status') }} as child_s_legal_status,
    coalesce({{ annex_a_by_end('s.last_review_date') }}, r.last_review_date) as date_of_latest_statutory_review,
    coalesce({{ annex_a_by_end('s.last_visit_date') }}, v.last_visit_date) as date_of_last_social_work_visit,
    cast(null as {{ dbt.type_string() }}) as permanence_plan,
    iro.last_iro_contact_date,
    coalesce({{ annex_a_by_end('s.last_health_assessment_date') }}, ha.last_health_assessment_date)
        as date_of_last_health_assessment,
    coalesce({{ annex_a_by_end('s.last_dental_check_date') }}, dc.last_dental_check_date) as date_of_last_dental_check,
    cast(coalesce(pc.placements, 0) as integer) as placements_in_last_12_months,
    p.period_end_by_end as date_ceased_to_be_looked_after,
    case when p.period_end_by_end is not null then {{ annex_a_reason_ceased('p.period_end_reason') }} end
        as reason_ceased_to_be_looked_after,
    lp.cla_placement_start_date as start_date_of_most_recent_placement,
    {{ annex_a_placement_type('lp.cla_placement_type') }} as placement_type,
    {{ annex_a_placement_provider('lp.cla_placement_provider') }} as placement_provider,
    cast(coalesce({{ postcode_903('lp.cla_placement_postcode') }}, {{ to_text('lp.cla_placement_postcode') }})
        as {{ dbt.type_string() }}) as placement_postcode,
    lp.cla_placement_urn as urn_of_placement,
    {{ annex_a_placement_location('lp.distance_miles > ' ~ var('out_of_area_miles')) }} as placement_location,
    cast('Not recorded' as {{ dbt.type_string() }}) as la_of_placement,
    cast(coalesce(mc.missing_episodes, 0) as integer) as missing_episodes_12_months,
    cast(coalesce(mc.absent_episodes, 0) as integer) as absent_episodes_12_months,
    {{ annex_a_flag('lm.rhi_offered') }} as return_interview_offered,
    {{ annex_a_flag('lm.rhi_accepted') }} as return_interview_accepted,
    {{ annex_a_text_or(['a.team_id'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['a.worker_id'], 'UNALLOCATED') }} as allocated_worker
from periods as p
left join uasc as u on u.person_id = p.person_id
left join first_episode as fe on fe.period_of_care_key = p.period_of_care_key
left join earlier_period as ep on ep.person_id = p.person_id
left join legal_status as ls on ls.person_id = p.person_id
left join snapshot as s on s.person_id = p.person_id
left join reviews as r on r.person_id = p.person_id
left join visits as v on v.person_id = p.person_id
left join health_assessments as ha on ha.person_id = p.person_id
left join dental as dc on dc.person_id = p.person_id
left join iro on iro.person_id = p.person_id
left join placement_count as pc on pc.person_id = p.person_id
left join latest_placement as lp on lp.person_id = p.person_id
left join missing_counts as mc on mc.person_id = p.person_id
left join last_missing as lm on lm.person_id = p.person_id
left join allocations as a on a.item_key = p.person_id
left join {{ ref('annex_a__children') }} as ch on ch.person_id = p.person_id
