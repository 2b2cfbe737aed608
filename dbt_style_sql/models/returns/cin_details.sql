-- CIN census CINdetails of the collection year: every children-in-need episode (an SSD referral) open at any time
-- in the census year (referred by 31 March and not closed before 1 April; closures after the as-at date are not yet
-- known). The closure and its reason only when by 31 March; DateOfInitialCPC the episode's first initial child
-- protection conference by 31 March that is not recorded in the census's Section47 module (one that followed a
-- section 47 enquiry of the year is recorded there, and only there: DfE rules 2884 and 2885); ReferralNFA 1 when the
-- referral led to no further action. The census's other tables hang off these episodes (CINdetailsID, the referral
-- id). Rows in LAchildID, CINreferralDate order.
{%- set referral_sources = ['1A', '1B', '1C', '1D', '2A', '2B', '3A', '3B', '3C', '3D', '3E', '3F', '4', '5A', '5B',
                            '5C', '5D', '6', '7', '8', '9', '10'] %}
with episodes as (
    select c.person_id, c.referral_id, c.referral_date, c.close_date, c.close_reason, c.is_nfa,
           e.referral_source_code, e.cin_primary_need_code
    from {{ ref('int_cin__episode_chains') }} as c
    left join {{ ref('stg_ssd__cin_episodes') }} as e
        on e.referral_id = c.referral_id
    where {{ open_in_year('c.referral_date', 'c.close_date') }}
),

icpc as (
    select i.referral_id, min(i.icpc_date) as icpc_date
    from {{ ref('stg_ssd__initial_cp_conference') }} as i
    where i.icpc_date <= {{ collection_year_end() }} and i.icpc_date <= {{ as_at_date() }}
        -- the enquiry it followed is in the year's Section47 module (as cin_section47 selects enquiries)
        and not exists (
            select 1
            from {{ ref('stg_ssd__s47_enquiry') }} as s
            inner join episodes as se
                on se.referral_id = s.referral_id
            where s.s47_enquiry_id = i.s47_enquiry_id
                and {{ open_in_year('s.s47_start_date', 's.s47_end_date') }}
        )
    group by i.referral_id
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('e.person_id') }}, e.referral_date,
                            {{ binary_text_order('e.referral_id') }}) - 1 as bigint) as row_id,
    e.person_id as "LAchildID",
    e.referral_id as "CINdetailsID",
    e.referral_date as "CINreferralDate",
    {{ code_in('e.referral_source_code', referral_sources) }} as "ReferralSource",
    {{ code_in('e.cin_primary_need_code', ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'N0']) }}
        as "PrimaryNeedCode",
    case when e.close_date <= {{ collection_year_end() }} then e.close_date end as "CINclosureDate",
    case when e.close_date <= {{ collection_year_end() }} then
        {{ code_in('e.close_reason', ['RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6', 'RC7', 'RC8', 'RC9']) }} end
        as "ReasonForClosure",
    i.icpc_date as "DateOfInitialCPC",
    case when e.is_nfa then '1' else '0' end as "ReferralNFA"
from episodes as e
left join icpc as i
    on i.referral_id = e.referral_id
