-- Initial health assessment evidence for each period of care: the earliest completed IHA in the period from each
-- source, the one used and why an item might be excluded (an assessment in the 3 months before entry; a refusal) or
-- late (was not brought).
-- The date used: best evidence where both sources record the same assessment (dates within var
-- health_duplicate_window_days, as int_health__assessment_events), i.e. the health provider's date where linked, else
-- the case-management record; but a case-management IHA more than that window before the provider's is a different,
-- earlier event, and the earliest qualifying event counts (TIMELINESS.md). evidence_source names the one used.
-- The IHA request date comes from int_health__iha_requests, placed in a period by the request's own date.
with periods as (
    select
        period_of_care_key,
        person_id,
        period_start,
        coalesce(period_end, {{ as_at_date() }}) as scope_end
    from {{ ref('int_cla__periods_of_care') }}
),

in_period as (
    select p.period_of_care_key, a.*
    from periods as p
    inner join {{ ref('int_health__assessments') }} as a
        on a.person_id = p.person_id
        and a.activity_date >= p.period_start
        and a.activity_date <= p.scope_end
),

iha_dates as (
    select
        period_of_care_key,
        min(case
            when evidence_source = 'health_provider' and assessment_kind in ('IHA', 'HA') then assessment_date
        end) as health_provider_iha_date,
        min(case
            when evidence_source = 'case_management' and assessment_kind in ('IHA', 'HA') then assessment_date
        end) as case_management_iha_date,
        max(case when assessment_kind in ('IHA', 'HA') and assessment_status = 'refused' then 1 else 0 end)
            as has_refusal,
        min(case when assessment_kind in ('IHA', 'HA') and assessment_status = 'refused' then activity_date end)
            as first_refusal_date,
        max(case when assessment_kind in ('IHA', 'HA') and assessment_status = 'was_not_brought' then 1 else 0 end)
            as has_was_not_brought
    from in_period
    group by period_of_care_key
),

requests as (
    -- judged on the request's own date: it counts even if the appointment is after the as-at date or after care ended
    select p.period_of_care_key, min(r.request_received_date) as iha_request_received_date
    from periods as p
    inner join {{ ref('int_health__iha_requests') }} as r
        on r.person_id = p.person_id
        and r.request_received_date >= p.period_start
        and r.request_received_date <= p.scope_end
    group by p.period_of_care_key
),

chosen as (
    select
        *,
        -- a case-management IHA more than the duplicate window before the provider's is an earlier, separate event
        coalesce(
            case_management_iha_date is not null
            and (
                health_provider_iha_date is null
                or case_management_iha_date
                    < {{ add_days('health_provider_iha_date', -var('health_duplicate_window_days')) }}
            ),
            false
        ) as case_management_first
    from iha_dates
),

before_entry as (
    select p.period_of_care_key, max(e.assessment_date) as pre_entry_assessment_date
    from periods as p
    inner join {{ ref('int_health__assessment_events') }} as e
        on e.person_id = p.person_id
        and e.assessment_date < p.period_start
        and e.assessment_date >= {{ add_months('p.period_start', -3) }}
    group by p.period_of_care_key
)

select
    p.period_of_care_key,
    p.person_id,
    p.period_start,
    d.health_provider_iha_date,
    d.case_management_iha_date,
    case when d.case_management_first then d.case_management_iha_date else d.health_provider_iha_date end as iha_date,
    case
        when d.case_management_first then 'case_management'
        when d.health_provider_iha_date is not null then 'health_provider'
    end as evidence_source,
    coalesce(d.has_refusal, 0) = 1 as has_refusal,
    d.first_refusal_date,
    coalesce(d.has_was_not_brought, 0) = 1 as has_was_not_brought,
    r.iha_request_received_date,
    b.pre_entry_assessment_date
from periods as p
left join chosen as d
    on d.period_of_care_key = p.period_of_care_key
left join requests as r
    on r.period_of_care_key = p.period_of_care_key
left join before_entry as b
    on b.period_of_care_key = p.period_of_care_key
