{#- Each listed column holds only its accepted values (nulls aside): one test per model rather than one
    accepted_values per column (see not_null_columns.sql). columns: {column: [values]}; each value is a quoted literal, compared with the column as dbt's accepted_values
    does (so 'True' matches a boolean true).
    Fails with one row per column and value outside the list, naming them and counting the rows. -#}
{% test accepted_values_columns(model, columns) %}
{%- for column, values in columns.items() %}
select '{{ column }}' as value_column, cast({{ adapter.quote(column) }} as {{ dbt.type_string() }}) as value_found,
    count(*) as value_rows
from {{ model }}
where {{ adapter.quote(column) }} is not null
    and {{ adapter.quote(column) }} not in (
        {%- for value in values %}'{{ value | string | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%})
group by cast({{ adapter.quote(column) }} as {{ dbt.type_string() }})
{%- if not loop.last %}
union all{% endif %}
{%- endfor %}
{% endtest %}
