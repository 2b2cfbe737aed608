-- Which team a child was allocated to and when, from worker involvements: the involvement's team, else the
-- worker's department. Used to give each due item the team responsible on its due date.
select
    i.person_id,
    coalesce(i.professional_team, p.professional_department) as team_id,
    i.professional_id as worker_id,
    i.involvement_start_date as spell_start,
    {{ known_by_as_at('i.involvement_end_date') }} as spell_end
from {{ ref('stg_ssd__involvements') }} as i
left join {{ ref('stg_ssd__professionals') }} as p
    on p.professional_id = i.professional_id
where i.person_id is not null
    and i.involvement_start_date is not null
    and i.involvement_start_date <= {{ as_at_date() }}
    and coalesce(i.professional_team, p.professional_department) is not null
