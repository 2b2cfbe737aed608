-- SSDA903 PrevPerm: one row per child who started to be looked after in the collection year (a period of care
-- starting with RNE S between 1 April and 31 March; DfE: "completed for all children who start to be looked after"),
-- from the child's ssd_cla_previous_permanence record (the latest by id where there are several), short breaks
-- (V3/V4) included: DfE rule 630 asks it of every episode starting care. A child with no record is still returned,
-- with PREV_PERM blank, so the validator asks for it (rule 631).
--   PREV_PERM  P1 adoption, P2 special guardianship order, P3 residence / child arrangements order, P4 unknown, Z1 none;
--   LA_PERM    the local authority that arranged it (lapp_previous_permanence_la), for P1-P3 only (rule 635);
--   DATE_PERM  the date of that order, for P1-P3 only. The SSD field is text: DD/MM/YYYY or an ISO date (YYYY-MM-DD,
--              with or without a time) is read; DfE's partial forms (zz/MM/YYYY day unknown, zz/zz/YYYY, zz/zz/zzzz)
--              and anything unreadable are blank here, as the return's tables hold dates as DATE (the SSD guidance's
--              zz forms would need a partial-date column type in the return's specification).
with bounds as (
    select
        {{ collection_year() }} as collection_year,
        {{ collection_year_start() }} as year_start,
        {{ collection_year_end() }} as year_end
),

starters as (
    select distinct p.person_id
    from {{ ref('int_cla__periods_of_care') }} as p
    cross join bounds as b
    where p.started_with_rne_s
        and p.period_start >= b.year_start
        and p.period_start <= b.year_end
),

latest_record as (
    select person_id, option_code, la, order_date
    from (
        select
            s.person_id,
            upper(trim(pp.previous_permanence_option)) as option_code,
            pp.previous_permanence_la as la,
            lower(trim(pp.previous_permanence_order_date)) as order_date,
            row_number() over (
                partition by s.person_id
                order by length(pp.table_id) desc nulls last, {{ binary_text_order('pp.table_id') }} desc nulls last
            ) as record_rank
        from starters as s
        inner join {{ ref('stg_ssd__cla_previous_permanence') }} as pp
            on pp.person_id = s.person_id
    ) as ranked
    where record_rank = 1
),

parts as (
    -- year, month and day as text, from DD/MM/YYYY or YYYY-MM-DD[ time]
    select
        person_id,
        option_code,
        la,
        case
            when length(order_date) = 10 and substring(order_date, 3, 1) = '/' and substring(order_date, 6, 1) = '/'
                then substring(order_date, 7, 4)
            when length(order_date) >= 10 and substring(order_date, 5, 1) = '-' and substring(order_date, 8, 1) = '-'
                then substring(order_date, 1, 4)
        end as y,
        case
            when length(order_date) = 10 and substring(order_date, 3, 1) = '/' and substring(order_date, 6, 1) = '/'
                then substring(order_date, 4, 2)
            when length(order_date) >= 10 and substring(order_date, 5, 1) = '-' and substring(order_date, 8, 1) = '-'
                then substring(order_date, 6, 2)
        end as m,
        case
            when length(order_date) = 10 and substring(order_date, 3, 1) = '/' and substring(order_date, 6, 1) = '/'
                then substring(order_date, 1, 2)
            when length(order_date) >= 10 and substring(order_date, 5, 1) = '-' and substring(order_date, 8, 1) = '-'
                then substring(order_date, 9, 2)
        end as d
    from latest_record
),

numbers as (
    select
        person_id,
        option_code,
        la,
        case when trim(translate(y || m || d, '0123456789', '          ')) = '' then cast(y as integer) end as y,
        case when trim(translate(y || m || d, '0123456789', '          ')) = '' then cast(m as integer) end as m,
        case when trim(translate(y || m || d, '0123456789', '          ')) = '' then cast(d as integer) end as d
    from parts
),

order_dates as (
    select
        person_id,
        option_code,
        la,
        case
            when y >= 1900 and m between 1 and 12 and d >= 1
                and d <= case
                    when m in (4, 6, 9, 11) then 30
                    when m = 2 and (mod(y, 400) = 0 or (mod(y, 4) = 0 and mod(y, 100) <> 0)) then 29
                    when m = 2 then 28
                    else 31
                end
                then cast(cast(y as {{ dbt.type_string() }}) || '-' || lpad(cast(m as {{ dbt.type_string() }}), 2, '0')
                    || '-' || lpad(cast(d as {{ dbt.type_string() }}), 2, '0') as date)
        end as order_date
    from numbers
),

formatted as (
    select
        s.person_id,
        r.option_code,
        case when r.option_code in ('P1', 'P2', 'P3') then r.la end as la_perm,
        case when r.option_code in ('P1', 'P2', 'P3') then r.order_date end as date_perm
    from starters as s
    left join order_dates as r
        on r.person_id = s.person_id
)

select
    b.collection_year,
    cast(row_number() over (order by {{ binary_text_order('f.person_id') }}) - 1 as bigint) as row_id,
    cast(f.person_id as {{ dbt.type_string() }}) as "CHILD",
    cast(ps.dob as date) as "DOB",
    cast(f.option_code as {{ dbt.type_string() }}) as "PREV_PERM",
    cast(f.la_perm as {{ dbt.type_string() }}) as "LA_PERM",
    cast(f.date_perm as date) as "DATE_PERM"
from formatted as f
cross join bounds as b
left join {{ ref('stg_ssd__person') }} as ps
    on ps.person_id = f.person_id
