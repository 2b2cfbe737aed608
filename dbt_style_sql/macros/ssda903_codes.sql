{#- DfE codes that changed between collection years, as data: the return's code for a value of ours, by the years
    each code was collected (cs_pipeline/reference/returns/ssda903/<year>.yaml holds the same codes; a test checks
    they agree). The entry for the build's collection year is chosen when the model compiles. -#}
{% macro ssda903_year_codes() -%}
    {%- do return({
        'SEX': [
            {'value': '1', 'code': '1', 'first': '2023-24', 'last': '2023-24'},
            {'value': '2', 'code': '2', 'first': '2023-24', 'last': '2023-24'},
            {'value': '1', 'code': 'M', 'first': '2024-25', 'last': none},
            {'value': '2', 'code': 'F', 'first': '2024-25', 'last': none},
        ],
    }) -%}
{%- endmacro %}

{#- The year's DfE code for expr (our value): e.g. SEX '1' (male) -> '1' in 2023-24, 'M' from 2024-25. -#}
{% macro ssda903_code(column, expr) -%}
    {{ year_code(ssda903_year_codes()[column], expr) }}
{%- endmacro %}
