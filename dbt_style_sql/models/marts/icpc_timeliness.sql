-- Initial child protection conferences: strategy discussion that started the S47 (S47 start date, day 0) -> ICPC date,
-- within {{ var('icpc_working_days') }} working days (Working Together; CIN census N00148). One row per S47 enquiry.
-- Excluded: no ICPC needed (NFA, or S47 ended with its outcome's CP conference flag not Y, with no conference),
-- transfer-in conferences, and conferences dated before the S47 start (kept out of durations). An open S47 past 15
-- working days with no ICPC is overdue (8675Q). The S47 end date is when the enquiry was completed/authorised, often
-- before the conference it calls: an S47 that ended with the flag Y is judged like an open one (overdue /
-- not_yet_due until its ICPC is held). A conference without icpc_s47_enquiry_id (optional in the SSD) counts for the
-- child's latest S47 started on or before it (same referral where both name one).
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then transfer_in_conference, icpc_before_s47_start,
-- icpc_not_required.
with s47 as (
    select
        s.s47_enquiry_id,
        s.person_id,
        s.referral_id,
        s.s47_start_date,
        {{ known_by_as_at('s.s47_end_date') }} as s47_end_date,
        coalesce(s.s47_nfa, false) as is_nfa,
        coalesce(s.s47_cp_conference_flag, false) as is_conference_called,
        s.s47_completed_by_team
    from {{ ref('stg_ssd__s47_enquiry') }} as s
    where s.s47_enquiry_id is not null
        and s.s47_start_date is not null
        and s.s47_start_date <= {{ as_at_date() }}
),

known_conferences as (
    select *
    from {{ ref('stg_ssd__initial_cp_conference') }}
    where icpc_date is not null
        and icpc_date <= {{ as_at_date() }}
),

unlinked_matched as (
    -- icpc_s47_enquiry_id is optional in the SSD: a conference without it (not a transfer-in) belongs to the
    -- child's latest S47 started on or before it, of the same referral where both name one; otherwise the S47 it
    -- concluded would show overdue
    select s47_enquiry_id, icpc_date, icpc_transfer_in, icpc_team
    from (
        select
            s.s47_enquiry_id,
            c.icpc_date,
            c.icpc_transfer_in,
            c.icpc_team,
            row_number() over (
                partition by c.icpc_id order by s.s47_start_date desc, s.s47_enquiry_id desc
            ) as s47_rank
        from known_conferences as c
        inner join s47 as s
            on s.person_id = c.person_id
            and s.s47_start_date <= c.icpc_date
            and (c.referral_id is null or s.referral_id is null or s.referral_id = c.referral_id)
        where c.s47_enquiry_id is null
            and not coalesce(c.icpc_transfer_in, false)
    ) as ranked
    where s47_rank = 1
),

linked as (
    select s.s47_enquiry_id, s.s47_start_date, c.icpc_date, c.icpc_transfer_in, c.icpc_team
    from s47 as s
    inner join known_conferences as c
        on c.s47_enquiry_id = s.s47_enquiry_id
    union all
    select s.s47_enquiry_id, s.s47_start_date, m.icpc_date, m.icpc_transfer_in, m.icpc_team
    from s47 as s
    inner join unlinked_matched as m
        on m.s47_enquiry_id = s.s47_enquiry_id
),

conferences as (
    select
        s47_enquiry_id,
        min(case when icpc_date >= s47_start_date and not coalesce(icpc_transfer_in, false)
            then icpc_date end) as icpc_date,
        max(case when coalesce(icpc_transfer_in, false) then 1 else 0 end) as has_transfer_in,
        max(case when icpc_date < s47_start_date then 1 else 0 end) as has_icpc_before_start,
        min(icpc_team) as icpc_team
    from linked
    group by s47_enquiry_id
),

items as (
    select
        s.*,
        due.calendar_date as due_date,
        c.icpc_date as event_date,
        case when c.icpc_date is not null then ev_cal.working_day_index - due_start.working_day_index end
            as working_days,
        c.icpc_team,
        case
            when due.calendar_date < {{ history_start() }} then 'due_before_extract_history'
            when coalesce(c.has_transfer_in, 0) = 1 and c.icpc_date is null then 'transfer_in_conference'
            when coalesce(c.has_icpc_before_start, 0) = 1 and c.icpc_date is null then 'icpc_before_s47_start'
            -- ended with a conference called (flag Y): not excluded, the ICPC is still due
            when c.icpc_date is null and (s.is_nfa or (s.s47_end_date is not null and not s.is_conference_called))
                then 'icpc_not_required'
        end as exclusion_reason
    from s47 as s
    left join conferences as c
        on c.s47_enquiry_id = s.s47_enquiry_id
    {{ join_working_day_due('due', 's.s47_start_date', var('icpc_working_days')) }}
    {{ join_calendar('ev_cal', 'c.icpc_date') }}
),

classified as (
    select *, s47_enquiry_id as item_key, {{ team_date('due_date') }} as team_date from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.s47_enquiry_id as s47_id,
    c.person_id,
    c.referral_id,
    c.s47_start_date as s47_start,
    c.s47_end_date as s47_end,
    c.due_date,
    c.event_date,
    c.working_days,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    coalesce(c.icpc_team, c.s47_completed_by_team, t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
