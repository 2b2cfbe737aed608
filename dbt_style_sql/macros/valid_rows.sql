{#- Raw rows that validation did not quarantine: staging reads only these, so staging + quarantine = raw. -#}
{% macro valid_rows(raw_table) -%}
(
    select r.*
    from {{ source('raw', raw_table) }} as r
    where not exists (
        select 1 from {{ source('quarantine', raw_table) }} as q
        where q._row_key = r._row_key
    )
)
{%- endmacro %}
