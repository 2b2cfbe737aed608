-- CIN census CINPlanDates of the collection year: each census episode's child-in-need plans open at any time in the
-- year (begun by 31 March, not ended before 1 April); the end only when by 31 March and known. Rows in LAchildID,
-- CINPlanStartDate order.
with plans as (
    select
        d."LAchildID",
        d."CINdetailsID",
        p.cin_plan_id,
        p.cin_plan_start_date,
        {{ end_by_year_end('p.cin_plan_end_date') }} as end_date
    from {{ ref('cin_details') }} as d
    inner join {{ ref('stg_ssd__cin_plans') }} as p
        on p.referral_id = d."CINdetailsID"
    where d.collection_year = {{ collection_year() }}
        and {{ open_in_year('p.cin_plan_start_date', 'p.cin_plan_end_date') }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, cin_plan_start_date,
                            {{ binary_text_order('cin_plan_id') }}) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    cin_plan_start_date as "CINPlanStartDate",
    end_date as "CINPlanEndDate"
from plans
