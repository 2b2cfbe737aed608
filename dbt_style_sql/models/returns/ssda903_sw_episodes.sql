-- SSDA903 social worker episodes of the collection year: for every child in the year's header, each allocation of
-- a social worker (ssd_involvements whose role names a social worker) open at any time in the year, whether or not
-- the child was looked after then (DfE rule SW12: "all social worker episodes for the full previous year should
-- be reported, even those whilst they were not looked after"). SW_ID: the worker's Social Work England number
-- (prof_social_worker_registration_no, 'SW...'); a worker without one gets 'XX' and the staff id (rule SW02: SW_ID
-- begins SW or XX; a local choice). SW_DECOM the allocation's start (also when before 1 April), SW_DEC its end,
-- blank while open at 31 March; SW_REASON the reason for the change of worker (invo_worker_change_reason).
-- DfE collects this table from 2023-24, the base year of the specification. Rows in CHILD, SW_DECOM order.
{%- set reasons = ['MANAGE', 'FCONTA', 'LEFTRL', 'ORGRST', 'TSPROC', 'ABSENC', 'CHCHAN', 'PCCHAN', 'SWDIED',
                   'OTHERS'] %}
with header as (
    select "CHILD" as person_id, "DOB" as dob
    from {{ ref('ssda903_header') }}
    where collection_year = {{ collection_year() }}
),

allocations as (
    select distinct
        i.person_id,
        case
            when upper(replace(trim(pr.social_worker_registration_no), ' ', '')) like 'SW%'
                then upper(replace(trim(pr.social_worker_registration_no), ' ', ''))
            else 'XX' || coalesce(pr.staff_id, i.professional_id)
        end as sw_id,
        i.involvement_start_date as sw_decom,
        case when i.involvement_end_date <= {{ collection_year_end() }} then i.involvement_end_date end as sw_dec,
        {{ code_in('i.worker_change_reason', reasons) }} as sw_reason
    from {{ ref('stg_ssd__involvements') }} as i
    left join {{ ref('stg_ssd__professionals') }} as pr
        on pr.professional_id = i.professional_id
    where lower(i.professional_role_id) like '%social worker%'
        and i.involvement_start_date is not null
        and i.involvement_start_date <= {{ collection_year_end() }}
        and i.involvement_start_date <= {{ as_at_date() }}
        and coalesce(i.involvement_end_date, {{ open_end_date() }}) >= {{ collection_year_start() }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (
        order by {{ binary_text_order('a.person_id') }}, a.sw_decom, a.sw_dec nulls last,
            {{ binary_text_order('a.sw_id') }}
    ) - 1 as bigint) as row_id,
    a.person_id as "CHILD",
    h.dob as "DOB",
    a.sw_id as "SW_ID",
    a.sw_decom as "SW_DECOM",
    a.sw_dec as "SW_DEC",
    a.sw_reason as "SW_REASON"
from allocations as a
inner join header as h
    on h.person_id = a.person_id
