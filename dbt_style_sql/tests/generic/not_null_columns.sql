{#- None of the listed columns holds a null: one test per model rather than one not_null per column (each dbt test
    is a node: dbt's own cost and three Dagster events per check). Fails with one row per column that has nulls,
    naming it and counting them. -#}
{% test not_null_columns(model, columns) %}
{%- for column in columns %}
select '{{ column }}' as null_column, count(*) as null_rows from {{ model }} where {{ adapter.quote(column) }} is null
having count(*) > 0
{%- if not loop.last %}
union all{% endif %}
{%- endfor %}
{% endtest %}
