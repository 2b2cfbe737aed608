-- SSDA903 Header of the collection year: one row per child looked after at any time in the year (a child with an
-- episode in returns.ssda903_episodes of the year) and per care leaver in the year's OC3 (with no MOTHER or MC_DOB
-- when not looked after in the year: DfE rule 628).
-- SEX: the year's 903 code (1/2 in 2023-24, M/F from 2024-25: macros/ssda903_codes.sql) from the SSD sex. ETHNIC: the SSD ethnicity when it is one of DfE's
-- codes. UPN: the child's 'Unique Pupil Number' identifier (valid at 31 March, else the latest recorded), else the
-- SSD's UPN-unknown code (UN1-UN5). MOTHER (female children only; blank for males): 1 when the child has a child
-- born by 31 March (ssd_mother), or the SSD marks her a mother and records no child's birth (a flag with only a birth
-- after 31 March is today's, not the year's: DfE rule 611), else 0. MC_DOB: the date of birth of her first child
-- ("the DOB of the mother's first child is required"). Neither for a child whose every episode of the year is a short
-- break (V3/V4: DfE rule 399). Rows in CHILD order.
{%- set ethnic_codes = ['WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN',
                        'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT'] %}
with looked_after as (
    select person_id, min(case when ls in ('V3', 'V4') then 1 else 0 end) = 1 as only_short_breaks
    from {{ ref('int_ssda903__episodes') }}
    where decom <= {{ collection_year_end() }}
        and (dec is null or dec >= {{ collection_year_start() }})
    group by person_id
),

-- the care leavers of the year's OC3 too: every child of the return has a header row (DfE rule INT06)
children as (
    select person_id, true as is_looked_after, only_short_breaks from looked_after
    union all
    select "CHILD" as person_id, false as is_looked_after, false as only_short_breaks
    from {{ ref('ssda903_oc3') }}
    where collection_year = {{ collection_year() }}
        and "CHILD" not in (select person_id from looked_after)
),

upn as (
    {{ upn_on(collection_year_end()) }}
),

first_child as (
    select
        person_id,
        min(case when childs_dob <= {{ collection_year_end() }} then childs_dob end) as first_child_dob,
        max(case when childs_dob > {{ collection_year_end() }} then 1 else 0 end) = 1 as has_later_birth
    from {{ ref('stg_ssd__mother') }}
    group by person_id
),

shaped as (
    select
        c.person_id,
        {{ sex_903('p.sex', 'p.gender') }} as sex,
        p.dob,
        {{ code_in('p.ethnicity', ethnic_codes) }} as ethnic,
        coalesce(u.upn, {{ code_in('p.upn_unknown', ['UN1', 'UN2', 'UN3', 'UN4', 'UN5']) }}) as upn,
        p.is_mother,
        fc.first_child_dob,
        coalesce(fc.has_later_birth, false) and fc.first_child_dob is null as has_later_birth_only,
        c.is_looked_after,
        c.only_short_breaks
    from children as c
    left join {{ ref('stg_ssd__person') }} as p
        on p.person_id = c.person_id
    left join upn as u
        on u.person_id = c.person_id
    left join first_child as fc
        on fc.person_id = c.person_id
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('person_id') }}) - 1 as bigint) as row_id,
    person_id as "CHILD",
    {{ ssda903_code('SEX', 'sex') }} as "SEX",
    dob as "DOB",
    ethnic as "ETHNIC",
    upn as "UPN",
    case
        when sex = '1' or not is_looked_after or only_short_breaks then null
        when first_child_dob is not null or (coalesce(is_mother, false) and not has_later_birth_only) then '1'
        else '0'
    end as "MOTHER",
    case when sex = '1' or not is_looked_after or only_short_breaks then null else first_child_dob end as "MC_DOB"
from shaped
