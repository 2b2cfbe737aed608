-- Initial health assessment (IHA): one due item per period of care that started with RNE 'S'.
-- Start: period start (day 0). Due: the {{ var('iha_working_days') }}th working day after it. Event: earliest completed IHA
-- in the period (int_cla__iha_evidence): the health provider's date where linked, else the case-management record,
-- unless the case-management IHA is more than var health_duplicate_window_days earlier (a separate, earlier event);
-- evidence_source says which.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then short_break,
-- assessment_in_3_months_before_entry, ceased_care_before_due, refused (a refusal dated on or before the due date,
-- with no IHA by then; a later refusal does not excuse a missed due date and is only flagged in is_refusal).
with periods as (
    select *
    from {{ ref('int_cla__periods_of_care') }}
    where started_with_rne_s
),

first_chain as (
    select period_of_care_key, is_out_of_area, head_placement_type
    from {{ ref('int_cla__placement_chains') }}
    where chain_number = 1
),

items as (
    select
        p.period_of_care_key as item_key,
        p.person_id,
        p.cla_id,
        p.period_start as period_of_care_start,
        p.period_end as period_of_care_end,
        due.calendar_date as due_date,
        ev.iha_date as event_date,
        case when ev.iha_date is not null then ev_cal.working_day_index - due_start.working_day_index end
            as working_days,
        ev.evidence_source,
        ev.health_provider_iha_date,
        ev.case_management_iha_date,
        ev.pre_entry_assessment_date,
        ev.has_refusal as is_refusal,
        ev.has_was_not_brought as was_not_brought,
        p.legal_status_at_start,
        p.is_short_break,
        p.is_uasc,
        fc.is_out_of_area,
        fc.head_placement_type as first_placement_type,
        case
            when due.calendar_date < {{ history_start() }} then 'due_before_extract_history'
            when p.is_short_break then 'short_break'
            when ev.pre_entry_assessment_date is not null then 'assessment_in_3_months_before_entry'
            when p.period_end is not null and p.period_end < due.calendar_date then 'ceased_care_before_due'
            -- only a refusal on or before the due date excludes; a later one leaves the item overdue / late
            when ev.first_refusal_date <= due.calendar_date
                and (ev.iha_date is null or ev.iha_date > due.calendar_date) then 'refused'
        end as exclusion_reason
    from periods as p
    {{ join_working_day_due('due', 'p.period_start', var('iha_working_days')) }}
    left join {{ ref('int_cla__iha_evidence') }} as ev
        on ev.period_of_care_key = p.period_of_care_key
    {{ join_calendar('ev_cal', 'ev.iha_date') }}
    left join first_chain as fc
        on fc.period_of_care_key = p.period_of_care_key
),

team_items as (
    select item_key, person_id, {{ team_date('due_date') }} as team_date from items
),

teams as (
    {{ team_on_date('team_items') }}
)

select
    i.item_key as iha_item_key,
    i.person_id,
    i.cla_id,
    i.period_of_care_start,
    i.period_of_care_end,
    i.due_date,
    i.event_date,
    i.working_days,
    {{ due_item_outcome('i.event_date', 'i.due_date', 'i.exclusion_reason') }} as outcome,
    i.exclusion_reason,
    i.evidence_source,
    i.health_provider_iha_date,
    i.case_management_iha_date,
    i.pre_entry_assessment_date,
    i.is_refusal,
    i.was_not_brought,
    i.legal_status_at_start,
    i.is_short_break,
    i.is_uasc,
    i.is_out_of_area,
    i.first_placement_type,
    coalesce(t.team_id, 'UNALLOCATED') as team
from items as i
left join teams as t
    on t.item_key = i.item_key
