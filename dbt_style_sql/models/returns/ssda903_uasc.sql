-- SSDA903 UASC of the collection year: children in the year's header who have been unaccompanied asylum-seeking
-- children (an ssd_immigration_status row naming UASC / unaccompanied, started by 31 March), with DUC the date UASC
-- status ceased: the end of the child's last UASC status, or the 18th birthday when that comes first (DfE rule 304:
-- DUC on or before the 18th birthday); blank while the child is still UASC at 31 March. A child whose UASC status
-- ceased before 1 April was not UASC in the year and is left out (DfE rule 104: DUC not before the collection
-- start). SEX and DOB as in the header. Rows in CHILD order.
with header as (
    select "CHILD" as person_id, "SEX" as sex, "DOB" as dob
    from {{ ref('ssda903_header') }}
    where collection_year = {{ collection_year() }}
),

uasc_status as (
    select
        person_id,
        max(case when immigration_status_end_date is null then 1 else 0 end) as has_open_status,
        max(immigration_status_end_date) as last_end
    from {{ ref('stg_ssd__immigration_status') }}
    where (upper(immigration_status) like '%UASC%' or upper(immigration_status) like '%UNACCOMPANIED%')
        and coalesce(immigration_status_start_date, {{ collection_year_start() }}) <= {{ collection_year_end() }}
    group by person_id
),

ceased as (
    select
        h.person_id,
        h.sex,
        h.dob,
        case
            when h.dob is not null and {{ add_months('h.dob', 216) }} <= {{ collection_year_end() }}
                and (s.has_open_status = 1 or s.last_end > {{ add_months('h.dob', 216) }})
                then {{ add_months('h.dob', 216) }}
            when s.has_open_status = 0 and s.last_end <= {{ collection_year_end() }} then s.last_end
        end as duc
    from header as h
    inner join uasc_status as s
        on s.person_id = h.person_id
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('person_id') }}) - 1 as bigint) as row_id,
    person_id as "CHILD",
    sex as "SEX",
    dob as "DOB",
    cast(duc as date) as "DUC"
from ceased
where duc is null or duc >= {{ collection_year_start() }}
