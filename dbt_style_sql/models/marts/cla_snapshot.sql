-- Looked-after children as at the as-at date (Ofsted Annex A lens): one row per child in care, with the last health
-- assessment, dental check, visit (child seen) and review, and whether each is in date on the as-at date.
--   health assessment in date: the next assessment (IHA due date if none yet; else 6/12 months after the last,
--     by age at the last one) falls on or after the as-at date. The last assessment is the last one of the current
--     period of care (on or after its start), else the assessment in the 3 months before entry that stands in for
--     the IHA (as iha_timeliness treats it); an assessment from an earlier period does not count. A period that did
--     not start with RNE S (entry not in the extract) may have begun before its first recorded episode, so there the
--     last assessment ever is used;
--   dental check in date: within the last {{ var('dental_check_months') }} months;
--   visit / review in date: the open item of the current chain is not overdue (null where there is no open item:
--     no placement recorded, or a short break). For visits the current chain is the latest, still open placement
--     chain: a visit missed in an earlier placement stays a failure in cla_visit_timeliness but is not the child's
--     visit status now;
--   PEP in date: the last PEP of this period is on or after the start of the previous school term (the term before
--     the one containing the as-at date, int_pep__terms), or the initial PEP is not yet due; null where no PEP is
--     expected (outside school age at the as-at date, short break, or ssd_cla_pep not supplied).
with in_care as (
    select *
    from {{ ref('int_cla__periods_of_care') }}
    where period_end is null
),

last_assessment as (
    -- per period in care: the last assessment of this period (any, where the entry is not in the extract)
    select p.period_of_care_key, max(e.assessment_date) as last_assessment_in_period
    from in_care as p
    inner join {{ ref('int_health__assessment_events') }} as e
        on e.person_id = p.person_id
        and (e.assessment_date >= p.period_start or not p.started_with_rne_s)
    group by p.period_of_care_key
),

last_dental as (
    select person_id, max(check_date) as last_dental_check_date
    from {{ ref('int_health__dental_checks') }}
    group by person_id
),

open_visit as (
    -- the open item of the current (open) placement chain only
    select v.period_of_care_start, v.person_id, min(v.due_date) as visit_due_date,
        max(case when v.outcome = 'overdue' then 1 else 0 end) as is_overdue
    from {{ ref('cla_visit_timeliness') }} as v
    inner join {{ ref('int_cla__placement_chains') }} as ch
        on ch.placement_chain_key = v.placement_chain_key
        and ch.chain_end is null
    where v.event_date is null and v.outcome <> 'excluded'
    group by v.period_of_care_start, v.person_id
),

visits_seen as (
    select p.person_id, max(v.cla_visit_date) as last_visit_date
    from in_care as p
    inner join {{ ref('stg_ssd__cla_visits') }} as v
        on v.person_id = p.person_id
        and v.cla_visit_date >= p.period_start
        and v.cla_visit_date <= {{ as_at_date() }}
    where coalesce(v.cla_visit_seen, false)
    group by p.person_id
),

open_review as (
    select period_of_care_start, person_id, min(due_date) as review_due_date,
        max(case when outcome = 'overdue' then 1 else 0 end) as is_overdue
    from {{ ref('cla_review_timeliness') }}
    where event_date is null and outcome <> 'excluded'
    group by period_of_care_start, person_id
),

last_review as (
    select person_id, period_of_care_start, max(event_date) as last_review_date
    from {{ ref('cla_review_timeliness') }}
    group by person_id, period_of_care_start
),

last_pep as (
    select p.person_id, max(pep.pep_date) as last_pep_date
    from in_care as p
    inner join {{ ref('stg_ssd__cla_pep') }} as pep
        on pep.person_id = p.person_id
        and pep.pep_date >= p.period_start
        and pep.pep_date <= {{ as_at_date() }}
    group by p.person_id
),

pep_initial as (
    select person_id, period_of_care_start, due_date as initial_pep_due_date
    from {{ ref('pep_timeliness') }}
    where pep_item = 'initial'
),

previous_term as (
    select max(term_start) as previous_term_start
    from {{ ref('int_pep__terms') }}
    where term_start < (
        select max(term_start) from {{ ref('int_pep__terms') }} where term_start <= {{ as_at_date() }}
    )
),

pep_supply as (
    select {{ source_supplied('ssd_cla_pep') }} as is_supplied
),

iha as (
    select person_id, period_of_care_start, due_date as iha_due_date, outcome as iha_outcome
    from {{ ref('iha_timeliness') }}
),

health_assessment as (
    -- the last assessment of the period, else the pre-entry one standing in for the IHA (later of the two)
    select
        p.period_of_care_key,
        case
            when la.last_assessment_in_period is null then ev.pre_entry_assessment_date
            when ev.pre_entry_assessment_date is null then la.last_assessment_in_period
            when la.last_assessment_in_period > ev.pre_entry_assessment_date then la.last_assessment_in_period
            else ev.pre_entry_assessment_date
        end as last_health_assessment_date
    from in_care as p
    left join last_assessment as la on la.period_of_care_key = p.period_of_care_key
    left join {{ ref('int_cla__iha_evidence') }} as ev on ev.period_of_care_key = p.period_of_care_key
),

joined as (
    select
        p.person_id,
        p.period_start as period_of_care_start,
        {{ days_between('p.period_start', as_at_date()) }} as days_in_care,
        p.legal_status_at_start,
        p.is_short_break,
        p.is_uasc,
        ha.last_health_assessment_date,
        case
            when ha.last_health_assessment_date is null then iha.iha_due_date
            when ps.dob is not null and {{ add_months('ps.dob', 60) }} > ha.last_health_assessment_date
                then {{ add_months('ha.last_health_assessment_date', 6) }}
            else {{ add_months('ha.last_health_assessment_date', 12) }}
        end as health_assessment_due_date,
        ld.last_dental_check_date,
        vs.last_visit_date,
        ov.visit_due_date,
        ov.is_overdue as visit_overdue,
        lr.last_review_date,
        orv.review_due_date,
        orv.is_overdue as review_overdue,
        lp.last_pep_date,
        case
            when not sup.is_supplied or p.is_short_break or ps.dob is null then null
            when {{ age_in_years('ps.dob', as_at_date()) }} < {{ var('pep_min_age') }}
                or {{ age_in_years('ps.dob', as_at_date()) }} >= {{ var('pep_max_age') }} then null
            when lp.last_pep_date >= pt.previous_term_start then true
            when pi.initial_pep_due_date >= {{ as_at_date() }} then true
            else false
        end as pep_in_date
    from in_care as p
    cross join pep_supply as sup
    cross join previous_term as pt
    left join {{ ref('stg_ssd__person') }} as ps on ps.person_id = p.person_id
    left join health_assessment as ha on ha.period_of_care_key = p.period_of_care_key
    left join last_dental as ld on ld.person_id = p.person_id
    left join visits_seen as vs on vs.person_id = p.person_id
    left join open_visit as ov on ov.person_id = p.person_id and ov.period_of_care_start = p.period_start
    left join last_review as lr on lr.person_id = p.person_id and lr.period_of_care_start = p.period_start
    left join open_review as orv on orv.person_id = p.person_id and orv.period_of_care_start = p.period_start
    left join iha on iha.person_id = p.person_id and iha.period_of_care_start = p.period_start
    left join last_pep as lp on lp.person_id = p.person_id
    left join pep_initial as pi on pi.person_id = p.person_id and pi.period_of_care_start = p.period_start
),

team_items as (
    select person_id as item_key, person_id, {{ as_at_date() }} as team_date from joined
),

teams as (
    {{ team_on_date('team_items') }}
)

select
    j.person_id,
    j.period_of_care_start,
    j.days_in_care,
    j.legal_status_at_start,
    j.is_short_break,
    j.is_uasc,
    j.last_health_assessment_date,
    j.health_assessment_due_date,
    coalesce(j.health_assessment_due_date >= {{ as_at_date() }}, false) as health_assessment_in_date,
    j.last_dental_check_date,
    coalesce(j.last_dental_check_date >= {{ add_months(as_at_date(), -var('dental_check_months')) }}, false)
        as dental_check_in_date,
    j.last_visit_date,
    j.visit_due_date,
    case when j.visit_due_date is not null then j.visit_overdue = 0 end as visit_in_date,
    j.last_review_date,
    j.review_due_date,
    case when j.review_due_date is not null then j.review_overdue = 0 end as review_in_date,
    j.last_pep_date,
    j.pep_in_date,
    coalesce(t.team_id, 'UNALLOCATED') as team,
    {{ as_at_date() }} as as_at_date
from joined as j
left join teams as t
    on t.item_key = j.person_id
