-- CIN census ChildCharacteristics of the collection year: each census child's ethnicity (DfE's codes; NOBT,
-- "information not yet obtained", when the SSD holds none of them: the element is required). Rows in LAchildID order.
{%- set ethnic_codes = ['WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN',
                        'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT'] %}
select
    c.collection_year,
    c.row_id,
    c."LAchildID",
    coalesce({{ code_in('p.ethnicity', ethnic_codes) }}, 'NOBT') as "Ethnicity"
from {{ ref('cin_child_identifiers') }} as c
left join {{ ref('stg_ssd__person') }} as p
    on p.person_id = c."LAchildID"
where c.collection_year = {{ collection_year() }}
