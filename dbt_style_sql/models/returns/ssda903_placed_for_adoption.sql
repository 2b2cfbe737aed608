-- SSDA903 PlacedAdoption: decisions that a child should be placed for adoption, one row per decision (ssd_permanence
-- row with perm_adm_decision_date), for children looked after at some time in the collection year. DfE wants every
-- such decision still standing in the year, whether or not it was made in it, and those reversed in the year; so a
-- decision is returned when it was made on or before 31 March and not reversed before 1 April (validator rules 117,
-- 118). DATE_PLACED = perm_adm_decision_date (the date the agency decision maker decided the child should be placed
-- for adoption; rule 523: the same date as AD1 DATE_INT). DATE_PLACED_CEASED / REASON_PLACED_CEASED (RD1-RD4) = the
-- decision's reversal (perm_decision_reversed_date / _reason) when it fell on or before 31 March; a later reversal
-- is not part of this year. Rows ordered by CHILD, then DATE_PLACED.
with bounds as (
    select
        {{ collection_year() }} as collection_year,
        {{ collection_year_start() }} as year_start,
        {{ collection_year_end() }} as year_end
),

looked_after_in_year as (
    select distinct p.person_id
    from {{ ref('int_cla__periods_of_care') }} as p
    cross join bounds as b
    where p.period_start <= b.year_end
        and coalesce(p.period_end, {{ open_end_date() }}) >= b.year_start
),

decisions as (
    select
        pm.person_id,
        pm.table_id,
        pm.adm_decision_date as date_placed,
        case
            when pm.decision_reversed_date <= b.year_end and pm.decision_reversed_date <= {{ as_at_date() }}
                then pm.decision_reversed_date
        end as date_placed_ceased,
        case
            when pm.decision_reversed_date <= b.year_end and pm.decision_reversed_date <= {{ as_at_date() }}
                then upper(trim(pm.decision_reversed_reason))
        end as reason_placed_ceased
    from {{ ref('stg_ssd__permanence') }} as pm
    cross join bounds as b
    inner join looked_after_in_year as l
        on l.person_id = pm.person_id
    where pm.adm_decision_date is not null
        and pm.adm_decision_date <= b.year_end
        and pm.adm_decision_date <= {{ as_at_date() }}
        and (pm.decision_reversed_date is null or pm.decision_reversed_date >= b.year_start)
)

select
    b.collection_year,
    cast(row_number() over (order by {{ binary_text_order('d.person_id') }}, d.date_placed, {{ binary_text_order('d.table_id') }} nulls last) - 1 as bigint) as row_id,
    cast(d.person_id as {{ dbt.type_string() }}) as "CHILD",
    cast(ps.dob as date) as "DOB",
    cast(d.date_placed as date) as "DATE_PLACED",
    cast(d.date_placed_ceased as date) as "DATE_PLACED_CEASED",
    cast(d.reason_placed_ceased as {{ dbt.type_string() }}) as "REASON_PLACED_CEASED"
from decisions as d
cross join bounds as b
left join {{ ref('stg_ssd__person') }} as ps
    on ps.person_id = d.person_id
