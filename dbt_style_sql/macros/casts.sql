{#- Portable casts from raw text (DuckDB and PostgreSQL; the types also on Spark). Validation has already
    quarantined unreadable values. -#}

{#- Source datetimes become dates: the measures count days, not hours. -#}
{% macro to_date(column) -%}
    cast(cast(nullif(trim({{ column }}), '') as timestamp) as date)
{%- endmacro %}

{#- Flags arrive as Y/N, 1/0, true/false (INTERFACE.md section 1). Anything else is null. -#}
{% macro to_flag(column) -%}
    case
        when upper(trim({{ column }})) in ('Y', 'YES', '1', 'TRUE', 'T') then true
        when upper(trim({{ column }})) in ('N', 'NO', '0', 'FALSE', 'F') then false
    end
{%- endmacro %}

{% macro to_int(column) -%}
    cast(cast(nullif(trim({{ column }}), '') as numeric) as integer)
{%- endmacro %}

{% macro to_float(column) -%}
    cast(nullif(trim({{ column }}), '') as {{ type_double() }})
{%- endmacro %}

{% macro to_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- 8-byte floating point: `double precision` on DuckDB and PostgreSQL, `double` on Spark. (dbt.type_float() is a
    4-byte float on DuckDB.) -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}
