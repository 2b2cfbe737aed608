{#- The column's values are unique within each collection year of a returns table (tables keep every year built:
    row_id and, where DfE allows one row per child, CHILD). -#}
{% test unique_within_collection_year(model, column_name) %}
select collection_year, {{ column_name }} as value, count(*) as rows_with_value
from {{ model }}
group by collection_year, {{ column_name }}
having count(*) > 1
{% endtest %}
