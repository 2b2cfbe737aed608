{#- CIN census codes that changed between collection years, as data (cs_pipeline/reference/returns/cin/<year>.yaml
    holds the same): our sex value ('1' male, '2' female, '0' unknown) as the year's element. GenderCurrent (1, 2, 0)
    was collected to 2023-24; Sex (M, F, U) from 2024-25. -#}
{% macro cin_year_codes() -%}
    {%- do return({
        'GenderCurrent': [
            {'value': '1', 'code': '1', 'first': '2023-24', 'last': '2023-24'},
            {'value': '2', 'code': '2', 'first': '2023-24', 'last': '2023-24'},
            {'value': '0', 'code': '0', 'first': '2023-24', 'last': '2023-24'},
        ],
        'Sex': [
            {'value': '1', 'code': 'M', 'first': '2024-25', 'last': none},
            {'value': '2', 'code': 'F', 'first': '2024-25', 'last': none},
            {'value': '0', 'code': 'U', 'first': '2024-25', 'last': none},
        ],
    }) -%}
{%- endmacro %}

{% macro cin_code(element, expr) -%}
    {{ year_code(cin_year_codes()[element], expr) }}
{%- endmacro %}
