"""The England working-day calendar against TIMELINESS.md's worked examples and the one-off bank holidays."""
import datetime as dt

import pytest

from cs_pipeline.lib.working_days import (
    CALENDAR_COLUMN_TYPES,
    add_working_days,
    bank_holidays,
    calendar_end,
    calendar_frame,
    is_working_day,
    working_days_between,
)

D = dt.date

# TIMELINESS.md "Conventions": the five worked examples.
WORKED_EXAMPLES = [
    (D(2025, 12, 19), 20, D(2026, 1, 21)),  # entered care Fri 19 Dec 2025 -> Wed 21 Jan 2026 (Christmas, New Year)
    (D(2025, 4, 14), 15, D(2025, 5, 8)),  # strategy discussion Mon 14 Apr -> Thu 8 May (Easter, early May)
    (D(2025, 5, 1), 45, D(2025, 7, 7)),  # referral Thu 1 May -> Mon 7 Jul (two May bank holidays)
    (D(2025, 8, 22), 1, D(2025, 8, 26)),  # Fri 22 Aug + 1 -> Tue 26 Aug (Mon 25 Aug bank holiday)
    (D(2025, 3, 1), 1, D(2025, 3, 3)),  # Sat 1 Mar + 1 -> Mon 3 Mar (next working day is day 1)
]


@pytest.mark.parametrize("start,n,due", WORKED_EXAMPLES)
def test_worked_examples(start, n, due):
    assert add_working_days(start, n) == due
    assert working_days_between(start, due) == n
    # the day before the due date is still inside the window
    assert working_days_between(start, due - dt.timedelta(days=1)) == n - 1


@pytest.mark.parametrize(
    "day,name",
    [
        (D(2022, 9, 19), "State Funeral"),
        (D(2023, 5, 8), "Coronation"),
        (D(2022, 6, 2), "Spring Bank Holiday"),
        (D(2022, 6, 3), "Platinum Jubilee"),
        (D(2020, 5, 8), "May Day"),  # the early May bank holiday moved to VE Day
        (D(2012, 6, 4), "Spring Bank Holiday"),  # moved for the Diamond Jubilee
        (D(2012, 6, 5), "Diamond Jubilee"),
        (D(2022, 12, 27), "Christmas Day (observed)"),
    ],
)
def test_one_off_and_substitute_days_are_not_working_days(day, name):
    assert not is_working_day(day)
    assert name.lower() in bank_holidays(day.year, day.year)[day].lower()


def test_moved_bank_holidays_leave_their_usual_day_a_working_day():
    assert is_working_day(D(2020, 5, 4))  # early May bank holiday moved to Fri 8 May 2020
    assert is_working_day(D(2012, 5, 28))  # spring bank holiday moved to Mon 4 Jun 2012


def test_one_off_days_move_due_dates():
    # Fri 16 Sep 2022 + 1 skips the State Funeral (Mon 19 Sep 2022); Fri 5 May 2023 + 1 skips the Coronation
    # (Mon 8 May 2023).
    assert add_working_days(D(2022, 9, 16), 1) == D(2022, 9, 20)
    assert add_working_days(D(2023, 5, 5), 1) == D(2023, 5, 9)
    assert working_days_between(D(2022, 9, 16), D(2022, 9, 20)) == 1


def test_counting_edges():
    assert add_working_days(D(2025, 3, 4), 0) == D(2025, 3, 4)  # same day: duration 0
    assert working_days_between(D(2025, 3, 4), D(2025, 3, 4)) == 0
    assert working_days_between(D(2025, 3, 7), D(2025, 3, 3)) == -4  # reversed: negative
    assert working_days_between(D(2025, 3, 1), D(2025, 3, 2)) == 0  # Sat -> Sun
    assert working_days_between("2025-03-01", dt.datetime(2025, 3, 3, 14, 30)) == 1  # text and datetimes
    with pytest.raises(ValueError):
        add_working_days(D(2025, 3, 3), -1)
    assert is_working_day(D(2025, 3, 3)) and not is_working_day(D(2025, 3, 1))


def test_calendar_frame_has_the_dim_calendar_columns_and_a_consistent_index():
    frame = calendar_frame(D(2024, 12, 1), D(2026, 1, 31))
    assert list(frame.columns) == list(CALENDAR_COLUMN_TYPES)
    assert len(frame) == (D(2026, 1, 31) - D(2024, 12, 1)).days + 1
    by_date = frame.set_index("calendar_date")
    # the index counts working days on or before the date
    assert by_date["working_day_index"].diff().fillna(by_date["working_day_index"].iloc[0]).astype(int).tolist() == (
        by_date["is_working_day"].astype(int).tolist()
    )
    xmas = by_date.loc[D(2025, 12, 25)]
    assert not xmas["is_working_day"] and xmas["bank_holiday_name"] == "Christmas Day"
    assert xmas["iso_dow"] == 4 and xmas["year"] == 2025 and xmas["month"] == 12
    assert xmas["month_start"] == D(2025, 12, 1)
    assert by_date.loc[D(2025, 12, 24), "bank_holiday_name"] is None
    # index arithmetic on the frame gives the same due dates as add_working_days
    working = frame[frame["is_working_day"]].set_index("working_day_index")["calendar_date"]
    for start, n, due in WORKED_EXAMPLES[:1]:
        assert working[by_date.loc[start, "working_day_index"] + n] == due


def test_calendar_end_covers_three_years_after_the_as_at_year():
    assert calendar_end(D(2026, 9, 30)) == D(2029, 12, 31)
