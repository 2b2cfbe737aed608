-- Ofsted's Annex A List 3 (referrals): every referral (a CIN episode of int_cin__episode_chains, known by the as-at
-- date) dated in the window; one row per referral.
--   referral_nfa: the referral led to no further action (cine_referral_nfa; not recorded: False);
--   number_of_referrals_in_last_12_months: the child's referrals dated in the 12 months up to and including this
--     one's date (from the same date a year before, as int_cin__episode_chains' 12-month re-referral), this one
--     included, so at least 1;
--   allocated team / worker: the referral's own (cine_referral_team / _worker_id), else the child's allocation on the
--     referral date (worker involvements), else UNALLOCATED. Ids, not names.
-- Rows in child, referral date, referral id order.
with referrals as (
    select
        c.referral_id,
        c.person_id,
        c.referral_date,
        c.is_nfa,
        e.referral_source_code,
        e.referral_team,
        e.referral_worker_id
    from {{ ref('int_cin__episode_chains') }} as c
    left join {{ ref('stg_ssd__cin_episodes') }} as e
        on e.referral_id = c.referral_id
    where {{ annex_a_in_window('c.referral_date') }}
),

last_12_months as (
    select r.referral_id, count(*) as referrals
    from referrals as r
    inner join {{ ref('int_cin__episode_chains') }} as o
        on o.person_id = r.person_id
        and o.referral_date >= {{ add_months('r.referral_date', -12) }}
        and o.referral_date <= r.referral_date
    group by r.referral_id
),

items as (
    select referral_id as item_key, person_id, referral_date as team_date from referrals
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('r.person_id') }}, r.referral_date,
                            {{ binary_text_order('r.referral_id') }}) - 1 as bigint) as row_id,
    r.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    r.referral_date as date_of_referral,
    {{ annex_a_source('r.referral_source_code') }} as referral_source,
    {{ annex_a_flag('r.is_nfa', null_as='False') }} as referral_nfa,
    cast(coalesce(n.referrals, 1) as integer) as number_of_referrals_in_last_12_months,
    {{ annex_a_text_or(['r.referral_team', 'a.team_id'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['r.referral_worker_id', 'a.worker_id'], 'UNALLOCATED') }} as allocated_worker
from referrals as r
left join last_12_months as n
    on n.referral_id = r.referral_id
left join allocations as a
    on a.item_key = r.referral_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = r.person_id
