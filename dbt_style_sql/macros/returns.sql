{#- Macros the return models share (models/returns/ssda903_*, cin_*). -#}

{#- Pre-hook of a returns model kept per collection year (incremental, unique_key collection_year): deletes the
    year's rows first, so a rebuild that now finds no rows for the year leaves none behind (delete+insert alone only
    replaces years present in the new rows). Other years' rows are kept. It does nothing for a returns model that is
    not incremental (the Annex A lists: tables for a window, with no collection_year, replaced whole). -#}
{% macro delete_collection_year_rows() -%}
    {%- set existing = none -%}
    {%- if config.get('materialized') == 'incremental' -%}
        {%- set existing = adapter.get_relation(database=this.database, schema=this.schema,
                                                identifier=this.identifier) -%}
    {%- endif -%}
    {%- if existing is not none and execute -%}
        delete from {{ this }} where collection_year = '{{ collection_year_bounds()["year"] }}'
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Order text by its bytes on every engine (DuckDB's default; PostgreSQL's database collation may be a locale's),
    so row_id is the same on both. -#}
{% macro binary_text_order(expr) -%}
    {%- if target.type == 'postgres' -%}{{ expr }} collate "C"{%- else -%}{{ expr }}{%- endif -%}
{%- endmacro %}

{#- A UK postcode as DfE's 903 takes it: upper case, one space before the inward code ('E1 6AN'); null when blank
    or too short/long to be a postcode. -#}
{% macro postcode_903(expr) -%}
    case
        when length(replace(upper(trim({{ expr }})), ' ', '')) between 5 and 7
        then substr(replace(upper(trim({{ expr }})), ' ', ''), 1, length(replace(upper(trim({{ expr }})), ' ', '')) - 3)
            || ' ' || substr(replace(upper(trim({{ expr }})), ' ', ''), length(replace(upper(trim({{ expr }})), ' ', '')) - 2)
    end
{%- endmacro %}

{#- 903 SEX code of the year's spec (1 male, 2 female) from the SSD's pers_sex (M/F/U), falling back to pers_gender
    where it holds 1/2. Unknown stays null (DfE has no code for it; rule 232 flags it). -#}
{% macro sex_903(sex_expr, gender_expr) -%}
    case
        when upper(trim({{ sex_expr }})) in ('M', 'MALE', '1') then '1'
        when upper(trim({{ sex_expr }})) in ('F', 'FEMALE', '2') then '2'
        when trim({{ gender_expr }}) in ('1', '2') then trim({{ gender_expr }})
    end
{%- endmacro %}

{#- A code the return accepts, else null: upper(trim(expr)) when it is in codes (a list). -#}
{% macro code_in(expr, codes) -%}
    case when upper(trim({{ expr }})) in (
        {%- for code in codes %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%}
    ) then upper(trim({{ expr }})) end
{%- endmacro %}

{#- expr (a date) falls in the collection year and is known by the as-at date; needs the model's `bounds` CTE
    cross-joined as b. -#}
{% macro dated_in_year(expr) -%}
    {{ expr }} >= b.year_start and {{ expr }} <= b.year_end and {{ expr }} <= {{ as_at_date() }}
{%- endmacro %}

{#- Each child's Unique Pupil Number on a date (a SELECT of person_id, upn): the UPN identifier valid on that date,
    else the latest recorded; upper case, spaces dropped. The 903 header and the CIN census share it. -#}
{% macro upn_on(on_date) -%}
    select person_id, identifier_value as upn
    from (
        select
            person_id,
            upper(replace(identifier_value, ' ', '')) as identifier_value,
            row_number() over (
                partition by person_id
                order by
                    case when coalesce(valid_from_date, {{ on_date }}) <= {{ on_date }}
                        and coalesce(valid_to_date, {{ open_end_date() }}) >= {{ on_date }}
                        then 0 else 1 end,
                    valid_from_date desc nulls last,
                    table_id desc
            ) as pick
        from {{ ref('stg_ssd__linked_identifiers') }}
        where lower(trim(identifier_type)) = 'unique pupil number'
            and nullif(trim(identifier_value), '') is not null
    ) as ranked
    where pick = 1
{%- endmacro %}

{#- The year's DfE code for expr (our value) from entries [{'value', 'code', 'first', 'last'}] (years a code was
    collected); null when the year collects none of them (e.g. CIN GenderCurrent after 2023-24). -#}
{% macro year_code(entries, expr) -%}
    {%- set year = collection_year_bounds()['year'] -%}
    {%- set current = [] -%}
    {%- for entry in entries if entry.first <= year and (entry.last is none or year <= entry.last) -%}
        {%- do current.append(entry) -%}
    {%- endfor -%}
    {%- if current -%}
    case {{ expr }}
    {%- for entry in current %}
        when '{{ entry.value }}' then '{{ entry.code }}'
    {%- endfor %}
    end
    {%- else -%}
    cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- A span (start, end) open at any time in the collection year and begun by the as-at date: begun by 31 March, not
    ended before 1 April (the CIN census's episodes, assessments, plans and enquiries). -#}
{% macro open_in_year(start_expr, end_expr) -%}
    {{ start_expr }} <= {{ collection_year_end() }} and {{ start_expr }} <= {{ as_at_date() }}
        and ({{ end_expr }} is null or {{ end_expr }} >= {{ collection_year_start() }})
{%- endmacro %}

{#- A span's end as the return states it: only when by 31 March and known by the as-at date, else blank. -#}
{% macro end_by_year_end(end_expr) -%}
    case when {{ end_expr }} <= {{ collection_year_end() }} then {{ known_by_as_at(end_expr) }} end
{%- endmacro %}
