-- IHA requests received by the health provider, dated by the request itself: one row per linked provider record of an
-- IHA (or an assessment of unstated kind) whose request_received_date is on or before the as-at date, whatever its
-- status and whenever its appointment or assessment falls. int_health__assessments dates a record by its assessment or
-- appointment and leaves out those after the as-at date, which would lose a request received in time for an
-- appointment booked after the as-at date (or after care ended); the IHA request measure needs only the request date.
select
    l.person_id,
    h.record_id as source_record_id,
    h.request_received_date
from {{ ref('stg_health__lac_health_assessments') }} as h
inner join {{ source('linkage', 'health_record_link') }} as l
    on l.file_kind = 'lac_health_assessments'
    and l.record_id = h.record_id
where l.person_id is not null
    and h.request_received_date is not null
    and h.request_received_date <= {{ as_at_date() }}
    -- the kinds int_health__assessments maps to IHA or HA (anything but RHA)
    and {{ provider_assessment_kind('h.assessment_type') }} in ('IHA', 'HA')
