"""Ofsted's Annex A lists as data (``cs_pipeline/reference/returns/annex_a/lists.yaml``): each list's sheet name and
its columns in Ofsted's order, with the warehouse column, Ofsted's header, the type and the coded values."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

TYPES = {"text", "date", "integer", "code", "flag"}


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str
    blank: bool = False
    codes: tuple[str, ...] = ()
    unknown: bool = False

    @property
    def allowed(self) -> tuple[str, ...]:
        """The coded values a cell may hold (code and flag columns)."""
        if self.type == "flag":
            return ("True", "False", "Unknown") if self.unknown else ("True", "False")
        return self.codes


@dataclass(frozen=True)
class AnnexList:
    number: int
    sheet: str
    title: str
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return f"annex_a_list_{self.number}"


@functools.cache
def annex_a_lists() -> tuple[AnnexList, ...]:
    text = (resources.files("cs_pipeline") / "reference" / "returns" / "annex_a" / "lists.yaml").read_text("utf-8")
    lists = []
    for number, spec in sorted(yaml.safe_load(text)["lists"].items()):
        columns = tuple(
            Column(c["name"], c["header"], c["type"], bool(c.get("blank", False)), tuple(c.get("codes", ())),
                   bool(c.get("unknown", False)))
            for c in spec["columns"]
        )
        for column in columns:
            if column.type not in TYPES:
                raise ValueError(f"Annex A list {number}: {column.name} has an unknown type {column.type!r}")
        lists.append(AnnexList(int(number), spec["sheet"], spec["title"], columns))
    return tuple(lists)
