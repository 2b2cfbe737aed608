-- ssd_cp_reviews: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cp_reviews') }} as valid
),

renamed as (
    select
        {{ to_text('cppr_cp_review_id') }} as cp_review_id,
        {{ to_text('cppr_person_id') }} as person_id,
        {{ to_text('cppr_cp_plan_id') }} as cp_plan_id,
        {{ to_date('cppr_cp_review_due') }} as cp_review_due,
        {{ to_date('cppr_cp_review_date') }} as cp_review_date,
        {{ to_text('cppr_cp_review_meeting_id') }} as cp_review_meeting_id,
        {{ to_flag('cppr_cp_review_outcome_continue_cp') }} as cp_review_outcome_continue_cp,
        {{ to_flag('cppr_cp_review_quorate') }} as cp_review_quorate,
        {{ to_text('cppr_cp_review_participation') }} as cp_review_participation,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
