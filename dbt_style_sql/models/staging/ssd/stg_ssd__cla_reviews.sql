-- ssd_cla_reviews: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_reviews') }} as valid
),

renamed as (
    select
        {{ to_text('clar_cla_review_id') }} as cla_review_id,
        {{ to_text('clar_cla_id') }} as cla_id,
        {{ to_date('clar_cla_review_due_date') }} as cla_review_due_date,
        {{ to_date('clar_cla_review_date') }} as cla_review_date,
        {{ to_flag('clar_cla_review_cancelled') }} as cla_review_cancelled,
        {{ to_text('clar_cla_review_participation') }} as cla_review_participation,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
