-- Ofsted's Annex A List 6 (children in need): every children-in-need episode (a referral of int_cin__episode_chains)
-- open at any time in the window (referred by its last day, not closed before its first), except referrals that
-- ended in no further action (cine_referral_nfa: never an episode of need, they are List 3's); one row per episode.
--   CIN start date: the referral date; primary need code: the episode's (N1-N9; N0 or none "j) Not stated");
--   date child was last seen: the latest visit in the episode (its referral date to its closure or the window's end)
--     at which the child was seen: CIN plan, child protection or looked-after visits (ssd_cin_visits, ssd_cp_visits,
--     ssd_cla_visits);
--   closure date and reason: only when closed by the window's end (RC1-RC9, macros/annex_a_codes.sql);
--   case status on the window's end: "e) Closed episode" if closed by then; else the child looked after (a period of
--     care in force) "a)", else on a child protection plan "b)", else on a child in need plan "c)", else an
--     assessment of the episode open "d)"; an open episode with none of these is "d) Open assessment" while no
--     assessment has been authorised (awaiting one) and "c) Child in need plan" after one (the case stays open for
--     services);
--   allocated team / worker: the child's allocation (worker involvements) on the window's end, or on the closure
--     date if earlier, else the referral's own, else UNALLOCATED.
-- Rows in child, referral date, referral id order.
with episodes as (
    select
        c.referral_id,
        c.person_id,
        c.referral_date,
        c.close_date,
        {{ annex_a_by_end('c.close_date') }} as closed_by_end,
        c.close_reason,
        e.cin_primary_need_code,
        e.referral_team,
        e.referral_worker_id
    from {{ ref('int_cin__episode_chains') }} as c
    left join {{ ref('stg_ssd__cin_episodes') }} as e
        on e.referral_id = c.referral_id
    where not c.is_nfa
        and {{ annex_a_open_in_window('c.referral_date', 'c.close_date') }}
),

seen_visits as (
    select person_id, cin_visit_date as visit_date from {{ ref('stg_ssd__cin_visits') }} where cin_visit_seen
    union all
    select person_id, cp_visit_date from {{ ref('stg_ssd__cp_visits') }} where cp_visit_seen
    union all
    select person_id, cla_visit_date from {{ ref('stg_ssd__cla_visits') }} where cla_visit_seen
),

last_seen as (
    select e.referral_id, max(v.visit_date) as last_seen_date
    from episodes as e
    inner join seen_visits as v
        on v.person_id = e.person_id
        and v.visit_date >= e.referral_date
        and v.visit_date <= coalesce(e.closed_by_end, {{ annex_a_window_end() }})
        and v.visit_date <= {{ as_at_date() }}
    group by e.referral_id
),

looked_after as (
    select distinct person_id
    from {{ ref('int_cla__periods_of_care') }}
    where period_start <= {{ annex_a_window_end() }}
        and (period_end is null or period_end >= {{ annex_a_window_end() }})
),

on_cp_plan as (
    select distinct person_id
    from {{ ref('int_cp__plan_chains') }}
    where plan_start <= {{ annex_a_window_end() }}
        and (plan_end is null or plan_end >= {{ annex_a_window_end() }})
),

on_cin_plan as (
    select distinct person_id
    from {{ ref('stg_ssd__cin_plans') }}
    where cin_plan_start_date <= {{ annex_a_window_end() }}
        and (cin_plan_end_date is null or cin_plan_end_date >= {{ annex_a_window_end() }})
),

assessments as (
    select
        e.referral_id,
        max(case when a.assessment_auth_date is null or a.assessment_auth_date > {{ annex_a_window_end() }}
            then 1 else 0 end) as has_open,
        max(case when a.assessment_auth_date <= {{ annex_a_window_end() }} then 1 else 0 end) as has_authorised
    from episodes as e
    inner join {{ ref('stg_ssd__cin_assessments') }} as a
        on a.referral_id = e.referral_id
        and a.assessment_start_date <= {{ annex_a_window_end() }}
    group by e.referral_id
),

items as (
    select
        referral_id as item_key,
        person_id,
        coalesce(closed_by_end, {{ annex_a_window_end() }}) as team_date
    from episodes
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('e.person_id') }}, e.referral_date,
                            {{ binary_text_order('e.referral_id') }}) - 1 as bigint) as row_id,
    e.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    {{ annex_a_child_disability('ch') }} as has_disability,
    e.referral_date as cin_start_date,
    {{ annex_a_primary_need('e.cin_primary_need_code') }} as primary_need_code,
    ls.last_seen_date as date_child_was_last_seen,
    e.closed_by_end as cin_closure_date,
    case when e.closed_by_end is not null
        then coalesce({{ annex_a_cin_closure_reason('e.close_reason') }}, 'i) Not Stated') end as reason_for_closure,
    case
        when e.closed_by_end is not null then 'e) Closed episode'
        when la.person_id is not null then 'a) Looked after child'
        when cp.person_id is not null then 'b) Child Protection plan'
        when cin.person_id is not null then 'c) Child in need plan'
        when asm.has_open = 1 then 'd) Open assessment'
        when asm.has_authorised = 1 then 'c) Child in need plan'
        else 'd) Open assessment'
    end as case_status,
    {{ annex_a_text_or(['a.team_id', 'e.referral_team'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['a.worker_id', 'e.referral_worker_id'], 'UNALLOCATED') }} as allocated_worker
from episodes as e
left join last_seen as ls
    on ls.referral_id = e.referral_id
left join looked_after as la
    on la.person_id = e.person_id
left join on_cp_plan as cp
    on cp.person_id = e.person_id
left join on_cin_plan as cin
    on cin.person_id = e.person_id
left join assessments as asm
    on asm.referral_id = e.referral_id
left join allocations as a
    on a.item_key = e.referral_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = e.person_id
