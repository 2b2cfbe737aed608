-- ssd_permanence: renamed (table prefix dropped) and typed; rows quarantined by validation are left out.
with source as (
    select * from {{ valid_rows('ssd_permanence') }} as valid
),

renamed as (
    select
        {{ to_text('perm_table_id') }} as table_id,
        {{ to_text('perm_person_id') }} as person_id,
        {{ to_text('perm_cla_id') }} as cla_id,
        {{ to_date('perm_adm_decision_date') }} as adm_decision_date,
        {{ to_date('perm_ffa_cp_decision_date') }} as ffa_cp_decision_date,
        {{ to_date('perm_placement_order_date') }} as placement_order_date,
        {{ to_date('perm_placed_for_adoption_date') }} as placed_for_adoption_date,
        {{ to_date('perm_matched_date') }} as matched_date,
        {{ to_flag('perm_adopted_by_carer_flag') }} as adopted_by_carer_flag,
        {{ to_date('perm_placed_ffa_cp_date') }} as placed_ffa_cp_date,
        {{ to_date('perm_decision_reversed_date') }} as decision_reversed_date,
        {{ to_date('perm_placed_foster_carer_date') }} as placed_foster_carer_date,
        {{ to_flag('perm_part_of_sibling_group') }} as part_of_sibling_group,
        {{ to_int('perm_siblings_placed_together') }} as siblings_placed_together,
        {{ to_int('perm_siblings_placed_apart') }} as siblings_placed_apart,
        {{ to_text('perm_placement_provider_urn') }} as placement_provider_urn,
        {{ to_text('perm_decision_reversed_reason') }} as decision_reversed_reason,
        {{ to_date('perm_permanence_order_date') }} as permanence_order_date,
        {{ to_text('perm_permanence_order_type') }} as permanence_order_type,
        {{ to_text('perm_adoption_worker_id') }} as adoption_worker_id,
        {{ to_text('perm_adopter_sex') }} as adopter_sex,
        {{ to_text('perm_adopter_legal_status') }} as adopter_legal_status,
        {{ to_text('perm_number_of_adopters') }} as number_of_adopters,
        _row_key,
        _extracted_at
    from source
)

select * from renamed
