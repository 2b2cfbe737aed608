-- CIN census ChildIdentifiers of the collection year: one row per child with an episode in cin_details of the year.
-- UPN valid on 31 March (else the latest recorded), else UPNunknown (UN1-UN7); the expected date of birth only for
-- an unborn child; the sex as the year's element (GenderCurrent 1/2/0 to 2023-24, Sex M/F/U from 2024-25:
-- macros/cin_codes.sql); a death by 31 March. Rows in LAchildID order.
with children as (
    select distinct "LAchildID" as person_id
    from {{ ref('cin_details') }}
    where collection_year = {{ collection_year() }}
),

upn as (
    {{ upn_on(collection_year_end()) }}
),

shaped as (
    select
        c.person_id,
        u.upn,
        p.upn_unknown,
        p.dob,
        p.expected_dob,
        coalesce({{ sex_903('p.sex', 'p.gender') }}, '0') as sex,
        case when p.death_date <= {{ collection_year_end() }} then p.death_date end as death_date
    from children as c
    left join {{ ref('stg_ssd__person') }} as p
        on p.person_id = c.person_id
    left join upn as u
        on u.person_id = c.person_id
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('person_id') }}) - 1 as bigint) as row_id,
    person_id as "LAchildID",
    upn as "UPN",
    cast(null as {{ dbt.type_string() }}) as "FormerUPN",
    case when upn is null then {{ code_in('upn_unknown', ['UN1', 'UN2', 'UN3', 'UN4', 'UN5', 'UN6', 'UN7']) }} end
        as "UPNunknown",
    dob as "PersonBirthDate",
    case when dob is null then expected_dob end as "ExpectedPersonBirthDate",
    {{ cin_code('GenderCurrent', 'sex') }} as "GenderCurrent",
    {{ cin_code('Sex', 'sex') }} as "Sex",
    death_date as "PersonDeathDate"
from shaped
