-- SSDA903 Missing of the collection year: every episode of a looked-after child being missing (M) or away from
-- placement without authorisation (A) that started in the year (MIS_START 1 April to 31 March) while the child was
-- looked after (within a period of care: DfE rules 578, 581), from ssd_missing. MISSING from the SSD episode type
-- (M/A, or the words Missing/Away). MIS_END blank while the episode was still open at 31 March (rule 571: an end
-- after the year is not returned). Rows in CHILD, MIS_START order.
with missing as (
    select distinct
        m.person_id,
        case upper(substr(trim(m.missing_episode_type), 1, 1)) when 'M' then 'M' when 'A' then 'A' end as missing,
        m.missing_episode_start_date as mis_start,
        case when m.missing_episode_end_date <= {{ collection_year_end() }}
            then m.missing_episode_end_date end as mis_end
    from {{ ref('stg_ssd__missing') }} as m
    where m.missing_episode_start_date between {{ collection_year_start() }} and {{ collection_year_end() }}
        and m.missing_episode_start_date <= {{ as_at_date() }}
        and exists (
            select 1
            from {{ ref('int_cla__periods_of_care') }} as p
            where p.person_id = m.person_id
                and m.missing_episode_start_date >= p.period_start
                and m.missing_episode_start_date <= coalesce(p.period_end, {{ open_end_date() }})
        )
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (
        order by {{ binary_text_order('m.person_id') }}, m.mis_start, m.mis_end nulls last, m.missing nulls last
    ) - 1 as bigint) as row_id,
    m.person_id as "CHILD",
    p.dob as "DOB",
    m.missing as "MISSING",
    m.mis_start as "MIS_START",
    m.mis_end as "MIS_END"
from missing as m
left join {{ ref('stg_ssd__person') }} as p
    on p.person_id = m.person_id
