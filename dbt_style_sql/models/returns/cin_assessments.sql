-- CIN census Assessments of the collection year: the assessments of each census episode begun by 31 March and not
-- authorised before 1 April (an authorisation after 31 March, or not yet known by the as-at date, is left blank).
-- The SSD records no internal review date. Rows in LAchildID, AssessmentActualStartDate order.
with assessments as (
    select
        d."LAchildID",
        d."CINdetailsID",
        a.assessment_id,
        a.assessment_start_date,
        {{ end_by_year_end('a.assessment_auth_date') }} as auth_date
    from {{ ref('cin_details') }} as d
    inner join {{ ref('stg_ssd__cin_assessments') }} as a
        on a.referral_id = d."CINdetailsID"
    where d.collection_year = {{ collection_year() }}
        and {{ open_in_year('a.assessment_start_date', 'a.assessment_auth_date') }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, assessment_start_date,
                            {{ binary_text_order('assessment_id') }}) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    assessment_id as "AssessmentID",
    assessment_start_date as "AssessmentActualStartDate",
    cast(null as date) as "AssessmentInternalReviewDate",
    auth_date as "AssessmentAuthorisationDate"
from assessments
