-- The England working-day calendar for BI (a copy of staging.dim_calendar, written by the calendar asset).
select
    calendar_date,
    is_working_day,
    working_day_index,
    bank_holiday_name,
    year,
    month,
    month_start,
    iso_dow
from {{ source('staging', 'dim_calendar') }}
