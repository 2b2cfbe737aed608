-- ssd_department: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_department') }} as valid
),

renamed as (
    select
        {{ to_text('dept_team_id') }} as team_id,
        {{ to_text('dept_team_name') }} as team_name,
        {{ to_text('dept_team_parent_id') }} as team_parent_id,
        {{ to_text('dept_team_parent_name') }} as team_parent_name,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
