{#- Portable date helpers for the timeliness models (TIMELINESS.md). Same SQL on DuckDB and PostgreSQL; Spark where
    its dialect differs (docs/scaling.md). -#}

{#- The as-at date every measure is computed against (macros/run_dates.sql). -#}
{% macro as_at_date() -%}
    cast('{{ as_at_text() }}' as date)
{%- endmacro %}

{#- First day of the extract's history: the day after (as-at date minus var extract_history_years years). The
    case-management extract holds events only from this date (SSD default timeframe 6 years), so an item due before
    it cannot be judged: it is excluded (due_before_extract_history). As-at 2026-09-30, 6 years -> 2020-10-01;
    as-at 2026-03-31 -> 2020-04-01. Calendar months, clamped at month end like add_months. -#}
{% macro history_start() -%}
    {{ add_days(add_months(as_at_date(), '(-12 * (' ~ var('extract_history_years') ~ '))'), 1) }}
{%- endmacro %}

{#- An open end (no end date) compares as this date. -#}
{% macro open_end_date() -%}
    cast('9999-12-31' as date)
{%- endmacro %}

{#- "N months": calendar-month arithmetic, clamped at month end (30 Nov + 3 months = 28 Feb). Both engines clamp
    date + interval 'n month'; the cast brings PostgreSQL's timestamp back to a date. n may be an expression. -#}
{% macro add_months(date_expr, n) -%}
    cast({{ dbt.dateadd('month', n, date_expr) }} as date)
{%- endmacro %}

{#- Calendar days (one week = 7, six weeks = 42). -#}
{% macro add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{#- Whole calendar days from d1 to d2. -#}
{% macro days_between(d1, d2) -%}
    {{ dbt.datediff(d1, d2, 'day') }}
{%- endmacro %}

{#- Age in whole years on a date, without engine date functions: count birthdays reached. -#}
{% macro age_in_years(dob, on_date) -%}
    cast(
        {{ calendar_years_between(dob, on_date) }}
        - case when {{ add_months(dob, calendar_years_between(dob, on_date) ~ ' * 12') }} > {{ on_date }} then 1 else 0 end
    as integer)
{%- endmacro %}

{#- Year boundaries crossed from d1 to d2 (year(d2) - year(d1)), as dbt.datediff(..., 'year') counts them on DuckDB
    and PostgreSQL. dbt-spark's datediff counts whole years elapsed instead (months_between), so Spark says so. -#}
{% macro calendar_years_between(d1, d2) -%}
    {{ return(adapter.dispatch('calendar_years_between')(d1, d2)) }}
{%- endmacro %}

{% macro default__calendar_years_between(d1, d2) -%}
    {{ dbt.datediff(d1, d2, 'year') }}
{%- endmacro %}

{% macro spark__calendar_years_between(d1, d2) -%}
    (year({{ d2 }}) - year({{ d1 }}))
{%- endmacro %}

{#- Working-day due date: two joins, so due = the first working day whose index is index(start) + n
    (start day is day 0; a start on a non-working day makes the next working day day 1).
    Use as: ... {{ join_working_day_due('iha_due', 'p.period_start', var('iha_working_days')) }}
    then iha_due.calendar_date is the due date. -#}
{% macro join_working_day_due(alias, start_expr, n) -%}
    left join {{ source('staging', 'dim_calendar') }} as {{ alias }}_start
        on {{ alias }}_start.calendar_date = {{ start_expr }}
    left join {{ ref('int_calendar__working_days') }} as {{ alias }}
        on {{ alias }}.working_day_index = {{ alias }}_start.working_day_index + {{ n }}
{%- endmacro %}

{#- Join the calendar row of a date (for its working_day_index); working days d1 -> d2 = index(d2) - index(d1). -#}
{% macro join_calendar(alias, date_expr) -%}
    left join {{ source('staging', 'dim_calendar') }} as {{ alias }}
        on {{ alias }}.calendar_date = {{ date_expr }}
{%- endmacro %}

{#- Outcome of one due item (TIMELINESS.md): exclusion first, then the earliest qualifying event against the due
    date, then overdue / not yet due relative to the as-at date (an item due on the as-at date is not yet due). -#}
{% macro due_item_outcome(event_date, due_date, exclusion_reason) -%}
    case
        when {{ exclusion_reason }} is not null then 'excluded'
        when {{ event_date }} is not null and {{ event_date }} <= {{ due_date }} then 'on_time'
        when {{ event_date }} is not null then 'late'
        when {{ due_date }} < {{ as_at_date() }} then 'overdue'
        else 'not_yet_due'
    end
{%- endmacro %}

{#- A date after the as-at date is not yet known: treat it as missing (reproducible as-at runs). -#}
{% macro known_by_as_at(date_expr) -%}
    case when {{ date_expr }} <= {{ as_at_date() }} then {{ date_expr }} end
{%- endmacro %}

{#- Health provider's assessment_type -> IHA / RHA / HA (anything else, or blank: an assessment of unstated kind). -#}
{% macro provider_assessment_kind(type_expr) -%}
    case when upper({{ type_expr }}) in ('IHA', 'RHA') then upper({{ type_expr }}) else 'HA' end
{%- endmacro %}

{#- Case-management health check type -> IHA / RHA / HA (assessment, kind not stated) / DENTAL / OTHER. -#}
{% macro health_check_kind(type_expr) -%}
    case
        when upper({{ type_expr }}) like '%DENT%' then 'DENTAL'
        when upper({{ type_expr }}) = 'IHA' or upper({{ type_expr }}) like '%INITIAL%' then 'IHA'
        when upper({{ type_expr }}) = 'RHA' or upper({{ type_expr }}) like '%REVIEW%' then 'RHA'
        when upper({{ type_expr }}) like '%HEALTH ASSESSMENT%' or upper({{ type_expr }}) = 'HA' then 'HA'
        else 'OTHER'
    end
{%- endmacro %}

{#- The child's team on a date: the involvement covering the date, else the latest one started before it.
    items: a CTE name with columns item_key, person_id, team_date. Yields item_key, team_id. -#}
{% macro team_on_date(items) -%}
    select item_key, team_id
    from (
        select
            i.item_key,
            s.team_id,
            row_number() over (
                partition by i.item_key
                order by
                    case when s.spell_end is null or s.spell_end >= i.team_date then 0 else 1 end,
                    s.spell_start desc,
                    s.team_id
            ) as team_rank
        from {{ items }} as i
        inner join {{ ref('int_person__team_spells') }} as s
            on s.person_id = i.person_id
            and s.spell_start <= i.team_date
    ) as ranked
    where team_rank = 1
{%- endmacro %}

{#- The date a child's team is read on for a due item: the due date, or the as-at date if that is earlier. -#}
{% macro team_date(due_date) -%}
    case when {{ due_date }} > {{ as_at_date() }} then {{ as_at_date() }} else {{ due_date }} end
{%- endmacro %}

{#- Whether the latest extraction found an SSD table in the source (raw.ssd_table_log via stg_pipeline__ssd_table_log).
    A table with no log row counts as not supplied. A boolean expression; measures built on an optional extension
    table exclude every item (source_not_supplied) when it is false, so a council without the table sees no failures.
    Use once per model, e.g. supply as (select {{ source_supplied('ssd_cla_pep') }} as is_supplied). -#}
{% macro source_supplied(table_name) -%}
    exists (
        select 1
        from {{ ref('stg_pipeline__ssd_table_log') }} as table_log
        where table_log.table_name = '{{ table_name | lower }}'
            and table_log.supplied
    )
{%- endmacro %}
