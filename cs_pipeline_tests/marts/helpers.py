"""Small helpers for asserting mart rows."""
from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd


def d(text: str | None):
    return None if text is None else dt.date.fromisoformat(text)


def value(v):
    """Normalise a cell: NaT/NA/NaN -> None, timestamps -> dates, numpy scalars -> python."""
    if v is None or (not isinstance(v, (str, bytes)) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, dt.datetime):
        return v.date()
    if hasattr(v, "item"):
        return v.item()
    return v


def rows(frame: pd.DataFrame, columns: list[str], **where) -> list[tuple]:
    """The given columns of the rows matching where (column=value), sorted, normalised."""
    selected = frame
    for col, want in where.items():
        selected = selected[selected[col].map(value) == want]
    found = [tuple(value(v) for v in r) for r in selected[columns].itertuples(index=False)]
    return sorted(found, key=lambda t: tuple(str(x) for x in t))


def one(frame: pd.DataFrame, columns: list[str], **where) -> tuple:
    found = rows(frame, columns, **where)
    assert len(found) == 1, f"expected one row for {where}, got {found}"
    return found[0]


def comparable_rows(frame: pd.DataFrame) -> list[tuple]:
    """Every row of a table, columns by name, in an engine-independent form for comparing engines' builds: dates and
    midnight timestamps as ISO dates, numbers as floats rounded to 6 places (a whole number as an int, as an engine
    without nullable integers reads it back as a float), numpy scalars as Python; rows sorted."""
    def cell(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, (pd.Timestamp, dt.datetime)):
            v = pd.Timestamp(v)
            return v.date().isoformat() if v == v.normalize() else v.isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, (decimal.Decimal, float)):
            v = round(float(v), 6)
            return int(v) if v.is_integer() else v
        return v

    out = [tuple(cell(v) for v in row) for row in frame[sorted(frame.columns)].itertuples(index=False)]
    return sorted(out, key=lambda t: tuple(str(x) for x in t))
