-- raw.ssd_table_log: which SSD tables the latest extraction found in the source. Marts read it through the
-- source_supplied macro; a table with no row here counts as not supplied. A warehouse extracted before the log
-- existed has no such table: then no row, so every optional table reads as not supplied until the next extraction.
{%- set table_log = source('raw', 'ssd_table_log') %}
{%- set log_exists = execute and adapter.get_relation(
    database=table_log.database, schema=table_log.schema, identifier=table_log.identifier) is not none %}
{%- if log_exists %}
with ranked as (
    select
        lower(trim(table_name)) as table_name,
        cast(supplied as boolean) as supplied,
        cast(row_count as bigint) as row_count,
        cast(load_id as {{ dbt.type_string() }}) as load_id,
        cast(extracted_at as timestamp) as extracted_at,
        -- extraction keeps one row per table; rank anyway so a doubled row cannot fan out the marts
        row_number() over (
            partition by lower(trim(table_name)) order by cast(extracted_at as timestamp) desc, load_id desc
        ) as load_rank
    from {{ table_log }}
    where table_name is not null
)

select table_name, coalesce(supplied, false) as supplied, row_count, load_id, extracted_at
from ranked
where load_rank = 1
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as table_name,
    cast(null as boolean) as supplied,
    cast(null as bigint) as row_count,
    cast(null as {{ dbt.type_string() }}) as load_id,
    cast(null as timestamp) as extracted_at
where 1 = 0
{%- endif %}
