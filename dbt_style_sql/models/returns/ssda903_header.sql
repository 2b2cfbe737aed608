-- SSDA903 Header of the collection year: one row per child looked after at any time in the year (a child with an
-- episode in returns.ssda903_episodes of the year) and per care leaver in the year's OC3 (with no MOTHER or MC_DOB
-- when not looked after in the year: DfE rule 628).
-- SEX: the year's 903 code (1/2 in 2023-24, M/F from 2024-25: macros/ssda903_codes.sql) from the SSD sex. ETHNIC: the SSD ethnicity when it is one of DfE's
-- codes. UPN: the child's 'Unique Pupil Number' identifier (valid at 31 March, else the latest recorded), else the
-- SSD's UPN-unknown code (UN1-UN5). MOTHER (female children only; blank for males): 1 when the child has a child
-- born by 31 March (ssd_mother) or the SSD marks her a mother, else 0. MC_DOB: the date of birth of her first child
-- ("the DOB of the mother's first child is required"). Rows in CHILD order.
{%- set ethnic_codes = ['WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN',
                        'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT'] %}
with looked_after as (
    select person_id
    from {{ ref('int_ssda903__episodes') }}
    where decom <= {{ collection_year_end() }}
        and (dec is null or dec >= {{ collection_year_start() }})
),

-- the care leavers of the year's OC3 too: every child of the return has a header row (DfE rule INT06)
children as (
    select person_id, true as is_looked_after from looked_after
    union
    select "CHILD" as person_id, false as is_looked_after
    from {{ ref('ssda903_oc3') }}
    where collection_year = {{ collection_year() }}
        and "CHILD" not in (select person_id from looked_after)
),

upn as (
    select person_id, identifier_value
    from (
        select
            person_id,
            upper(replace(identifier_value, ' ', '')) as identifier_value,
            row_number() over (
                partition by person_id
                order by
                    case when coalesce(valid_from_date, {{ collection_year_end() }}) <= {{ collection_year_end() }}
                        and coalesce(valid_to_date, {{ open_end_date() }}) >= {{ collection_year_end() }}
                        then 0 else 1 end,
                    valid_from_date desc nulls last,
                    table_id desc
            ) as pick
        from {{ ref('stg_ssd__linked_identifiers') }}
        where lower(trim(identifier_type)) = 'unique pupil number'
            and nullif(trim(identifier_value), '') is not null
    ) as ranked
    where pick = 1
),

first_child as (
    select person_id, min(childs_dob) as first_child_dob
    from {{ ref('stg_ssd__mother') }}
    where childs_dob <= {{ collection_year_end() }}
    group by person_id
),

shaped as (
    select
        c.person_id,
        {{ sex_903('p.sex', 'p.gender') }} as sex,
        p.dob,
        {{ code_in('p.ethnicity', ethnic_codes) }} as ethnic,
        coalesce(u.identifier_value, {{ code_in('p.upn_unknown', ['UN1', 'UN2', 'UN3', 'UN4', 'UN5']) }}) as upn,
        p.is_mother,
        fc.first_child_dob,
        c.is_looked_after
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
        when sex = '1' or not is_looked_after then null
        when first_child_dob is not null or coalesce(is_mother, false) then '1'
        else '0'
    end as "MOTHER",
    case when sex = '1' or not is_looked_after then null else first_child_dob end as "MC_DOB"
from shaped
