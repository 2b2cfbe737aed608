-- CIN census AssessmentFactors of the collection year: the factors identified at each census assessment that has
-- been authorised by 31 March (ssd_assessment_factors' JSON list of codes, matched code by code as quoted text, so
-- DuckDB and PostgreSQL agree without JSON functions). Rows in LAchildID, AssessmentID, factor order.
{%- set factors = ['1A', '1B', '1C', '2A', '2B', '2C', '3A', '3B', '3C', '4A', '4B', '4C', '5A', '5B', '5C', '6A', '6B',
                   '6C', '7A', '8B', '8C', '8D', '8E', '8F', '9A', '10A', '11A', '12A', '13A', '14A', '15A', '16A',
                   '17A', '18A', '18B', '18C', '19A', '19B', '19C', '20', '21', '22A', '23A', '24A'] %}
with codes as (
    {%- for code in factors %}
    select '{{ code }}' as factor, {{ loop.index }} as factor_order{{ " union all" if not loop.last }}
    {%- endfor %}
),

factors as (
    select distinct a."LAchildID", a."CINdetailsID", a."AssessmentID", c.factor, c.factor_order
    from {{ ref('cin_assessments') }} as a
    inner join {{ ref('stg_ssd__assessment_factors') }} as f
        on f.assessment_id = a."AssessmentID"
    inner join codes as c
        on replace(upper(f.assessment_factors_json), ' ', '') like '%"' || c.factor || '"%'
    where a.collection_year = {{ collection_year() }}
        and a."AssessmentAuthorisationDate" is not null
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, {{ binary_text_order('"AssessmentID"') }},
                            factor_order) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    "AssessmentID",
    factor as "AssessmentFactors"
from factors
