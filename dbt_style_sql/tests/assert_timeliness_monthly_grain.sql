-- timeliness_monthly has one row per measure, due month and team, and its counts add up.
select measure, due_month, team, count(*) as row_count
from {{ ref('timeliness_monthly') }}
group by measure, due_month, team
having count(*) > 1
    or sum(due_items) <> sum(on_time) + sum(late) + sum(overdue)
