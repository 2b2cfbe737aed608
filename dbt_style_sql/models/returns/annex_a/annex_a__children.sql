-- Ofsted's Annex A: each person's demographics as every list shows them (ephemeral, inlined into the lists): gender
-- and ethnicity as Ofsted's values (macros/annex_a_codes.sql), date of birth, age in whole years on the window's end
-- (null when the date of birth is unknown or after it: unborn), and whether the child has a disability (True /
-- False / Unknown, from ssd_disability; False when none is recorded, as the CIN census's NONE). One row per person.
{{ config(materialized='ephemeral') }}
with people as (
    select person_id, sex, gender, ethnicity, dob
    from (
        select
            *,
            row_number() over (partition by person_id order by _extracted_at desc, _row_key desc) as person_rank
        from {{ ref('stg_ssd__person') }}
        where person_id is not null
    ) as ranked
    where person_rank = 1
),

disability as (
    select person_id, max({{ annex_a_disability_weight('disability_code') }}) as weight
    from {{ ref('stg_ssd__disability') }}
    where person_id is not null
    group by person_id
)

select
    p.person_id,
    {{ annex_a_gender('p.sex', 'p.gender') }} as gender,
    {{ annex_a_ethnicity('p.ethnicity') }} as ethnicity,
    p.dob as date_of_birth,
    case when p.dob <= {{ annex_a_window_end() }} then {{ age_in_years('p.dob', annex_a_window_end()) }} end
        as age_years,
    {{ annex_a_disability('coalesce(d.weight, 2)') }} as has_disability
from people as p
left join disability as d
    on d.person_id = p.person_id
