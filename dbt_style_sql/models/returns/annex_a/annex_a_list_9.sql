-- Ofsted's Annex A List 9 (care leavers): every young person with a care leaver record (ssd_care_leavers) of some
-- eligibility (not "No current eligibility"), aged 16 to 25 on the window's end where the date of birth is known;
-- one row per young person, from the record of the latest pathway plan review on or before the window's end (then
-- the latest contact, then the latest record), as care_leaver_pathway_timeliness reads the latest record.
--   UASC or former UASC: any unaccompanied asylum-seeking status recorded by the window's end;
--   allocated team / worker / personal advisor: the record's (clea_care_leaver_allocated_team, _worker_id,
--     _personal_advisor, as recorded), else the young person's allocation on the window's end (team and worker),
--     else UNALLOCATED;
--   eligibility, in touch, accommodation, suitability, activity: the record's, as Ofsted's values
--     (macros/annex_a_codes.sql; suitability "c) Not in touch or not recorded" when not recorded);
--   latest pathway plan review / contact: the latest of the young person's records on or before the window's end.
-- Rows in child order.
with records as (
    select
        l.*,
        row_number() over (
            partition by l.person_id
            order by
                case when l.pathway_plan_review_date <= {{ annex_a_window_end() }} then 0 else 1 end,
                l.pathway_plan_review_date desc nulls last,
                case when l.care_leaver_latest_contact <= {{ annex_a_window_end() }} then 0 else 1 end,
                l.care_leaver_latest_contact desc nulls last,
                {{ binary_text_order('l.table_id') }} desc nulls last
        ) as record_rank
    from {{ ref('stg_ssd__care_leavers') }} as l
    where l.person_id is not null
),

latest_dates as (
    select
        person_id,
        max({{ annex_a_by_end('pathway_plan_review_date') }}) as latest_review_date,
        max({{ annex_a_by_end('care_leaver_latest_contact') }}) as latest_contact_date
    from records
    group by person_id
),

leavers as (
    select r.*
    from records as r
    left join {{ ref('annex_a__children') }} as ch
        on ch.person_id = r.person_id
    where r.record_rank = 1
        and not {{ annex_a_leaver_not_eligible('r.care_leaver_eligibility') }}
        and (ch.age_years is null or ch.age_years between 16 and 25)
),

uasc as (
    select distinct person_id
    from {{ ref('stg_ssd__immigration_status') }}
    where {{ annex_a_is_uasc('immigration_status') }}
        and coalesce(immigration_status_start_date, {{ annex_a_window_end() }}) <= {{ annex_a_window_end() }}
),

items as (
    select person_id as item_key, person_id, {{ annex_a_window_end() }} as team_date from leavers
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('l.person_id') }}) - 1 as bigint) as row_id,
    l.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    case when u.person_id is not null then 'True' else 'False' end as uasc_or_former_uasc,
    {{ annex_a_child_disability('ch') }} as has_disability,
    {{ annex_a_text_or(['l.care_leaver_allocated_team', 'a.team_id'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['l.care_leaver_worker_id', 'a.worker_id'], 'UNALLOCATED') }} as allocated_worker,
    {{ annex_a_text_or(['l.care_leaver_personal_advisor'], 'UNALLOCATED') }} as allocated_personal_advisor,
    {{ annex_a_leaver_eligibility('l.care_leaver_eligibility') }} as eligibility_category,
    d.latest_review_date as latest_pathway_plan_review_date,
    {{ annex_a_leaver_in_touch('l.care_leaver_in_touch') }} as la_in_touch,
    d.latest_contact_date as latest_date_of_contact,
    {{ annex_a_leaver_accommodation('l.care_leaver_accommodation') }} as type_of_accommodation,
    {{ annex_a_leaver_suitability('l.care_leaver_accom_suitable', 'l.care_leaver_accommodation',
                                  'l.care_leaver_in_touch') }} as suitability_of_accommodation,
    {{ annex_a_leaver_activity('l.care_leaver_activity') }} as activity_status
from leavers as l
left join latest_dates as d
    on d.person_id = l.person_id
left join uasc as u
    on u.person_id = l.person_id
left join allocations as a
    on a.item_key = l.person_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = l.person_id
