{#- Each listed column, on its own, holds no value twice (nulls aside): one test per model rather than one unique
    per column (see not_null_columns.sql). Fails with one row per column that repeats a value, naming it and counting
    the repeated values. -#}
{% test unique_columns(model, columns) %}
{%- for column in columns %}
select '{{ column }}' as repeated_column, count(*) as repeated_values
from (select {{ adapter.quote(column) }} from {{ model }} where {{ adapter.quote(column) }} is not null
      group by {{ adapter.quote(column) }} having count(*) > 1) as r
having count(*) > 0
{%- if not loop.last %}
union all{% endif %}
{%- endfor %}
{% endtest %}
