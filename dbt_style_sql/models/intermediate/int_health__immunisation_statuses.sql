-- Immunisation status statements per child ("immunisations up to date: yes / no" on a date), from two sources, with
-- the source named: health_provider (the provider's immunisations extract, joined to the child through
-- linkage.health_record_link) and case_management (ssd_cla_immunisations). Statements dated after the as-at date, or
-- without a date or a status, are left out. One row per person, source and date (a "no" wins over a "yes" the same
-- day from the same source: not shown as up to date unless every statement that day says so).
with provider as (
    select
        l.person_id,
        'health_provider' as evidence_source,
        i.status_date,
        i.up_to_date
    from {{ ref('stg_health__immunisations') }} as i
    inner join {{ source('linkage', 'health_record_link') }} as l
        on l.file_kind = 'immunisations'
        and l.record_id = i.record_id
    where l.person_id is not null
),

case_management as (
    select
        person_id,
        'case_management' as evidence_source,
        immunisations_status_date as status_date,
        immunisations_status as up_to_date
    from {{ ref('stg_ssd__cla_immunisations') }}
    where person_id is not null
),

unioned as (
    select * from provider
    union all
    select * from case_management
)

select
    person_id,
    evidence_source,
    status_date,
    min(case when up_to_date then 1 else 0 end) = 1 as up_to_date
from unioned
where status_date is not null
    and up_to_date is not null
    and status_date <= {{ as_at_date() }}
group by person_id, evidence_source, status_date
