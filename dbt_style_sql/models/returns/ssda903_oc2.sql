-- SSDA903 OC2: children looked after continuously for at least 12 months at 31 March of the collection year, one
-- row per child. Cohort: a period of care that started on or before 1 April of the year and had not ended before
-- 31 March (ended on or after it, or still open), excluding a child under a short-break legal status (V3/V4) at any
-- time in the year within that period (DfE: children looked after under an agreed series of short-term placements
-- are not in OC2). As the public validator's definition (rules 185-191): a period ending on 31 March itself counts.
-- Items, by DfE's ages (public validator rules 157-198, 542-547):
--   SDQ_SCORE / SDQ_REASON for children aged 4 to 16 at some time in the year (4 or over at 31 March and under 17
--     at 1 April: DfE rule 197B asks for a score or reason for those turning 4 or 17 in the year, 188 and 189 for
--     nothing outside those ages): the score of the latest SDQ in the year that has one, else the reason of the
--     latest SDQ record in the year that gives one (SDQ1-SDQ5); both blank where nothing is recorded (rules 186 and
--     197B then ask for it);
--   CONVICTED for children aged 10 or over at 31 March: 1 when an ssd_cla_convictions row is dated in the year;
--   HEALTH_CHECK for children under 5 at 31 March: development assessments (health surveillance checks) up to date,
--     read as a completed ssd_cla_health check of a surveillance / development type dated in the year;
--   IMMUNISATIONS: up to date at 31 March, from the latest status statement on or before it (health provider's
--     extract and ssd_cla_immunisations); where both sources have one, the later counts, and the provider's wins
--     when the two are within var health_duplicate_window_days (the same statement recorded twice: the provider's
--     record is the better evidence, as for health assessments). No statement: 0;
--   TEETH_CHECK: a dental check in the year (int_health__dental_checks: provider and case-management records);
--   HEALTH_ASSESSMENT: health assessment up to date at 31 March: the last completed assessment on or before 31 March
--     (int_health__assessment_events: provider's date where both record it, as the IHA mart) is less than 6 months
--     old if the child was under 5 at that assessment, else less than 12 months (the RHA mart's intervals);
--   SUBSTANCE_MISUSE: a substance misuse problem identified in the year (an ssd_cla_substance_misuse row dated in
--     the year); INTERVENTION_RECEIVED where there was: 1 when any such row says an intervention was received;
--     INTERVENTION_OFFERED only where none was received (validator rules 158/159): 1 when an intervention was offered
--     in the year (ssd_cla_substance_misuse_offers, a cs_pipeline extension table), else 0; blank when that table is
--     not supplied.
-- Dates after the as-at date are not known yet and are ignored. Rows ordered by CHILD; row_id is the 0-based row.
with bounds as (
    select
        {{ collection_year() }} as collection_year,
        {{ collection_year_start() }} as year_start,
        {{ collection_year_end() }} as year_end
),

qualifying_periods as (
    select p.person_id, min(p.period_start) as period_start
    from {{ ref('int_cla__periods_of_care') }} as p
    cross join bounds as b
    where p.period_start <= b.year_start
        and (p.period_end is null or p.period_end >= b.year_end)
    group by p.person_id
),

short_breaks as (
    select distinct q.person_id
    from qualifying_periods as q
    cross join bounds as b
    inner join {{ ref('stg_ssd__legal_status') }} as l
        on l.person_id = q.person_id
        and upper(l.legal_status) in ('V3', 'V4')
        and l.legal_status_start_date <= b.year_end
        and coalesce(l.legal_status_end_date, {{ open_end_date() }}) >= b.year_start
),

cohort as (
    select
        q.person_id,
        ps.dob,
        {{ age_in_years('ps.dob', 'b.year_start') }} as age_at_year_start,
        {{ age_in_years('ps.dob', 'b.year_end') }} as age_at_year_end
    from qualifying_periods as q
    cross join bounds as b
    left join {{ ref('stg_ssd__person') }} as ps
        on ps.person_id = q.person_id
    where not exists (select 1 from short_breaks as s where s.person_id = q.person_id)
),

sdq_in_year as (
    select
        s.person_id,
        s.sdq_completed_date,
        s.table_id,
        case
            when trim(s.sdq_score) <> '' and length(trim(s.sdq_score)) <= 2
                and trim(translate(trim(s.sdq_score), '0123456789', '          ')) = ''
                then cast(trim(s.sdq_score) as integer)
        end as sdq_score,
        case when upper(s.sdq_reason) in ('SDQ1', 'SDQ2', 'SDQ3', 'SDQ4', 'SDQ5') then upper(s.sdq_reason) end
            as sdq_reason
    from {{ ref('stg_ssd__sdq_scores') }} as s
    cross join bounds as b
    where {{ dated_in_year('s.sdq_completed_date') }}
),

latest_score as (
    select person_id, sdq_score
    from (
        select
            person_id,
            sdq_score,
            row_number() over (
                partition by person_id order by sdq_completed_date desc, {{ binary_text_order('table_id') }} desc nulls last
            ) as score_rank
        from sdq_in_year
        where sdq_score is not null
    ) as ranked
    where score_rank = 1
),

latest_reason as (
    select person_id, sdq_reason
    from (
        select
            person_id,
            sdq_reason,
            row_number() over (
                partition by person_id order by sdq_completed_date desc, {{ binary_text_order('table_id') }} desc nulls last
            ) as reason_rank
        from sdq_in_year
        where sdq_reason is not null
    ) as ranked
    where reason_rank = 1
),

convictions as (
    select distinct c.person_id
    from {{ ref('stg_ssd__cla_convictions') }} as c
    cross join bounds as b
    where {{ dated_in_year('c.cla_conviction_date') }}
),

development_checks as (
    select distinct h.person_id
    from {{ ref('stg_ssd__cla_health') }} as h
    cross join bounds as b
    where (upper(h.health_check_type) like '%SURVEILLANCE%' or upper(h.health_check_type) like '%DEVELOPMENT%')
        and (h.health_check_status is null or upper(h.health_check_status) like 'COMPLETE%')
        and {{ dated_in_year('h.health_check_date') }}
),

immunisation_latest as (
    -- each source's latest statement on or before 31 March
    select person_id, evidence_source, status_date, up_to_date
    from (
        select
            i.person_id,
            i.evidence_source,
            i.status_date,
            i.up_to_date,
            row_number() over (
                partition by i.person_id, i.evidence_source order by i.status_date desc
            ) as statement_rank
        from {{ ref('int_health__immunisation_statuses') }} as i
        cross join bounds as b
        where i.status_date <= b.year_end
    ) as ranked
    where statement_rank = 1
),

immunisations as (
    select
        coalesce(hp.person_id, cm.person_id) as person_id,
        case
            when hp.person_id is null then cm.up_to_date
            when cm.person_id is null then hp.up_to_date
            -- the case-management statement counts only when it is later than the provider's by more than the window
            when cm.status_date > {{ add_days('hp.status_date', var('health_duplicate_window_days')) }}
                then cm.up_to_date
            else hp.up_to_date
        end as up_to_date
    from (select * from immunisation_latest where evidence_source = 'health_provider') as hp
    full outer join (select * from immunisation_latest where evidence_source = 'case_management') as cm
        on cm.person_id = hp.person_id
),

dental as (
    select distinct d.person_id
    from {{ ref('int_health__dental_checks') }} as d
    cross join bounds as b
    where d.check_date >= b.year_start
        and d.check_date <= b.year_end
),

last_assessment as (
    select e.person_id, max(e.assessment_date) as last_assessment_date
    from {{ ref('int_health__assessment_events') }} as e
    cross join bounds as b
    where e.assessment_date <= b.year_end
    group by e.person_id
),

substance as (
    select
        s.person_id,
        max(case when s.intervention_received then 1 else 0 end) as intervention_received
    from {{ ref('stg_ssd__cla_substance_misuse') }} as s
    cross join bounds as b
    where {{ dated_in_year('s.substance_misuse_date') }}
        and coalesce(s.substance_misused, true)
    group by s.person_id
),

offers as (
    select distinct o.person_id
    from {{ ref('stg_ssd__cla_substance_misuse_offers') }} as o
    cross join bounds as b
    where {{ dated_in_year('o.offer_date') }}
),

offers_supply as (
    select {{ source_supplied('ssd_cla_substance_misuse_offers') }} as is_supplied
),

items as (
    select
        c.person_id,
        c.dob,
        case when c.age_at_year_end >= 4 and c.age_at_year_start < 17 then ls.sdq_score end as sdq_score,
        case
            when c.age_at_year_end >= 4 and c.age_at_year_start < 17 and ls.sdq_score is null then lr.sdq_reason
        end as sdq_reason,
        case
            when c.age_at_year_end >= 10 then case when cv.person_id is not null then '1' else '0' end
        end as convicted,
        case
            when c.age_at_year_end < 5 then case when dc.person_id is not null then '1' else '0' end
        end as health_check,
        case when im.up_to_date then '1' else '0' end as immunisations,
        case when dt.person_id is not null then '1' else '0' end as teeth_check,
        case
            when la.last_assessment_date is null then '0'
            when {{ add_months('c.dob', 60) }} > la.last_assessment_date
                and {{ add_months('la.last_assessment_date', 6) }} >= b.year_end then '1'
            when {{ add_months('c.dob', 60) }} <= la.last_assessment_date
                and {{ add_months('la.last_assessment_date', 12) }} >= b.year_end then '1'
            else '0'
        end as health_assessment,
        case when sm.person_id is not null then '1' else '0' end as substance_misuse,
        case when sm.person_id is not null then cast(sm.intervention_received as {{ dbt.type_string() }}) end
            as intervention_received,
        case
            when sm.person_id is null or sm.intervention_received = 1 then null
            when not sup.is_supplied then null
            when o.person_id is not null then '1'
            else '0'
        end as intervention_offered
    from cohort as c
    cross join bounds as b
    cross join offers_supply as sup
    left join latest_score as ls on ls.person_id = c.person_id
    left join latest_reason as lr on lr.person_id = c.person_id
    left join convictions as cv on cv.person_id = c.person_id
    left join development_checks as dc on dc.person_id = c.person_id
    left join immunisations as im on im.person_id = c.person_id
    left join dental as dt on dt.person_id = c.person_id
    left join last_assessment as la on la.person_id = c.person_id
    left join substance as sm on sm.person_id = c.person_id
    left join offers as o on o.person_id = c.person_id
)

select
    b.collection_year,
    cast(row_number() over (order by {{ binary_text_order('i.person_id') }}) - 1 as bigint) as row_id,
    cast(i.person_id as {{ dbt.type_string() }}) as "CHILD",
    cast(i.dob as date) as "DOB",
    cast(i.sdq_score as integer) as "SDQ_SCORE",
    cast(i.sdq_reason as {{ dbt.type_string() }}) as "SDQ_REASON",
    cast(i.convicted as {{ dbt.type_string() }}) as "CONVICTED",
    cast(i.health_check as {{ dbt.type_string() }}) as "HEALTH_CHECK",
    cast(i.immunisations as {{ dbt.type_string() }}) as "IMMUNISATIONS",
    cast(i.teeth_check as {{ dbt.type_string() }}) as "TEETH_CHECK",
    cast(i.health_assessment as {{ dbt.type_string() }}) as "HEALTH_ASSESSMENT",
    cast(i.substance_misuse as {{ dbt.type_string() }}) as "SUBSTANCE_MISUSE",
    cast(i.intervention_received as {{ dbt.type_string() }}) as "INTERVENTION_RECEIVED",
    cast(i.intervention_offered as {{ dbt.type_string() }}) as "INTERVENTION_OFFERED"
from items as i
cross join bounds as b
