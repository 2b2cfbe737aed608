-- SSDA903 AD1: children adopted in the collection year, one row per child: a period of care that ceased in the year
-- with reason E11 or E12 (adopted: application unopposed / opposed). The adoption details come from the child's
-- ssd_permanence record for that period (perm_cla_id = the period's cla_id), else the child's latest record with a
-- decision date (perm_adm_decision_date):
--   DATE_INT     date of the decision that the child should be placed for adoption (perm_adm_decision_date; SSD maps
--                PERM003A to DATE_INT);
--   DATE_MATCH   date the child was matched with the prospective adopters (perm_matched_date);
--   FOSTER_CARE  adopted by their former foster carer(s): 1 / 0 (perm_adopted_by_carer_flag);
--   NB_ADOPTR    number of adopters (perm_number_of_adopters);
--   SEX_ADOPTR   M1, F1, MM, FF, MF (perm_adopter_sex);
--   LS_ADOPTR    L0, L11, L12, L2, L3, L4 (perm_adopter_legal_status).
-- Codes are upper-cased and otherwise passed as recorded: an invalid code is the validator's to flag (rules 175-177).
with bounds as (
    select
        {{ collection_year() }} as collection_year,
        {{ collection_year_start() }} as year_start,
        {{ collection_year_end() }} as year_end
),

adopted as (
    select person_id, cla_id, period_end
    from (
        select
            p.person_id,
            p.cla_id,
            p.period_end,
            row_number() over (partition by p.person_id order by p.period_end desc) as adoption_rank
        from {{ ref('int_cla__periods_of_care') }} as p
        cross join bounds as b
        where upper(p.period_end_reason) in ('E11', 'E12')
            and p.period_end >= b.year_start
            and p.period_end <= b.year_end
    ) as ranked
    where adoption_rank = 1
),

permanence as (
    select person_id, adm_decision_date, matched_date, adopted_by_carer_flag, number_of_adopters, adopter_sex,
        adopter_legal_status
    from (
        select
            a.person_id,
            pm.adm_decision_date,
            pm.matched_date,
            pm.adopted_by_carer_flag,
            pm.number_of_adopters,
            pm.adopter_sex,
            pm.adopter_legal_status,
            row_number() over (
                partition by a.person_id
                order by
                    case when pm.cla_id = a.cla_id then 0 else 1 end,
                    case when pm.adm_decision_date is not null then 0 else 1 end,
                    pm.adm_decision_date desc nulls last,
                    {{ binary_text_order('pm.table_id') }} desc nulls last
            ) as record_rank
        from adopted as a
        inner join {{ ref('stg_ssd__permanence') }} as pm
            on pm.person_id = a.person_id
    ) as ranked
    where record_rank = 1
)

select
    b.collection_year,
    cast(row_number() over (order by {{ binary_text_order('a.person_id') }}) - 1 as bigint) as row_id,
    cast(a.person_id as {{ dbt.type_string() }}) as "CHILD",
    cast(ps.dob as date) as "DOB",
    cast(pm.adm_decision_date as date) as "DATE_INT",
    cast(pm.matched_date as date) as "DATE_MATCH",
    cast(case when pm.adopted_by_carer_flag then '1' when not pm.adopted_by_carer_flag then '0' end
        as {{ dbt.type_string() }}) as "FOSTER_CARE",
    cast(
        case
            when trim(pm.number_of_adopters) <> '' and length(trim(pm.number_of_adopters)) <= 2
                and trim(translate(trim(pm.number_of_adopters), '0123456789', '          ')) = ''
                then cast(trim(pm.number_of_adopters) as integer)
        end
    as integer) as "NB_ADOPTR",
    cast(upper(trim(pm.adopter_sex)) as {{ dbt.type_string() }}) as "SEX_ADOPTR",
    cast(upper(trim(pm.adopter_legal_status)) as {{ dbt.type_string() }}) as "LS_ADOPTR"
from adopted as a
cross join bounds as b
left join permanence as pm
    on pm.person_id = a.person_id
left join {{ ref('stg_ssd__person') }} as ps
    on ps.person_id = a.person_id
