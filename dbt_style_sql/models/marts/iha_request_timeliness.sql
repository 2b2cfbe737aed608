-- IHA request (local standard): period of care start -> the health provider receiving the IHA request, within
-- {{ var('iha_request_working_days') }} working days (CPPCR reg 13 emergency notification; local setting iha_request_working_days).
-- Same scope and exclusions as the IHA (TIMELINESS.md: "as IHA"); only the health provider's extract records the
-- request date. The request is judged on its own date (int_health__iha_requests): it counts when received by the
-- as-at date within the period, even if the appointment is after the as-at date or after care ended.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then short_break,
-- assessment_in_3_months_before_entry, ceased_care_before_due, refused (as the IHA, against this item's due date: a
-- refusal of the IHA dated on or before the request's due date, with no request received by then).
with iha as (
    select * from {{ ref('iha_timeliness') }}
),

items as (
    select
        iha.iha_item_key,
        iha.person_id,
        iha.period_of_care_start,
        due.calendar_date as due_date,
        ev.iha_request_received_date as event_date,
        case when ev.iha_request_received_date is not null
            then ev_cal.working_day_index - due_start.working_day_index end as working_days,
        case
            when due.calendar_date < {{ history_start() }} then 'due_before_extract_history'
            when iha.is_short_break then 'short_break'
            when iha.pre_entry_assessment_date is not null then 'assessment_in_3_months_before_entry'
            when iha.period_of_care_end is not null and iha.period_of_care_end < due.calendar_date
                then 'ceased_care_before_due'
            when ev.first_refusal_date <= due.calendar_date
                and (ev.iha_request_received_date is null or ev.iha_request_received_date > due.calendar_date)
                then 'refused'
        end as exclusion_reason,
        iha.team
    from iha
    {{ join_working_day_due('due', 'iha.period_of_care_start', var('iha_request_working_days')) }}
    left join {{ ref('int_cla__iha_evidence') }} as ev
        on ev.period_of_care_key = iha.iha_item_key
    {{ join_calendar('ev_cal', 'ev.iha_request_received_date') }}
)

select
    iha_item_key,
    person_id,
    period_of_care_start,
    due_date,
    event_date,
    working_days,
    {{ due_item_outcome('event_date', 'due_date', 'exclusion_reason') }} as outcome,
    exclusion_reason,
    team
from items
