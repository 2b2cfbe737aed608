"""Collection years (1 April to 31 March, written ``2025-26``) and each return's specification for a year.

A return's specification lives in package data as a base year plus the changes of each later year
(``cs_pipeline/reference/returns/<return>/<year>.yaml``): codes added and withdrawn, tables added. The year a
council asks for is the base with every change up to that year applied, so no code branches on the year.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class CollectionYear:
    start_year: int  # the calendar year of 1 April

    @classmethod
    def parse(cls, text: str) -> "CollectionYear":
        match = _YEAR.match(str(text).strip())
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValueError(f"not a collection year: {text!r} (expected e.g. 2025-26)")
        return cls(int(match.group(1)))

    @classmethod
    def latest_ended_by(cls, as_at: dt.date) -> "CollectionYear":
        """The latest collection year that ended (31 March) on or before the as-at date."""
        return cls(as_at.year - 1 if as_at >= dt.date(as_at.year, 3, 31) else as_at.year - 2)

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def _reference_dir(return_name: str) -> Path:
    return Path(str(resources.files("cs_pipeline") / "reference" / "returns" / return_name))


def supported_years(return_name: str) -> list[CollectionYear]:
    return sorted(CollectionYear.parse(p.stem) for p in _reference_dir(return_name).glob("*.yaml"))


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | code | date | integer | postcode
    codes: tuple[str, ...] = ()
    blank: bool = False


@dataclass(frozen=True)
class Table:
    name: str  # the upload file's stem: episodes, header, ...
    validator_name: str  # the public validator's name for the table (Episodes, Header, ...), used in flag files
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def date_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.type == "date"]


def _apply(tables: dict, change: dict, year: str) -> None:
    if "add_table" in change:
        tables[change["add_table"]] = {k: change[k] for k in ("validator_name", "columns")}
        return
    try:
        column = tables[change["table"]]["columns"][change["column"]]
    except KeyError:
        raise ValueError(f"{year}: change names an unknown table or column: {change}") from None
    codes = [c for c in column.get("codes", []) if c not in set(change.get("remove_codes", []))]
    column["codes"] = codes + [c for c in change.get("add_codes", []) if c not in codes]
    if "rename_to" in change:      # a renamed element keeps its place (CIN: GenderCurrent -> Sex)
        columns = tables[change["table"]]["columns"]
        tables[change["table"]]["columns"] = {
            change["rename_to"] if name == change["column"] else name: spec for name, spec in columns.items()}


@functools.cache
def return_tables(return_name: str, year: CollectionYear) -> dict[str, Table]:
    """The return's tables for a collection year: the base year with every later year's changes up to it."""
    years = [y for y in supported_years(return_name) if y <= year]
    if not years or year not in supported_years(return_name):
        known = ", ".join(str(y) for y in supported_years(return_name))
        raise ValueError(f"{return_name}: no specification for {year} (known years: {known})")
    folder = _reference_dir(return_name)
    base = yaml.safe_load((folder / f"{years[0]}.yaml").read_text())
    tables = copy.deepcopy(base["tables"])
    for later in years[1:]:
        for change in yaml.safe_load((folder / f"{later}.yaml").read_text())["changes"]:
            _apply(tables, change, str(later))
    return {
        name: Table(
            name=name,
            validator_name=spec["validator_name"],
            columns=tuple(
                Column(col, c["type"], tuple(str(x) for x in c.get("codes", ())), bool(c.get("blank", False)))
                for col, c in spec["columns"].items()
            ),
        )
        for name, spec in tables.items()
    }
