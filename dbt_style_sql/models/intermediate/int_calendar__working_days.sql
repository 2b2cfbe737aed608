-- One row per working day, keyed by its working-day index: the lookup that turns "index(start) + N" into a date.
select
    working_day_index,
    calendar_date
from {{ source('staging', 'dim_calendar') }}
where is_working_day
