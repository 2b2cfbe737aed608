-- Single assessments, two clocks, one row per assessment (both 45 working days, start day is day 0):
--   Working Together (para 82): referral date -> assessment authorisation date (outcome_wt);
--   DfE CIN census (N00159 start, N00160 authorisation): assessment start -> authorisation (outcome_dfe);
--   open assessments past 45 working days at the as-at date are overdue (CIN rule 8670Q).
-- A referral closed before the due date with the assessment still unauthorised is excluded. NFA referrals have no
-- assessment and so no row. Each clock judges its own due date. Exclusions, in this order: WT
-- due_before_extract_history (due_date_wt before history_start(): the extract holds only var extract_history_years
-- years of events; timeliness_conventions), no_referral_date, case_closed_before_due; DfE due_before_extract_history
-- (due_date_dfe before history_start()), case_closed_before_due.
with assessments as (
    select
        a.assessment_id,
        a.person_id,
        a.referral_id,
        a.assessment_start_date,
        {{ known_by_as_at('a.assessment_auth_date') }} as auth_date,
        a.assessment_child_seen,
        a.assessment_team,
        a.assessment_worker_id,
        r.referral_date,
        r.close_date as referral_close_date,
        r.referral_team
    from {{ ref('stg_ssd__cin_assessments') }} as a
    left join {{ ref('int_cin__episode_chains') }} as r
        on r.referral_id = a.referral_id
    where a.assessment_id is not null
        and a.assessment_start_date is not null
        and a.assessment_start_date <= {{ as_at_date() }}
),

items as (
    select
        a.*,
        due_wt.calendar_date as due_date_wt,
        due_dfe.calendar_date as due_date_dfe,
        case when a.auth_date is not null and a.referral_date is not null
            then ev_cal.working_day_index - due_wt_start.working_day_index end as working_days_wt,
        case when a.auth_date is not null
            then ev_cal.working_day_index - due_dfe_start.working_day_index end as working_days_dfe
    from assessments as a
    {{ join_working_day_due('due_wt', 'a.referral_date', var('assessment_working_days')) }}
    {{ join_working_day_due('due_dfe', 'a.assessment_start_date', var('assessment_working_days')) }}
    {{ join_calendar('ev_cal', 'a.auth_date') }}
),

classified as (
    select
        *,
        case
            when due_date_wt < {{ history_start() }} then 'due_before_extract_history'
            when referral_date is null then 'no_referral_date'
            when auth_date is null and referral_close_date is not null and referral_close_date < due_date_wt
                then 'case_closed_before_due'
        end as exclusion_reason_wt,
        case
            when due_date_dfe < {{ history_start() }} then 'due_before_extract_history'
            when auth_date is null and referral_close_date is not null and referral_close_date < due_date_dfe
                then 'case_closed_before_due'
        end as exclusion_reason_dfe,
        assessment_id as item_key,
        {{ team_date('due_date_dfe') }} as team_date
    from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.assessment_id,
    c.person_id,
    c.referral_id,
    c.referral_date,
    c.assessment_start_date as assessment_start,
    c.due_date_wt,
    c.due_date_dfe,
    c.auth_date as event_date,
    c.working_days_wt,
    c.working_days_dfe,
    {{ due_item_outcome('c.auth_date', 'c.due_date_wt', 'c.exclusion_reason_wt') }} as outcome_wt,
    {{ due_item_outcome('c.auth_date', 'c.due_date_dfe', 'c.exclusion_reason_dfe') }} as outcome_dfe,
    c.exclusion_reason_wt,
    c.exclusion_reason_dfe,
    c.assessment_child_seen,
    coalesce(c.assessment_team, c.referral_team, t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
