-- School terms for the termly PEP review (TIMELINESS.md PEP; local term calendar). var pep_terms lists term start
-- dates as MM-DD; a term runs from its start to the day before the next term starts. Generated from
-- staging.dim_calendar, so it covers the calendar's years; the calendar's last term start has no known end and is
-- left out.
{%- for mmdd in var('pep_terms') %}
    {%- if (mmdd | string | length) != 5 or (mmdd | string)[2] != '-' %}
        {{ exceptions.raise_compiler_error("var pep_terms: '" ~ mmdd ~ "' is not a MM-DD term start") }}
    {%- endif %}
{%- endfor %}
with term_starts as (
    select calendar_date as term_start
    from {{ source('staging', 'dim_calendar') }}
    where
    {%- for mmdd in var('pep_terms') %}
        {% if not loop.first %}or {% endif -%}
        (month = {{ mmdd[:2] | int }} and calendar_date = {{ add_days('month_start', (mmdd[3:] | int) - 1) }})
    {%- endfor %}
),

ordered as (
    select
        term_start,
        lead(term_start) over (order by term_start) as next_term_start
    from term_starts
)

select
    term_start,
    {{ add_days('next_term_start', -1) }} as term_end
from ordered
where next_term_start is not null
