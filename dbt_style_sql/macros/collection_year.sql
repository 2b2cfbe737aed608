{#- The statutory collection year the returns are built for (1 April to 31 March, written '2025-26').
    From var collection_year or CS_PIPELINE_DBT_COLLECTION_YEAR, which the pipeline sets (macros/run_dates.sql); when
    unset, the latest year that ended on or before the as-at date (as
    cs_pipeline.returns.collection_year.CollectionYear.latest_ended_by).
    collection_year_bounds() returns {'year': '2025-26', 'start': '2025-04-01', 'end': '2026-03-31'} (text);
    collection_year(), collection_year_start() and collection_year_end() give them as SQL literals. -#}
{% macro collection_year_bounds() -%}
    {%- set text = run_date_setting('collection_year', 'CS_PIPELINE_DBT_COLLECTION_YEAR') -%}
    {%- if text == '' -%}
        {%- set as_at = modules.datetime.date.fromisoformat(as_at_text()) -%}
        {%- set start_year = as_at.year - 1 if as_at >= modules.datetime.date(as_at.year, 3, 31) else as_at.year - 2 -%}
    {%- else -%}
        {%- set parts = text.split('-') -%}
        {%- if parts | length != 2 or parts[0] | length != 4 or parts[1] | length != 2
            or not parts[0].isdigit() or not parts[1].isdigit()
            or ((parts[0] | int) + 1) % 100 != (parts[1] | int) -%}
            {{ exceptions.raise_compiler_error("var collection_year is not a collection year: '" ~ text ~ "' (expected e.g. 2025-26)") }}
        {%- endif -%}
        {%- set start_year = parts[0] | int -%}
    {%- endif -%}
    {%- do return({
        'year': start_year ~ '-' ~ ('%02d' | format((start_year + 1) % 100)),
        'start': start_year ~ '-04-01',
        'end': (start_year + 1) ~ '-03-31',
    }) -%}
{%- endmacro %}

{#- '2025-26' as a text literal (the returns' collection_year column). -#}
{% macro collection_year() -%}
    cast('{{ collection_year_bounds()["year"] }}' as {{ dbt.type_string() }})
{%- endmacro %}

{#- 1 April of the collection year, a date literal. -#}
{% macro collection_year_start() -%}
    cast('{{ collection_year_bounds()["start"] }}' as date)
{%- endmacro %}

{#- 31 March of the collection year, a date literal. -#}
{% macro collection_year_end() -%}
    cast('{{ collection_year_bounds()["end"] }}' as date)
{%- endmacro %}

