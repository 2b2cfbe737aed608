-- CIN census Disabilities of the collection year: each census child's recorded disabilities (DfE's codes, once
-- each), and NONE for a child with none recorded (DfE: at least one Disability for every child, rule 8540). Rows in
-- LAchildID, Disability order.
{%- set codes = ['NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH', 'CON', 'AUT', 'DDA'] %}
with disabilities as (
    select distinct c."LAchildID", {{ code_in('d.disability_code', codes) }} as disability
    from {{ ref('cin_child_identifiers') }} as c
    inner join {{ ref('stg_ssd__disability') }} as d
        on d.person_id = c."LAchildID"
    where c.collection_year = {{ collection_year() }}
),

recorded as (
    select "LAchildID", disability from disabilities where disability is not null
    union all
    select c."LAchildID", 'NONE'
    from {{ ref('cin_child_identifiers') }} as c
    where c.collection_year = {{ collection_year() }}
        and not exists (select 1 from disabilities as d where d."LAchildID" = c."LAchildID" and d.disability is not null)
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, disability) - 1 as bigint) as row_id,
    "LAchildID",
    disability as "Disability"
from recorded
