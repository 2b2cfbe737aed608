-- ssd_cla_previous_permanence: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_cla_previous_permanence') }} as valid
),

renamed as (
    select
        {{ to_text('lapp_table_id') }} as table_id,
        {{ to_text('lapp_person_id') }} as person_id,
        {{ to_text('lapp_previous_permanence_order_date') }} as previous_permanence_order_date,
        {{ to_text('lapp_previous_permanence_option') }} as previous_permanence_option,
        {{ to_text('lapp_previous_permanence_la') }} as previous_permanence_la,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
