-- CIN census Assessments of the collection year: the assessments of each census episode begun by 31 March and not
-- authorised before 1 April (an authorisation after 31 March, or not yet known by the as-at date, is left blank).
-- The SSD records no internal review date. Rows in LAchildID, AssessmentActualStartDate order.
with assessments as (
    select
        d."LAchildID",
        d."CINdetailsID",
        a.assessment_id,
        a.assessment_start_date,
        case when a.assessment_auth_date <= {{ collection_year_end() }}
            then {{ known_by_as_at('a.assessment_auth_date') }} end as auth_date
    from {{ ref('cin_details') }} as d
    inner join {{ ref('stg_ssd__cin_assessments') }} as a
        on a.referral_id = d."CINdetailsID"
    where d.collection_year = {{ collection_year() }}
        and a.assessment_start_date <= {{ collection_year_end() }}
        and a.assessment_start_date <= {{ as_at_date() }}
        and (a.assessment_auth_date is null or a.assessment_auth_date >= {{ collection_year_start() }})
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
