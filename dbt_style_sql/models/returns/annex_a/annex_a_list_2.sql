-- Ofsted's Annex A List 2 (early help assessments): every early help episode (ssd_early_help_episodes, the SSD's
-- source for this list) open at any time in the window (started by its last day, not ended before its first); one row
-- per episode. Completion date = the episode's end, when on or before the window's end; organisation = the episode's
-- allocated organisation ("Not recorded" when the SSD holds none). Rows in child, start date, episode id order.
with episodes as (
    select episode_id, person_id, episode_start_date, episode_end_date, episode_organisation
    from {{ ref('stg_ssd__early_help_episodes') }}
    where person_id is not null
        and episode_start_date is not null
        and {{ annex_a_open_in_window('episode_start_date', 'episode_end_date') }}
)

select
    cast(row_number() over (order by {{ binary_text_order('e.person_id') }}, e.episode_start_date,
                            {{ binary_text_order('e.episode_id') }}) - 1 as bigint) as row_id,
    e.person_id as child_id,
    {{ annex_a_child_columns('ch') }},
    e.episode_start_date as assessment_start_date,
    {{ annex_a_by_end('e.episode_end_date') }} as assessment_completion_date,
    {{ annex_a_text_or(['e.episode_organisation'], 'Not recorded') }} as organisation_completing_assessment
from episodes as e
left join {{ ref('annex_a__children') }} as ch
    on ch.person_id = e.person_id
