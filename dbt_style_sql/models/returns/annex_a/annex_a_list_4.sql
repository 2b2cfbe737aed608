-- Ofsted's Annex A List 4 (assessments): every assessment (ssd_cin_assessments) started in the window or still open
-- at its start (started by the window's last day and not authorised before its first); one row per assessment.
--   child seen: cina_assessment_child_seen (not recorded: Unknown);
--   date of authorisation: when on or before the window's end (a later one is not yet part of the list);
--   requires_csc_support: only once authorised: False when the assessment ended in no further action
--     (cina_assessment_outcome_nfa, else the NFA flag of its outcome JSON), True when it did not; blank when neither
--     says;
--   allocated team / worker: the assessment's own, else the child's allocation on the start date, else UNALLOCATED.
-- Rows in child, start date, assessment id order.
{%- set outcome_text -%}
    upper(replace(replace(replace(a.assessment_outcome_json, ' ', ''), '"', ''), '''', ''))
{%- endset %}
with assessments as (
    select
        a.assessment_id,
        a.person_id,
        a.assessment_start_date,
        a.assessment_child_seen,
        {{ annex_a_by_end('a.assessment_auth_date') }} as auth_date,
        coalesce(
            a.assessment_outcome_nfa,
            case
                when {{ outcome_text }} like '%NFA_FLAG:Y%' then true
                when {{ outcome_text }} like '%NFA_FLAG:N%' then false
            end
        ) as is_nfa,
        a.assessment_team,
        a.assessment_worker_id
    from {{ ref('stg_ssd__cin_assessments') }} as a
    where a.person_id is not null
        and a.assessment_start_date is not null
        and a.assessment_start_date <= {{ as_at_date() }}
        and {{ annex_a_open_in_window('a.assessment_start_date', 'a.assessment_auth_date') }}
),

items as (
    select assessment_id as item_key, person_id, assessment_start_date as team_date from assessments
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('s.person_id') }}, s.assessment_start_date,
                            {{ binary_text_order('s.assessment_id') }}) - 1 as bigint) as row_id,
    s.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    {{ annex_a_child_disability('ch') }} as has_disability,
    s.assessment_start_date as continuous_assessment_start_date,
    {{ annex_a_flag('s.assessment_child_seen', unknown=true) }} as child_seen_during_continuous_assessment,
    s.auth_date as assessment_authorised_date,
    case when s.auth_date is not null then {{ annex_a_flag('not s.is_nfa') }} end as requires_csc_support,
    {{ annex_a_text_or(['s.assessment_team', 'a.team_id'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['s.assessment_worker_id', 'a.worker_id'], 'UNALLOCATED') }} as allocated_worker
from assessments as s
left join allocations as a
    on a.item_key = s.assessment_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = s.person_id
