-- Children-in-need episodes (referrals) in order for each child: the referral number, the previous referral and
-- whether this is a re-referral within 12 months of the previous one. Closure dates after the as-at date are unknown.
with referrals as (
    select
        referral_id,
        person_id,
        referral_date,
        {{ known_by_as_at('close_date') }} as close_date,
        close_reason,
        coalesce(referral_nfa, false) as is_nfa,
        referral_team,
        referral_worker_id
    from {{ ref('stg_ssd__cin_episodes') }}
    where referral_id is not null
        and referral_date is not null
        and referral_date <= {{ as_at_date() }}
),

ordered as (
    select
        *,
        row_number() over (partition by person_id order by referral_date, referral_id) as referral_number,
        lag(referral_date) over (partition by person_id order by referral_date, referral_id) as previous_referral_date
    from referrals
)

select
    *,
    coalesce(previous_referral_date >= {{ add_months('referral_date', -12) }}, false) as is_re_referral_12m
from ordered
