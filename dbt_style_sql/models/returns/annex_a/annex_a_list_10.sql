-- Ofsted's Annex A List 10 (adoption): every child with a decision that they should be placed for adoption
-- (ssd_permanence perm_adm_decision_date) standing at some time in the window: made by its last day, not reversed
-- before its first, and the child not adopted before its first; one row per child (the latest such decision).
--   family identifier: blank (the SSD's ssd_family is not in the extract);
--   date the child entered care: the start of the period of care of the decision (the period of the record's
--     perm_cla_id, else the one in force on the decision date, else the latest begun before it);
--   dates of the placement order, matching, placement for adoption, the FFA / concurrent planning placement and the
--     decision's reversal (with its reason RD1-RD4): the record's, when on or before the window's end;
--   date of adoption order: the record's order date where its order type is adoption, else the end of the child's
--     period of care by adoption (SSDA903 E11 / E12) on or after the decision, when on or before the window's end.
-- Rows in child order.
with adopted as (
    select person_id, period_end
    from {{ ref('int_cla__periods_of_care') }}
    where {{ annex_a_code_text('period_end_reason') }} in ('E11', 'E12')
        and period_end is not null
),

decisions as (
    select
        pm.*,
        coalesce(
            case when {{ annex_a_code_text('pm.permanence_order_type') }} like 'ADOPT%' then pm.permanence_order_date end,
            (select min(a.period_end) from adopted as a
             where a.person_id = pm.person_id and a.period_end >= pm.adm_decision_date)
        ) as adoption_order_date
    from {{ ref('stg_ssd__permanence') }} as pm
    where pm.person_id is not null
        and pm.adm_decision_date is not null
        and pm.adm_decision_date <= {{ annex_a_window_end() }}
        and pm.adm_decision_date <= {{ as_at_date() }}
),

standing as (
    select *
    from (
        select
            d.*,
            row_number() over (
                partition by d.person_id
                order by d.adm_decision_date desc, {{ binary_text_order('d.table_id') }} desc nulls last
            ) as decision_rank
        from decisions as d
        where (d.decision_reversed_date is null or d.decision_reversed_date >= {{ annex_a_window_start() }})
            and (d.adoption_order_date is null or d.adoption_order_date >= {{ annex_a_window_start() }})
    ) as ranked
    where decision_rank = 1
),

entered_care as (
    select person_id, period_start
    from (
        select
            s.person_id,
            p.period_start,
            row_number() over (
                partition by s.person_id
                order by
                    case
                        when p.cla_id = s.cla_id then 0
                        when p.period_start <= s.adm_decision_date
                            and (p.period_end is null or p.period_end >= s.adm_decision_date) then 1
                        when p.period_start <= s.adm_decision_date then 2
                        else 3
                    end,
                    p.period_start desc
            ) as period_rank
        from standing as s
        inner join {{ ref('int_cla__periods_of_care') }} as p
            on p.person_id = s.person_id
    ) as ranked
    where period_rank = 1
)

select
    cast(row_number() over (order by {{ binary_text_order('s.person_id') }}) - 1 as bigint) as row_id,
    s.person_id as child_id,
    cast(null as {{ dbt.type_string() }}) as family_identifier,
    {{ annex_a_child_columns('ch') }},
    {{ annex_a_child_disability('ch') }} as has_disability,
    e.period_start as date_the_child_entered_care,
    s.adm_decision_date as adoption_decision_date,
    {{ annex_a_by_end('s.placement_order_date') }} as date_of_placement_order,
    {{ annex_a_by_end('s.matched_date') }} as matched_date,
    {{ annex_a_by_end('s.placed_for_adoption_date') }} as date_placed_for_adoption,
    {{ annex_a_by_end('s.adoption_order_date') }} as date_of_adoption_order,
    {{ annex_a_by_end('s.decision_reversed_date') }} as no_longer_adoption_decision_date,
    case when s.decision_reversed_date <= {{ annex_a_window_end() }}
        then {{ annex_a_adoption_reversal_reason('s.decision_reversed_reason') }} end as no_longer_adoption_reason,
    {{ annex_a_by_end('s.placed_ffa_cp_date') }} as ffa_placement_date
from standing as s
left join entered_care as e
    on e.person_id = s.person_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = s.person_id
