-- Ofsted's Annex A List 11 (adopters): one row per (prospective) adopter. The SSD holds no adopter records (no
-- enquiry, stage, approval or leaving dates; ssd_permanence describes children), so the list is built empty with
-- Ofsted's columns and the workbook writes its sheet with headers only.
select
    cast(null as bigint) as row_id,
    cast(null as {{ dbt.type_string() }}) as individual_adopter_identifier,
    cast(null as {{ dbt.type_string() }}) as family_identifier,
    cast(null as {{ dbt.type_string() }}) as gender,
    cast(null as {{ dbt.type_string() }}) as ethnicity,
    cast(null as {{ dbt.type_string() }}) as disability,
    cast(null as {{ dbt.type_string() }}) as adopter_fostering_for_adoption,
    cast(null as date) as date_enquiry_received,
    cast(null as date) as date_stage_1_started,
    cast(null as date) as date_stage_1_ended,
    cast(null as date) as date_stage_2_started,
    cast(null as date) as date_stage_2_ended,
    cast(null as date) as date_application_submitted,
    cast(null as date) as date_application_approved,
    cast(null as date) as date_adopter_matched_with_child_ren,
    cast(null as date) as children_placed_date,
    cast(null as integer) as no_of_children_placed,
    cast(null as date) as date_of_adoption_order,
    cast(null as date) as date_of_leaving_adoption_process,
    cast(null as {{ dbt.type_string() }}) as reason_for_leaving_adoption_process
where 1 = 0
