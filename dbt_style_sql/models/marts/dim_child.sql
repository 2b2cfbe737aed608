-- Children for BI: one row per person, no names, NHS numbers or dates of birth. Age and age band are as at the as-at
-- date (DfE bands: under 1, 1-4, 5-9, 10-15, 16-17, 18+); status flags are as at the as-at date too.
with people as (
    select
        person_id,
        sex,
        gender,
        ethnicity,
        send_flag,
        dob,
        death_date,
        case when dob is not null and dob <= {{ as_at_date() }} then {{ age_in_years('dob', as_at_date()) }} end
            as age_at_as_at
    from {{ ref('stg_ssd__person') }}
    where person_id is not null
),

uasc as (
    select distinct person_id
    from {{ ref('int_cla__periods_of_care') }}
    where is_uasc
),

in_care as (
    select distinct person_id
    from {{ ref('int_cla__periods_of_care') }}
    where period_end is null
),

on_cp_plan as (
    select distinct person_id
    from {{ ref('int_cp__plan_chains') }}
    where plan_end is null
),

ever_in_care as (
    select person_id, count(*) as periods_of_care
    from {{ ref('int_cla__periods_of_care') }}
    group by person_id
)

select
    p.person_id,
    p.sex,
    p.gender,
    p.ethnicity,
    p.send_flag,
    p.age_at_as_at,
    case
        when p.age_at_as_at is null then 'Unknown'
        when p.age_at_as_at < 1 then 'Under 1'
        when p.age_at_as_at < 5 then '1-4'
        when p.age_at_as_at < 10 then '5-9'
        when p.age_at_as_at < 16 then '10-15'
        when p.age_at_as_at < 18 then '16-17'
        else '18+'
    end as age_band,
    u.person_id is not null as is_uasc,
    c.person_id is not null as is_looked_after,
    cp.person_id is not null as is_on_cp_plan,
    coalesce(e.periods_of_care, 0) as periods_of_care,
    p.death_date is not null as is_deceased
from people as p
left join uasc as u on u.person_id = p.person_id
left join in_care as c on c.person_id = p.person_id
left join on_cp_plan as cp on cp.person_id = p.person_id
left join ever_in_care as e on e.person_id = p.person_id
