"""Code lists by collection year, read from ``cs_pipeline/reference/code_lists/<year>/<list>.csv`` (code,description).

A collection year is named by the year it ends (``2026`` = 1 April 2025 to 31 March 2026). For a requested year,
each list comes from the newest year folder not after it that has the file (a base year plus a folder per later
year holding only the lists DfE changed); before the first folder, the first folder's lists are used.
"""
from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from importlib import resources

CODE_LISTS_PACKAGE = "cs_pipeline.reference"
CODE_LISTS_DIR = "code_lists"


def collection_year(as_at: dt.date) -> int:
    """The collection year (named by its end) that contains the date: 1 April to 31 March."""
    return as_at.year + 1 if as_at.month >= 4 else as_at.year


def _root():
    return resources.files(CODE_LISTS_PACKAGE).joinpath(CODE_LISTS_DIR)


@lru_cache(maxsize=1)
def available_years() -> tuple[int, ...]:
    return tuple(sorted(int(p.name) for p in _root().iterdir() if p.name.isdigit()))


def resolve(list_name: str, year: int) -> tuple[int, str]:
    """(year folder used, file path text) for a list in a collection year."""
    years = available_years()
    candidates = [y for y in years if y <= year] or list(years[:1])
    for y in sorted(candidates, reverse=True):
        path = _root().joinpath(str(y), f"{list_name}.csv")
        if path.is_file():
            return y, str(path)
    raise FileNotFoundError(
        f"code list {list_name!r} not found for collection year {year} under reference/{CODE_LISTS_DIR}/"
    )


@lru_cache(maxsize=None)
def code_list(list_name: str, year: int) -> dict[str, str]:
    """code -> description for a list in a collection year."""
    used, _ = resolve(list_name, year)
    text = _root().joinpath(str(used), f"{list_name}.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or set(rows[0]) != {"code", "description"}:
        raise ValueError(f"code list {used}/{list_name}.csv must have columns code,description")
    return {r["code"].strip(): r["description"].strip() for r in rows if r["code"].strip()}


def codes(list_name: str, year: int, *, ignore_case: bool = False) -> list[str]:
    """The codes of a list; with ``ignore_case`` also their upper, lower and title-case spellings."""
    values = list(code_list(list_name, year))
    if ignore_case:
        values = list(dict.fromkeys(v for c in values for v in (c, c.upper(), c.lower(), c.title())))
    return values


def list_names(year: int) -> list[str]:
    names: set[str] = set()
    for y in available_years():
        if y <= year or y == available_years()[0]:
            names |= {p.name[:-4] for p in _root().joinpath(str(y)).iterdir() if p.name.endswith(".csv")}
    return sorted(names)
