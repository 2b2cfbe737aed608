-- TIMELINESS.md worked examples: due = first working day with index(start) + N. Returns the examples the calendar
-- gets wrong (only where the calendar covers them).
with examples as (
    select cast('2025-12-19' as date) as start_date, 20 as n, cast('2026-01-21' as date) as expected
    union all select cast('2025-04-14' as date), 15, cast('2025-05-08' as date)
    union all select cast('2025-05-01' as date), 45, cast('2025-07-07' as date)
    union all select cast('2025-08-22' as date), 1, cast('2025-08-26' as date)
    union all select cast('2025-03-01' as date), 1, cast('2025-03-03' as date)
)

select e.*, due.calendar_date as computed
from examples as e
{{ join_working_day_due('due', 'e.start_date', 'e.n') }}
where due_start.calendar_date is not null
    and (due.calendar_date is null or due.calendar_date <> e.expected)
