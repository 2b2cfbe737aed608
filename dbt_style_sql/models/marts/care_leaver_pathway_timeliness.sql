-- Care leavers' pathway plan reviews (CPPCR regs 42-44; Care Leavers (England) Regulations 2010): each review is due
-- within 6 months of the previous one. ssd_care_leavers holds the latest pathway plan review date per row, so the
-- chain is the distinct review dates seen for the young person; the last one gives the open item. The needs
-- assessment clock (16th birthday -> needs assessment, 3 months) is not measurable: SSD has no needs-assessment date.
-- Excluded: no current eligibility (latest row: the one with the latest review date, an undated row only if no row
-- has one), or the 21st birthday before the due date without a review.
-- Exclusions, in this order: due_before_extract_history (due before history_start(): the extract holds only var
-- extract_history_years years of events; timeliness_conventions), then not_eligible, aged_21_before_due.
with rows_ as (
    select
        person_id,
        pathway_plan_review_date,
        care_leaver_eligibility,
        care_leaver_allocated_team,
        table_id
    from {{ ref('stg_ssd__care_leavers') }}
    where person_id is not null
),

latest as (
    select person_id, care_leaver_eligibility, care_leaver_allocated_team
    from (
        select
            *,
            -- the latest dated row; undated rows rank after every dated one (explicit NULLS LAST: PostgreSQL
            -- would otherwise put nulls first in a descending order, DuckDB last)
            row_number() over (
                partition by person_id
                order by pathway_plan_review_date desc nulls last, table_id desc nulls last
            ) as row_rank
        from rows_
    ) as ranked
    where row_rank = 1
),

points as (
    select distinct person_id, pathway_plan_review_date as point_date
    from rows_
    where pathway_plan_review_date is not null
        and pathway_plan_review_date <= {{ as_at_date() }}
),

chain as (
    select
        person_id,
        row_number() over (partition by person_id order by point_date) as review_number,
        point_date as previous_date,
        lead(point_date) over (partition by person_id order by point_date) as event_date
    from points
),

items as (
    select
        ch.person_id || '|' || cast(ch.review_number as {{ dbt.type_string() }}) as item_key,
        ch.person_id,
        ch.review_number,
        ch.previous_date,
        {{ add_months('ch.previous_date', var('pathway_plan_review_months')) }} as due_date,
        ch.event_date,
        l.care_leaver_eligibility,
        l.care_leaver_allocated_team,
        {{ add_months('ps.dob', 252) }} as twenty_first_birthday
    from chain as ch
    inner join latest as l
        on l.person_id = ch.person_id
    left join {{ ref('stg_ssd__person') }} as ps
        on ps.person_id = ch.person_id
),

classified as (
    select
        *,
        case
            when due_date < {{ history_start() }} then 'due_before_extract_history'
            when event_date is null
                and (care_leaver_eligibility is null or upper(care_leaver_eligibility) like 'NO %'
                    or upper(care_leaver_eligibility) like 'QUALIFYING%') then 'not_eligible'
            when twenty_first_birthday is not null and twenty_first_birthday < due_date
                then 'aged_21_before_due'
        end as exclusion_reason,
        {{ team_date('due_date') }} as team_date
    from items
),

teams as (
    {{ team_on_date('classified') }}
)

select
    c.item_key as pathway_item_key,
    c.person_id,
    c.review_number,
    c.previous_date as previous_review_date,
    c.due_date,
    c.event_date,
    {{ days_between('c.previous_date', 'c.event_date') }} as days_since_previous,
    {{ due_item_outcome('c.event_date', 'c.due_date', 'c.exclusion_reason') }} as outcome,
    c.exclusion_reason,
    c.care_leaver_eligibility,
    coalesce(c.care_leaver_allocated_team, t.team_id, 'UNALLOCATED') as team
from classified as c
left join teams as t
    on t.item_key = c.item_key
