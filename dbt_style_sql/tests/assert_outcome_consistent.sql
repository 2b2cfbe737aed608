-- Every due item's outcome agrees with its dates: on_time <=> event on or before due; late <=> event after due;
-- overdue / not_yet_due only without an event; excluded <=> an exclusion reason. An item due before the extract's
-- history (history_start()) is excluded as due_before_extract_history (only source_not_supplied comes first), and
-- that reason is used for no other item.
with items as (
    select 'iha' as mart, due_date, event_date, outcome, exclusion_reason from {{ ref('iha_timeliness') }}
    union all select 'iha_request', due_date, event_date, outcome, exclusion_reason
    from {{ ref('iha_request_timeliness') }}
    union all select 'rha', due_date, event_date, outcome, exclusion_reason from {{ ref('rha_timeliness') }}
    union all select 'cla_review', due_date, event_date, outcome, exclusion_reason from {{ ref('cla_review_timeliness') }}
    union all select 'cla_visit', due_date, event_date, outcome, exclusion_reason from {{ ref('cla_visit_timeliness') }}
    union all select 'icpc', due_date, event_date, outcome, exclusion_reason from {{ ref('icpc_timeliness') }}
    union all select 'cp_review', due_date, event_date, outcome, exclusion_reason from {{ ref('cp_review_timeliness') }}
    union all select 'cp_visit', due_date, event_date, outcome, exclusion_reason from {{ ref('cp_visit_timeliness') }}
    union all select 'core_group', due_date, event_date, outcome, exclusion_reason
    from {{ ref('core_group_timeliness') }}
    union all select 'pep', due_date, event_date, outcome, exclusion_reason from {{ ref('pep_timeliness') }}
    union all select 'cl_pathway', due_date, event_date, outcome, exclusion_reason
    from {{ ref('care_leaver_pathway_timeliness') }}
    union all select 'assess_wt', due_date_wt, event_date, outcome_wt, exclusion_reason_wt
    from {{ ref('assessment_timeliness') }}
    union all select 'assess_dfe', due_date_dfe, event_date, outcome_dfe, exclusion_reason_dfe
    from {{ ref('assessment_timeliness') }}
)

select *
from items
where (outcome = 'excluded') <> (exclusion_reason is not null)
    or (outcome = 'on_time' and not (event_date <= due_date))
    or (outcome = 'late' and not (event_date > due_date))
    or (outcome in ('overdue', 'not_yet_due') and event_date is not null)
    or (outcome = 'overdue' and due_date >= {{ as_at_date() }})
    or (exclusion_reason = 'due_before_extract_history' and not (due_date < {{ history_start() }}))
    or (due_date < {{ history_start() }}
        and coalesce(exclusion_reason, '') not in ('source_not_supplied', 'due_before_extract_history'))
