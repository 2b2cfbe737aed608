-- Ofsted's Annex A List 1 (contacts): every contact (ssd_contacts) dated in the window, both ends included; one row
-- per contact. Contact source from the contact's source code (the CIN census referral source codes,
-- macros/annex_a_codes.sql annex_a_source; none or unknown: "k) Unknown"). Rows in child, contact date, contact id
-- order.
with contacts as (
    select contact_id, person_id, contact_date, contact_source_code
    from {{ ref('stg_ssd__contacts') }}
    where person_id is not null
        and {{ annex_a_in_window('contact_date') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('c.person_id') }}, c.contact_date,
                            {{ binary_text_order('c.contact_id') }}) - 1 as bigint) as row_id,
    c.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    c.contact_date as date_of_contact,
    {{ annex_a_source('c.contact_source_code') }} as contact_source
from contacts as c
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = c.person_id
