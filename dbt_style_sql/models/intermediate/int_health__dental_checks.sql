-- Dental checks per child, one row per person and date: the health provider's dental extract (linked through
-- linkage.health_record_link) and case-management ssd_cla_health rows of a dental type. Provider evidence wins
-- where both record the same date.
with provider as (
    select distinct l.person_id, d.check_date
    from {{ ref('stg_health__dental_checks') }} as d
    inner join {{ source('linkage', 'health_record_link') }} as l
        on l.file_kind = 'dental_checks'
        and l.record_id = d.record_id
    where l.person_id is not null
        and d.check_date is not null
),

case_management as (
    select distinct person_id, health_check_date as check_date
    from {{ ref('stg_ssd__cla_health') }}
    where {{ health_check_kind('health_check_type') }} = 'DENTAL'
        and health_check_date is not null
        and person_id is not null
        and (health_check_status is null or upper(health_check_status) like 'COMPLETE%')
),

unioned as (
    select person_id, check_date, 'health_provider' as evidence_source from provider
    union all
    select c.person_id, c.check_date, 'case_management' as evidence_source
    from case_management as c
    where not exists (
        select 1 from provider as p where p.person_id = c.person_id and p.check_date = c.check_date
    )
)

select *
from unioned
where check_date <= {{ as_at_date() }}
