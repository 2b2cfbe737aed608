-- ssd_involvements: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_involvements') }} as valid
),

renamed as (
    select
        {{ to_text('invo_involvements_id') }} as involvements_id,
        {{ to_text('invo_professional_id') }} as professional_id,
        {{ to_text('invo_professional_role_id') }} as professional_role_id,
        {{ to_text('invo_professional_team') }} as professional_team,
        {{ to_date('invo_involvement_start_date') }} as involvement_start_date,
        {{ to_date('invo_involvement_end_date') }} as involvement_end_date,
        {{ to_text('invo_worker_change_reason') }} as worker_change_reason,
        {{ to_text('invo_person_id') }} as person_id,
        {{ to_text('invo_referral_id') }} as referral_id,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
