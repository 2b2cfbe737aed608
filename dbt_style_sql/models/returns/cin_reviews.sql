-- CIN census Reviews of the collection year: the child protection review conferences held in the year (by the
-- as-at date) of each census child protection plan. Rows in LAchildID, CPPreviewDate order.
with reviews as (
    select distinct p."LAchildID", p."CINdetailsID", p."CPPID", r.cp_review_date
    from {{ ref('cin_child_protection_plans') }} as p
    inner join {{ ref('stg_ssd__cp_reviews') }} as r
        on r.cp_plan_id = p."CPPID"
    where p.collection_year = {{ collection_year() }}
        and r.cp_review_date between {{ collection_year_start() }} and {{ collection_year_end() }}
        and r.cp_review_date <= {{ as_at_date() }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, cp_review_date,
                            {{ binary_text_order('"CPPID"') }}) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    "CPPID",
    cp_review_date as "CPPreviewDate"
from reviews
