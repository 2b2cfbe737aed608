-- Teams for BI, from ssd_department (one row per team id), plus UNALLOCATED for items with no team.
with teams as (
    select
        team_id,
        team_name,
        team_parent_id,
        team_parent_name,
        row_number() over (partition by team_id order by team_name, _row_key) as team_rank
    from {{ ref('stg_ssd__department') }}
    where team_id is not null
)

select team_id, team_name, team_parent_id, team_parent_name
from teams
where team_rank = 1
union all
select
    'UNALLOCATED' as team_id,
    'Unallocated' as team_name,
    cast(null as {{ dbt.type_string() }}) as team_parent_id,
    cast(null as {{ dbt.type_string() }}) as team_parent_name
