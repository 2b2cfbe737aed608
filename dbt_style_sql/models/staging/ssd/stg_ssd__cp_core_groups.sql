-- ssd_cp_core_groups (cs_pipeline extension to the SSD): renamed (table prefix dropped) and typed; rows quarantined
-- by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cp_core_groups') }} as valid
),

renamed as (
    select
        {{ to_text('cpcg_core_group_id') }} as core_group_id,
        {{ to_text('cpcg_person_id') }} as person_id,
        {{ to_text('cpcg_cp_plan_id') }} as cp_plan_id,
        {{ to_date('cpcg_meeting_date') }} as meeting_date,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
