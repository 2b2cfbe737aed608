{#- BI tools and the contracts need the plain schema names (staging, marts ...), not dbt's <target>_<schema>.
    The pipeline builds the marts aside (var marts_schema: marts_build) and publishes them in one transaction
    (cs_pipeline/publish/marts.py); a plain `dbt build` writes marts directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}{{ var('marts_schema', 'marts') }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
