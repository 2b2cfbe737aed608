-- Every health assessment record we know of for a child, from two sources, with the source named:
--   health_provider: the provider's extract (lac_health_assessments), joined to the child through
--                    linkage.health_record_link (only records linked to a person_id);
--   case_management: ssd_cla_health rows of an assessment type (IHA, RHA, or a "health assessment" of unstated kind).
-- Status is normalised to completed / refused / was_not_brought / booked / cancelled / other. A completed record has
-- an assessment_date; activity_date is the best date for anything else (refusals, missed appointments).
-- Records dated after the as-at date are left out.
with provider as (
    select
        l.person_id,
        'health_provider' as evidence_source,
        h.record_id as source_record_id,
        {{ provider_assessment_kind('h.assessment_type') }} as assessment_kind,
        case upper(h.status)
            when 'COMPLETED' then 'completed'
            when 'DECLINED' then 'refused'
            when 'WAS_NOT_BROUGHT' then 'was_not_brought'
            when 'BOOKED' then 'booked'
            when 'CANCELLED' then 'cancelled'
            else 'other'
        end as assessment_status,
        h.request_received_date,
        h.appointment_date,
        case when upper(h.status) = 'COMPLETED' then h.assessment_date end as assessment_date,
        coalesce(h.assessment_date, h.appointment_date, h.request_received_date) as activity_date
    from {{ ref('stg_health__lac_health_assessments') }} as h
    inner join {{ source('linkage', 'health_record_link') }} as l
        on l.file_kind = 'lac_health_assessments'
        and l.record_id = h.record_id
    where l.person_id is not null
),

case_management as (
    select
        person_id,
        'case_management' as evidence_source,
        health_check_id as source_record_id,
        {{ health_check_kind('health_check_type') }} as assessment_kind,
        case
            when health_check_status is null or upper(health_check_status) like 'COMPLETE%' then 'completed'
            when upper(health_check_status) like 'REFUS%' or upper(health_check_status) like 'DECLIN%' then 'refused'
            when upper(health_check_status) like 'PLAN%' then 'booked'
            when upper(health_check_status) like 'CANCEL%' then 'cancelled'
            when upper(health_check_status) like '%NOT BROUGHT%' or upper(health_check_status) in ('DNA', 'WNB')
                then 'was_not_brought'
            else 'other'
        end as assessment_status,
        cast(null as date) as request_received_date,
        cast(null as date) as appointment_date,
        health_check_date as assessment_date,
        health_check_date as activity_date
    from {{ ref('stg_ssd__cla_health') }}
    where person_id is not null
),

unioned as (
    select * from provider
    union all
    select
        person_id, evidence_source, source_record_id, assessment_kind, assessment_status,
        request_received_date, appointment_date,
        case when assessment_status = 'completed' then assessment_date end as assessment_date,
        activity_date
    from case_management
    where assessment_kind in ('IHA', 'RHA', 'HA')
)

select *
from unioned
where activity_date is not null
    and activity_date <= {{ as_at_date() }}
