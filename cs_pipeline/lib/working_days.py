"""England working days (TIMELINESS.md "Conventions"): Monday to Friday, excluding England and Wales bank holidays.

Holidays come from the offline, rule-based ``holidays`` package (``country_holidays("GB", subdiv="ENG")``, pinned
in pyproject.toml), which includes the one-off days (2012 Diamond Jubilee, 2020 VE Day move, 2022 Platinum Jubilee
and State Funeral, 2023 Coronation).

Counting convention: the start day is day 0; "N working days after d" is the N-th working day strictly after d;
a start on a non-working day makes the next working day day 1. With ``working_day_index(d)`` = number of working
days on or before ``d`` (from a fixed origin):

- due date after N working days from d (N >= 1) = the first working day whose index is ``index(d) + N``;
- working days between d1 and d2 = ``index(d2) - index(d1)``.

The same arithmetic runs in SQL on ``staging.dim_calendar`` (see :func:`calendar_frame`).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

# The calendar published as staging.dim_calendar starts here: old enough for the dates of birth of everyone the
# data can hold (care leavers up to 25, parents), so joins on any source date find a row.
CALENDAR_START = dt.date(1990, 1, 1)
# ... and runs to 31 December of (as-at year + this), far enough for every due date the marts compute
# (the longest deadline is 12 months; chains start at most at the as-at date).
CALENDAR_YEARS_AHEAD = 3

# Working-day arithmetic in Python covers these years; outside them a date is refused rather than guessed.
_FIRST_YEAR = 1900
_LAST_YEAR = 2200


def _year_ok(d: dt.date) -> dt.date:
    if not (_FIRST_YEAR <= d.year <= _LAST_YEAR - 2):
        raise ValueError(f"working-day arithmetic supports {_FIRST_YEAR}-{_LAST_YEAR - 2}, got {d.isoformat()}")
    return d


@lru_cache(maxsize=64)
def bank_holidays(first_year: int, last_year: int) -> dict[dt.date, str]:
    """England bank holidays (and the named days the package lists) for the years, date -> name.

    Several names on one day are joined with '; '.
    """
    import holidays

    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return {d: "; ".join(sorted(found.get_list(d))) for d in sorted(found)}


@lru_cache(maxsize=1)
def _busday_calendar() -> np.busdaycalendar:
    days = [d for d in bank_holidays(_FIRST_YEAR, _LAST_YEAR)]
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(days, dtype="datetime64[D]"))


def _as_date(d) -> dt.date:
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    if isinstance(d, pd.Timestamp):
        return d.date()
    raise TypeError(f"not a date: {type(d).__name__}")


def is_working_day(d) -> bool:
    d = _year_ok(_as_date(d))
    return bool(np.is_busday(np.datetime64(d, "D"), busdaycal=_busday_calendar()))


def add_working_days(d, n: int) -> dt.date:
    """The N-th working day strictly after ``d`` (the due date "within N working days of d").

    ``n = 0`` returns ``d`` itself (a same-day event has duration 0). Negative ``n`` is refused: "before" is not
    defined by the convention.
    """
    d = _year_ok(_as_date(d))
    if n < 0:
        raise ValueError("add_working_days needs n >= 0")
    if n == 0:
        return d
    # roll='backward' maps a weekend/holiday start onto the previous working day, whose index it shares,
    # so its next working day becomes day 1.
    out = np.busday_offset(np.datetime64(d, "D"), n, roll="backward", busdaycal=_busday_calendar())
    return _year_ok(out.astype(dt.date))


def working_days_between(d1, d2) -> int:
    """``index(d2) - index(d1)``: working days in (d1, d2]; negative when d2 is before d1; 0 on the same day."""
    d1, d2 = _year_ok(_as_date(d1)), _year_ok(_as_date(d2))
    if d2 < d1:
        return -working_days_between(d2, d1)
    one = np.timedelta64(1, "D")
    return int(
        np.busday_count(np.datetime64(d1, "D") + one, np.datetime64(d2, "D") + one, busdaycal=_busday_calendar())
    )


def calendar_end(as_at: dt.date) -> dt.date:
    return dt.date(as_at.year + CALENDAR_YEARS_AHEAD, 12, 31)


def calendar_frame(start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per day from ``start`` to ``end`` with the columns of ``staging.dim_calendar`` (architecture.md).

    ``working_day_index`` counts working days on or before the date, starting from ``start`` (only differences
    of the index mean anything).
    """
    if end < start:
        raise ValueError(f"calendar end {end} is before start {start}")
    _year_ok(start), _year_ok(end)
    days = pd.date_range(start, end, freq="D")
    names = bank_holidays(start.year, end.year)
    np_days = days.values.astype("datetime64[D]")
    working = np.is_busday(np_days, busdaycal=_busday_calendar())
    dates = [d.date() for d in days]
    return pd.DataFrame(
        {
            "calendar_date": pd.Series(dates, dtype=object),
            "is_working_day": working,
            "working_day_index": np.cumsum(working).astype("int64"),
            "bank_holiday_name": pd.Series([names.get(d) for d in dates], dtype=object),
            "year": days.year.astype("int64"),
            "month": days.month.astype("int64"),
            "month_start": pd.Series([d.replace(day=1) for d in dates], dtype=object),
            "iso_dow": days.isocalendar().day.astype("int64").to_numpy(),
        }
    )


# SQL column types of staging.dim_calendar, the same on DuckDB and PostgreSQL.
CALENDAR_COLUMN_TYPES = {
    "calendar_date": "DATE",
    "is_working_day": "BOOLEAN",
    "working_day_index": "INTEGER",
    "bank_holiday_name": "TEXT",
    "year": "INTEGER",
    "month": "INTEGER",
    "month_start": "DATE",
    "iso_dow": "INTEGER",
}
