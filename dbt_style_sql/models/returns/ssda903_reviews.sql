-- SSDA903 Reviews of the collection year: every looked-after child review held in the year (ssd_cla_reviews with a
-- review date from 1 April to 31 March, not cancelled) while the child was looked after, with REVIEW_CODE the
-- child's participation (PN0-PN7, from clar_cla_review_participation). Reviews during a short-break period of care
-- (legal status V3/V4 at its start) are left out: DfE does not collect them (rule 399). The review belongs to the
-- child of its cla_id. Rows in CHILD, REVIEW order.
with cla_person as (
    select cla_id, min(person_id) as person_id
    from {{ ref('stg_ssd__cla_episodes') }}
    where cla_id is not null
    group by cla_id
),

reviews as (
    select distinct
        cp.person_id,
        r.cla_review_date as review,
        {{ code_in('r.cla_review_participation', ['PN0', 'PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7']) }}
            as review_code
    from {{ ref('stg_ssd__cla_reviews') }} as r
    inner join cla_person as cp
        on cp.cla_id = r.cla_id
    inner join {{ ref('int_cla__periods_of_care') }} as p
        on p.person_id = cp.person_id
        and r.cla_review_date >= p.period_start
        and r.cla_review_date <= coalesce(p.period_end, {{ open_end_date() }})
        and not p.is_short_break
    where r.cla_review_date between {{ collection_year_start() }} and {{ collection_year_end() }}
        and r.cla_review_date <= {{ as_at_date() }}
        and not coalesce(r.cla_review_cancelled, false)
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (
        order by {{ binary_text_order('r.person_id') }}, r.review, r.review_code nulls last
    ) - 1 as bigint) as row_id,
    r.person_id as "CHILD",
    p.dob as "DOB",
    r.review as "REVIEW",
    r.review_code as "REVIEW_CODE"
from reviews as r
left join {{ ref('stg_ssd__person') }} as p
    on p.person_id = r.person_id
