-- CIN census ChildProtectionPlans of the collection year: each census episode's child protection plans open at any
-- time in the year (begun by 31 March, not ended before 1 April); the end only when by 31 March and known; the
-- latest category of abuse, else the initial one; NumberOfPreviousCPP the child's plans begun before this one.
-- Rows in LAchildID, CPPstartDate order.
{%- set categories = ['NEG', 'PHY', 'SAB', 'EMO', 'MUL'] %}
with numbered as (
    select
        *,
        row_number() over (partition by person_id order by cp_plan_start_date, cp_plan_id) - 1 as previous_plans
    from {{ ref('stg_ssd__cp_plans') }}
    where cp_plan_start_date <= {{ as_at_date() }}
),

plans as (
    select
        d."LAchildID",
        d."CINdetailsID",
        p.cp_plan_id,
        p.cp_plan_start_date,
        {{ end_by_year_end('p.cp_plan_end_date') }} as end_date,
        {{ code_in('p.cp_plan_initial_category', categories) }} as initial_category,
        coalesce({{ code_in('p.cp_plan_latest_category', categories) }},
                 {{ code_in('p.cp_plan_initial_category', categories) }}) as latest_category,
        p.previous_plans
    from {{ ref('cin_details') }} as d
    inner join numbered as p
        on p.referral_id = d."CINdetailsID"
    where d.collection_year = {{ collection_year() }}
        and {{ open_in_year('p.cp_plan_start_date', 'p.cp_plan_end_date') }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, cp_plan_start_date,
                            {{ binary_text_order('cp_plan_id') }}) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    cp_plan_id as "CPPID",
    cp_plan_start_date as "CPPstartDate",
    end_date as "CPPendDate",
    initial_category as "InitialCategoryOfAbuse",
    latest_category as "LatestCategoryOfAbuse",
    cast(previous_plans as integer) as "NumberOfPreviousCPP"
from plans
