{#- The run's dates: the as-at date, the returns' collection year and Annex A's window. Each comes from a var given on
    the command line (--vars '{"as_at": "2026-03-31"}'), else from the environment the pipeline sets for dbt
    (cs_pipeline.lib.dbt_env: CS_PIPELINE_AS_AT, CS_PIPELINE_DBT_COLLECTION_YEAR, CS_PIPELINE_DBT_ANNEX_A_START /
    _END), else (as-at) today. Read only while dbt executes, never while it parses: a value read at parse time is part
    of dbt's partial-parse state, and a new date every night would make each nightly run parse the whole project
    again (4 to 5 s). At parse time they are a fixed placeholder, which no model's configuration depends on. -#}
{% macro run_date_setting(name, env_name, default='') -%}
    {%- if not execute -%}{%- do return(default) -%}{%- endif -%}
    {%- set given = var(name, none) -%}
    {%- if given is not none and (given | string | trim) != '' -%}{%- do return(given | string | trim) -%}{%- endif -%}
    {%- do return(env_var(env_name, default) | string | trim) -%}
{%- endmacro %}

{#- The as-at date every measure is computed against, as text (YYYY-MM-DD). -#}
{% macro as_at_text() -%}
    {%- if not execute -%}{%- do return('2000-01-01') -%}{%- endif -%}
    {%- do return(run_date_setting('as_at', 'CS_PIPELINE_AS_AT', modules.datetime.date.today().isoformat())) -%}
{%- endmacro %}
