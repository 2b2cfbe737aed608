-- Completed health assessments as events on a child's timeline, one row per person and date, best evidence first:
-- the health provider's date where the record is linked; a case-management date only where the provider has no
-- assessment for that child within {{ var('health_duplicate_window_days') }} days of it (the same assessment recorded twice).
with completed as (
    select person_id, evidence_source, assessment_kind, assessment_date
    from {{ ref('int_health__assessments') }}
    where assessment_status = 'completed'
        and assessment_date is not null
),

provider as (
    select person_id, assessment_date, min(assessment_kind) as assessment_kind
    from completed
    where evidence_source = 'health_provider'
    group by person_id, assessment_date
),

case_management_only as (
    select c.person_id, c.assessment_date, min(c.assessment_kind) as assessment_kind
    from completed as c
    where c.evidence_source = 'case_management'
        and not exists (
            select 1
            from provider as p
            where p.person_id = c.person_id
                and p.assessment_date >= {{ add_days('c.assessment_date', -var('health_duplicate_window_days')) }}
                and p.assessment_date <= {{ add_days('c.assessment_date', var('health_duplicate_window_days')) }}
        )
    group by c.person_id, c.assessment_date
)

select person_id, assessment_date, assessment_kind, 'health_provider' as evidence_source from provider
union all
select person_id, assessment_date, assessment_kind, 'case_management' as evidence_source from case_management_only
