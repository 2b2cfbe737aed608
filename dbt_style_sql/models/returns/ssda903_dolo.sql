-- SSDA903 deprivation of liberty orders (DoLO) of the collection year, a table DfE adds from 2026-27
-- (cs_pipeline/reference/returns/ssda903/2026-27.yaml): for children in the year's header, every order in force at
-- any time in the year (DOLO_START on or before 31 March, DOLO_END blank or on or after 1 April: an order open last
-- year is returned again, rule 706), from ssd_cla_dolo (a cs_pipeline extension table: the SSD has no DoLOs).
-- DOLO_END blank while the order is in force at 31 March (rule 704). No rows for years before 2026-27, nor when
-- the council's source lacks ssd_cla_dolo (it is then loaded empty). Rows in CHILD, DOLO_START order.
with header as (
    select "CHILD" as person_id, "DOB" as dob
    from {{ ref('ssda903_header') }}
    where collection_year = {{ collection_year() }}
),

orders as (
    select distinct
        d.person_id,
        d.dolo_start_date as dolo_start,
        case when d.dolo_end_date <= {{ collection_year_end() }} then d.dolo_end_date end as dolo_end
    from {{ ref('stg_ssd__cla_dolo') }} as d
    where d.dolo_start_date is not null
        and d.dolo_start_date <= {{ collection_year_end() }}
        and d.dolo_start_date <= {{ as_at_date() }}
        and coalesce(d.dolo_end_date, {{ open_end_date() }}) >= {{ collection_year_start() }}
        -- the table exists from 2026-27 (DfE's year of introduction)
        and {{ collection_year_start() }} >= cast('2026-04-01' as date)
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (
        order by {{ binary_text_order('o.person_id') }}, o.dolo_start, o.dolo_end nulls last
    ) - 1 as bigint) as row_id,
    o.person_id as "CHILD",
    h.dob as "DOB",
    o.dolo_start as "DOLO_START",
    o.dolo_end as "DOLO_END"
from orders as o
inner join header as h
    on h.person_id = o.person_id
