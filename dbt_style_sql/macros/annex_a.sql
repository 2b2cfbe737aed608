{#- The window of Ofsted's Annex A lists (models/returns/annex_a/). From vars annex_a_start / annex_a_end, else
    CS_PIPELINE_DBT_ANNEX_A_START / _END, which the pipeline sets from cs_pipeline.config.Settings.annex_a_window
    (macros/run_dates.sql); when empty: the end is the as-at date and the start is the day after the same date six
    months before the end (calendar months, clamped at month end), as Settings.annex_a_window: end 2026-03-31 ->
    start 2025-10-01, end 2026-06-30 -> start 2025-12-31. annex_a_window_bounds() returns
    {'start': 'YYYY-MM-DD', 'end': 'YYYY-MM-DD'} (text); annex_a_window_start() and annex_a_window_end() give them as
    SQL date literals. -#}
{% macro annex_a_window_bounds() -%}
    {%- set end_text = run_date_setting('annex_a_end', 'CS_PIPELINE_DBT_ANNEX_A_END') -%}
    {%- if end_text == '' -%}{%- set end_text = as_at_text() -%}{%- endif -%}
    {%- set end = annex_a_parse_date(end_text, 'annex_a_end') -%}
    {%- set start_text = run_date_setting('annex_a_start', 'CS_PIPELINE_DBT_ANNEX_A_START') -%}
    {%- if start_text == '' -%}
        {%- set months = end.year * 12 + end.month - 1 - 6 -%}
        {%- set year = months // 12 -%}
        {%- set month = months % 12 + 1 -%}
        {%- set next_month = modules.datetime.date(year + 1, 1, 1) if month == 12
            else modules.datetime.date(year, month + 1, 1) -%}
        {%- set last_day = (next_month - modules.datetime.timedelta(days=1)).day -%}
        {%- set start = modules.datetime.date(year, month, [end.day, last_day] | min)
            + modules.datetime.timedelta(days=1) -%}
    {%- else -%}
        {%- set start = annex_a_parse_date(start_text, 'annex_a_start') -%}
    {%- endif -%}
    {%- if start > end -%}
        {{ exceptions.raise_compiler_error("Annex A window: annex_a_start " ~ start ~ " is after the window's end " ~ end) }}
    {%- endif -%}
    {%- do return({'start': start.isoformat(), 'end': end.isoformat()}) -%}
{%- endmacro %}

{% macro annex_a_parse_date(text, name) -%}
    {%- set text = text[:10] -%}
    {%- if text | length != 10 or text[4] != '-' or text[7] != '-' or not text.replace('-', '').isdigit() -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " is not a date: '" ~ text ~ "' (expected YYYY-MM-DD)") }}
    {%- endif -%}
    {%- do return(modules.datetime.date(text[:4] | int, text[5:7] | int, text[8:10] | int)) -%}
{%- endmacro %}

{#- First day of the window, a date literal. -#}
{% macro annex_a_window_start() -%}
    cast('{{ annex_a_window_bounds()["start"] }}' as date)
{%- endmacro %}

{#- Last day of the window, a date literal: what the lists are "as at" (ages, case status, latest dates). -#}
{% macro annex_a_window_end() -%}
    cast('{{ annex_a_window_bounds()["end"] }}' as date)
{%- endmacro %}

{#- expr (a date) falls in the window, both days included. -#}
{% macro annex_a_in_window(expr) -%}
    ({{ expr }} >= {{ annex_a_window_start() }} and {{ expr }} <= {{ annex_a_window_end() }})
{%- endmacro %}

{#- A span (start, end) open at any time in the window: begun by its last day, not ended before its first. -#}
{% macro annex_a_open_in_window(start_expr, end_expr) -%}
    ({{ start_expr }} <= {{ annex_a_window_end() }}
        and ({{ end_expr }} is null or {{ end_expr }} >= {{ annex_a_window_start() }}))
{%- endmacro %}

{#- A date as the list states it: only when on or before the window's end (a later date is not yet part of it). -#}
{% macro annex_a_by_end(expr) -%}
    case when {{ expr }} <= {{ annex_a_window_end() }} then {{ expr }} end
{%- endmacro %}

{#- "In the last N months" of a list: the N months ending on the window's end (the day after the same date N months
    before it, to the end). A date literal of the first day. -#}
{% macro annex_a_months_before_end(n) -%}
    {{ add_days(add_months(annex_a_window_end(), -n), 1) }}
{%- endmacro %}

{#- The child's allocation on a date (team and worker), from worker involvements (int_person__team_spells, as
    team_on_date): the involvement covering the date, else the latest one started before it. items: a CTE with
    item_key, person_id, team_date. Yields item_key, team_id, worker_id. -#}
{% macro annex_a_allocation(items) -%}
    select item_key, team_id, worker_id
    from (
        select
            i.item_key,
            s.team_id,
            s.worker_id,
            row_number() over (
                partition by i.item_key
                order by
                    case when s.spell_end is null or s.spell_end >= i.team_date then 0 else 1 end,
                    s.spell_start desc,
                    s.team_id,
                    s.worker_id
            ) as allocation_rank
        from {{ items }} as i
        inner join {{ ref('int_person__team_spells') }} as s
            on s.person_id = i.person_id
            and s.spell_start <= i.team_date
    ) as ranked
    where allocation_rank = 1
{%- endmacro %}

{#- The demographic columns every list starts with (after child_id), from the ephemeral model annex_a__children
    joined as alias: gender, ethnicity, date_of_birth, age_years. A child with no ssd_person row is "not stated". -#}
{% macro annex_a_child_columns(alias) -%}
    coalesce({{ alias }}.gender, 'c) Not stated/recorded') as gender,
    coalesce({{ alias }}.ethnicity, 'f) Not stated') as ethnicity,
    {{ alias }}.date_of_birth,
    {{ alias }}.age_years
{%- endmacro %}

{#- "Does the child have a disability" of annex_a__children joined as alias (Unknown for a child with no ssd_person
    row). -#}
{% macro annex_a_child_disability(alias) -%}
    coalesce({{ alias }}.has_disability, 'Unknown')
{%- endmacro %}

{#- A text column that must not be blank: the value, else the given placeholder (e.g. 'UNALLOCATED', as the marts'
    team). -#}
{% macro annex_a_text_or(exprs, placeholder) -%}
    cast(coalesce({% for e in exprs %}{{ e }}, {% endfor %}'{{ placeholder }}') as {{ dbt.type_string() }})
{%- endmacro %}

{#- ssd_missing episode type as SSDA903's M (missing) / A (away, "absent"): the code or the word's first letter. -#}
{% macro annex_a_missing_type(expr) -%}
    case substr({{ annex_a_code_text(expr) }}, 1, 1) when 'M' then 'M' when 'A' then 'A' end
{%- endmacro %}
