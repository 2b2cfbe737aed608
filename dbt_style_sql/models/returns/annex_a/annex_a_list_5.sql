-- Ofsted's Annex A List 5 (section 47 enquiries and initial child protection conferences): every section 47 enquiry
-- (ssd_s47_enquiry) open at any time in the window (started by its last day, not ended before its first); one row
-- per enquiry. Its conference: the first initial child protection conference of the enquiry (icpc_s47_enquiry_id)
-- held by the window's end.
--   icpc_not_required: False when a conference was held or the enquiry's outcome called one (CP_CONFERENCE_FLAG);
--     True when the enquiry ended (by the window's end) with neither; blank while it is open and undecided;
--   icpc_resulted_in_plan: only where a conference was held: its outcome CP flag, else True when a child protection
--     plan names the conference (or the conference names a plan), else Unknown;
--   s47_in_last_12_months: the child's enquiries started in the 12 months up to and including this one's start
--     (this one included); icpcs_in_last_12_months: the child's initial conferences held in the 12 months up to and
--     including this enquiry's conference (its start when none was held);
--   allocated team / worker: the enquiry's own (completed by), else the conference's, else the child's allocation
--     on the start date, else UNALLOCATED.
-- Rows in child, start date, enquiry id order.
with enquiries as (
    select
        s47_enquiry_id,
        person_id,
        s47_start_date,
        {{ annex_a_by_end('s47_end_date') }} as s47_end_known,
        s47_cp_conference_flag,
        s47_completed_by_team,
        s47_completed_by_worker_id
    from {{ ref('stg_ssd__s47_enquiry') }}
    where person_id is not null
        and s47_start_date is not null
        and s47_start_date <= {{ as_at_date() }}
        and {{ annex_a_open_in_window('s47_start_date', 's47_end_date') }}
),

conferences as (
    select icpc_id, s47_enquiry_id, person_id, cp_plan_id, icpc_date, icpc_outcome_cp_flag, icpc_team,
        icpc_worker_id
    from {{ ref('stg_ssd__initial_cp_conference') }}
    where icpc_date is not null
        and icpc_date <= {{ annex_a_window_end() }}
        and icpc_date <= {{ as_at_date() }}
),

first_conference as (
    select *
    from (
        select
            c.*,
            row_number() over (partition by c.s47_enquiry_id order by c.icpc_date, c.icpc_id) as conference_rank
        from conferences as c
        where c.s47_enquiry_id is not null
    ) as ranked
    where conference_rank = 1
),

-- a plan naming the conference, or the conference naming the plan: two equality joins, not one join on "a or b",
-- which no engine can hash (DuckDB compared every pair: 302 s at scale 150, 0.4 s as two joins)
plan_of_conference as (
    select f.icpc_id
    from first_conference as f
    inner join {{ ref('int_cp__plan_chains') }} as p
        on p.icpc_id = f.icpc_id
    union
    select f.icpc_id
    from first_conference as f
    inner join {{ ref('int_cp__plan_chains') }} as p
        on p.cp_plan_id = f.cp_plan_id
),

shaped as (
    select
        e.*,
        f.icpc_id,
        f.icpc_date,
        f.icpc_outcome_cp_flag,
        f.icpc_team,
        f.icpc_worker_id,
        pc.icpc_id is not null as has_plan
    from enquiries as e
    left join first_conference as f
        on f.s47_enquiry_id = e.s47_enquiry_id
    left join plan_of_conference as pc
        on pc.icpc_id = f.icpc_id
),

s47_counts as (
    select s.s47_enquiry_id, count(*) as enquiries
    from shaped as s
    inner join {{ ref('stg_ssd__s47_enquiry') }} as o
        on o.person_id = s.person_id
        and o.s47_start_date >= {{ add_months('s.s47_start_date', -12) }}
        and o.s47_start_date <= s.s47_start_date
    group by s.s47_enquiry_id
),

icpc_counts as (
    select s.s47_enquiry_id, count(distinct o.icpc_id) as conferences
    from shaped as s
    inner join conferences as o
        on o.person_id = s.person_id
        and o.icpc_date >= {{ add_months('coalesce(s.icpc_date, s.s47_start_date)', -12) }}
        and o.icpc_date <= coalesce(s.icpc_date, s.s47_start_date)
    group by s.s47_enquiry_id
),

items as (
    select s47_enquiry_id as item_key, person_id, s47_start_date as team_date from shaped
),

allocations as (
    {{ annex_a_allocation('items') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('s.person_id') }}, s.s47_start_date,
                            {{ binary_text_order('s.s47_enquiry_id') }}) - 1 as bigint) as row_id,
    s.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    {{ annex_a_child_disability('ch') }} as has_disability,
    s.s47_start_date,
    case
        when s.icpc_date is not null or coalesce(s.s47_cp_conference_flag, false) then 'False'
        when s.s47_end_known is not null then 'True'
    end as icpc_not_required,
    s.icpc_date,
    case
        when s.icpc_date is null then null
        when s.icpc_outcome_cp_flag is not null then {{ annex_a_flag('s.icpc_outcome_cp_flag') }}
        when s.has_plan then 'True'
        else 'Unknown'
    end as icpc_resulted_in_plan,
    cast(coalesce(n47.enquiries, 1) as integer) as s47_in_last_12_months,
    cast(coalesce(nc.conferences, 0) as integer) as icpcs_in_last_12_months,
    {{ annex_a_text_or(['s.s47_completed_by_team', 's.icpc_team', 'a.team_id'], 'UNALLOCATED') }} as allocated_team,
    {{ annex_a_text_or(['s.s47_completed_by_worker_id', 's.icpc_worker_id', 'a.worker_id'], 'UNALLOCATED') }}
        as allocated_worker
from shaped as s
left join s47_counts as n47
    on n47.s47_enquiry_id = s.s47_enquiry_id
left join icpc_counts as nc
    on nc.s47_enquiry_id = s.s47_enquiry_id
left join allocations as a
    on a.item_key = s.s47_enquiry_id
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = s.person_id
