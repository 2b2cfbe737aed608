"""Working-day arithmetic for the generator (England and Wales bank holidays, TIMELINESS.md conventions).

Dates are handled as proleptic ordinals (``date.toordinal()``) inside the simulation: plain ints are fast in the
per-child loops. ``add_wd(d, n)`` is "the n-th working day strictly after d" (the start day is day 0; a start on
a non-working day makes the next working day day 1), ``wd_between(d1, d2)`` is the number of working days after
d1 up to and including d2.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

import holidays


class WorkCalendar:
    def __init__(self, first: dt.date, last: dt.date):
        self.base = first.toordinal()
        self.end = last.toordinal()
        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
        n = self.end - self.base + 1
        self.is_wd: list[bool] = []
        self.wdays: list[int] = []
        self.idx: list[int] = [0] * n  # working days on or before the date
        count = 0
        for i in range(n):
            day = dt.date.fromordinal(self.base + i)
            wd = day.weekday() < 5 and day not in hol
            self.is_wd.append(wd)
            if wd:
                count += 1
                self.wdays.append(self.base + i)
            self.idx[i] = count
        # text forms used by the writers
        self._iso = [dt.date.fromordinal(self.base + i).isoformat() for i in range(n)]
        self._dts = [s + " 00:00:00.000000" for s in self._iso]

    # --- arithmetic -------------------------------------------------------------------------------------
    def add_wd(self, d: int, n: int) -> int:
        return self.wdays[self.idx[d - self.base] + n - 1]

    def wd_between(self, d1: int, d2: int) -> int:
        return self.idx[d2 - self.base] - self.idx[d1 - self.base]

    def on_or_after(self, d: int) -> int:
        """The first working day on or after d."""
        return self.wdays[bisect_left(self.wdays, d)]

    def on_or_before(self, d: int) -> int:
        """The last working day on or before d."""
        return self.wdays[bisect_right(self.wdays, d) - 1]

    def working(self, d: int) -> bool:
        return self.is_wd[d - self.base]

    # --- text ---------------------------------------------------------------------------------------
    def dts(self, d: int | None) -> str | None:
        """SSD datetime text (the form SQLAlchemy writes for DateTime on SQLite; PostgreSQL COPY reads it)."""
        return None if d is None else self._dts[d - self.base]

    def iso(self, d: int) -> str:
        return self._iso[d - self.base]


def add_months(d: int, months: int) -> int:
    """Calendar-month arithmetic clamped at month end (30 Nov + 3 months = 28 Feb)."""
    day = dt.date.fromordinal(d)
    y, m = divmod(day.month - 1 + months, 12)
    y += day.year
    m += 1
    for dd in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, dd).toordinal()
        except ValueError:
            continue
    raise AssertionError("unreachable")
