-- SSDA903 OC3: care leavers whose 17th, 18th, 19th, 20th or 21st birthday fell in the collection year, one row per
-- young person. DfE: young people who were looked after for a total of at least 13 weeks after their 14th birthday,
-- including some time after their 16th birthday. Here: the days in care after the 14th birthday over every period of
-- care that is not a short break (legal status V3/V4 at its start) add up to 91 or more, and some period was open
-- after the 16th birthday. Left out (public validator rules 1000, 1007, 1011, 1016): a young person looked after on or
-- after that birthday (in care on the birthday, including a period ending on it, or leaving care after it: the
-- validator's rule 1016 flags care leaver data for a 17- or 18-year-old whose episode ended on or after the
-- birthday), and one whose last period of care ended with the child adopted (E11, E12), dying (E2) or care taken over by
-- another local authority (E3).
-- IN_TOUCH, ACTIV, ACCOM from ssd_care_leavers: the record whose latest contact is around the birthday (from 3 months
-- before to 1 month after it, DfE's window) first, else the latest contact on or before 31 March, else any record.
-- ACCOM is DfE's two characters: the SSD's accommodation letter and its suitability (1 suitable, 2 unsuitable), e.g.
-- 'B1'; a value already in two-character form is kept. Where IN_TOUCH is DIED or RHOM, ACTIV and ACCOM are '0' (DfE:
-- activity and accommodation are not completed for them, rule 344); where the young person is not in touch (NO, REFU,
-- NREQ) and nothing is recorded they are '0' too. A young person in the cohort with no care leaver record is still
-- returned, with these items blank, so the validator asks for them.
with bounds as (
    select
        {{ collection_year() }} as collection_year,
        {{ collection_year_start() }} as year_start,
        {{ collection_year_end() }} as year_end
),

people as (
    select ps.person_id, ps.dob, n.birthday_age, {{ add_months('ps.dob', 'n.birthday_age * 12') }} as birthday
    from {{ ref('stg_ssd__person') }} as ps
    cross join (
        select 17 as birthday_age union all select 18 union all select 19 union all select 20 union all select 21
    ) as n
    where ps.dob is not null
),

birthday_in_year as (
    select p.person_id, p.dob, p.birthday_age, p.birthday
    from people as p
    cross join bounds as b
    where p.birthday >= b.year_start
        and p.birthday <= b.year_end
        and p.birthday <= {{ as_at_date() }}
),

periods as (
    select
        c.person_id,
        c.dob,
        c.birthday,
        p.period_start,
        p.period_end,
        p.period_number,
        p.period_end_reason,
        p.is_short_break,
        {{ add_months('c.dob', 14 * 12) }} as birthday_14,
        {{ add_months('c.dob', 16 * 12) }} as birthday_16
    from birthday_in_year as c
    inner join {{ ref('int_cla__periods_of_care') }} as p
        on p.person_id = c.person_id
),

care_after_14 as (
    select
        person_id,
        sum(
            case
                when coalesce(period_end, {{ as_at_date() }}) <= birthday_14 then 0
                when period_start >= birthday_14
                    then {{ days_between('period_start', 'coalesce(period_end, ' ~ as_at_date() ~ ')') }}
                else {{ days_between('birthday_14', 'coalesce(period_end, ' ~ as_at_date() ~ ')') }}
            end
        ) as days_after_14,
        max(case when coalesce(period_end, {{ open_end_date() }}) > birthday_16 then 1 else 0 end) as after_16
    from periods
    where not is_short_break
    group by person_id
),

in_care_on_or_after_birthday as (
    select distinct person_id
    from periods
    where coalesce(period_end, {{ open_end_date() }}) >= birthday
),

last_period as (
    select person_id, period_end_reason
    from (
        select
            person_id,
            upper(period_end_reason) as period_end_reason,
            row_number() over (partition by person_id order by period_number desc) as period_rank
        from periods
    ) as ranked
    where period_rank = 1
),

cohort as (
    select c.person_id, c.dob, c.birthday
    from birthday_in_year as c
    inner join care_after_14 as a
        on a.person_id = c.person_id
    left join last_period as lp
        on lp.person_id = c.person_id
    where a.days_after_14 >= 91
        and a.after_16 = 1
        and not exists (select 1 from in_care_on_or_after_birthday as i where i.person_id = c.person_id)
        and coalesce(lp.period_end_reason, '') not in ('E11', 'E12', 'E2', 'E3')
),

leaver_record as (
    select person_id, in_touch, activity, accommodation, accom_suitable
    from (
        select
            c.person_id,
            upper(l.care_leaver_in_touch) as in_touch,
            upper(l.care_leaver_activity) as activity,
            upper(l.care_leaver_accommodation) as accommodation,
            l.care_leaver_accom_suitable as accom_suitable,
            row_number() over (
                partition by c.person_id
                order by
                    case
                        when l.care_leaver_latest_contact >= {{ add_months('c.birthday', -3) }}
                            and l.care_leaver_latest_contact <= {{ add_months('c.birthday', 1) }} then 0
                        when l.care_leaver_latest_contact <= b.year_end then 1
                        else 2
                    end,
                    l.care_leaver_latest_contact desc nulls last,
                    {{ binary_text_order('l.table_id') }} desc nulls last
            ) as record_rank
        from cohort as c
        cross join bounds as b
        inner join {{ ref('stg_ssd__care_leavers') }} as l
            on l.person_id = c.person_id
    ) as ranked
    where record_rank = 1
),

items as (
    select
        c.person_id,
        c.dob,
        r.in_touch,
        case
            when r.in_touch in ('DIED', 'RHOM') then '0'
            when r.in_touch in ('NO', 'REFU', 'NREQ') and r.activity is null then '0'
            else r.activity
        end as activ,
        case
            when r.in_touch in ('DIED', 'RHOM') then '0'
            when r.accommodation is null and r.in_touch in ('NO', 'REFU', 'NREQ') then '0'
            when length(r.accommodation) = 2 or r.accommodation = '0' then r.accommodation
            when r.accommodation is not null and trim(r.accom_suitable) in ('1', '2')
                then r.accommodation || trim(r.accom_suitable)
            else r.accommodation
        end as accom
    from cohort as c
    left join leaver_record as r
        on r.person_id = c.person_id
)

select
    b.collection_year,
    cast(row_number() over (order by {{ binary_text_order('i.person_id') }}) - 1 as bigint) as row_id,
    cast(i.person_id as {{ dbt.type_string() }}) as "CHILD",
    cast(i.dob as date) as "DOB",
    cast(i.in_touch as {{ dbt.type_string() }}) as "IN_TOUCH",
    cast(i.activ as {{ dbt.type_string() }}) as "ACTIV",
    cast(i.accom as {{ dbt.type_string() }}) as "ACCOM"
from items as i
cross join bounds as b
