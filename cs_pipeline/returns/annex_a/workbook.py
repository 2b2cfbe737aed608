"""Ofsted's Annex A workbook, from ``returns.annex_a_list_<n>``: one sheet per list ("List 1" ... "List 11") with
Ofsted's headers in Ofsted's order, one row per child or event as each list defines, dates as Excel dates
(DD/MM/YYYY), counts as numbers and coded values in Ofsted's spelling. A value outside a list's codes stops the
write, naming the list, column and row: the lead must be able to send the workbook unedited. Written beside the
old file and renamed into place, so a failure leaves the previous workbook. The same lists give the same bytes: the
workbook's created/modified stamps and its zip entries' times are the window's end, not the time of writing."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.lib.xlsx import Sheet, write_xlsx
from cs_pipeline.returns.annex_a.spec import AnnexList, annex_a_lists

class AnnexAError(ValueError):
    """An Annex A list that cannot be written as Ofsted asks (names the list, column and row)."""


def read_list(warehouse: Warehouse, annex_list: AnnexList) -> pd.DataFrame:
    columns = ", ".join(f'"{c.name}"' for c in annex_list.columns)
    return warehouse.query_frame(f"select {columns} from returns.{annex_list.table} order by row_id")


def _checked(annex_list: AnnexList, frame: pd.DataFrame) -> pd.DataFrame:
    """The list's columns, coded values checked against Ofsted's before anything is written: the first value
    outside a column's codes (in reading order) stops the write."""
    frame = frame[[c.name for c in annex_list.columns]].reset_index(drop=True)
    first_bad = None
    for position, column in enumerate(annex_list.columns):
        if not column.allowed:
            continue
        text = frame[column.name].dropna().astype(str)
        bad = text[~text.isin(column.allowed)]
        if len(bad) and (first_bad is None or (bad.index[0], position) < first_bad[:2]):
            first_bad = (bad.index[0], position, column, bad.iloc[0])
    if first_bad is not None:
        row, _, column, text = first_bad
        raise AnnexAError(f"Annex A {annex_list.sheet}, column {column.header!r}, row {row + 2}: {text!r} is not one of "
                          f"Ofsted's values ({', '.join(column.allowed)})")
    for column in annex_list.columns:
        values = frame[column.name]
        if column.type == "integer":
            frame[column.name] = pd.to_numeric(values).astype("Int64")
        elif column.type != "date":   # text, whatever type the warehouse gave (a code stored as a number is text)
            frame[column.name] = values.astype(str).where(values.notna(), None)
    return frame


def write_workbook(frames: dict[int, pd.DataFrame], path: Path, stamp: dt.datetime | None = None) -> dict[int, int]:
    """Writes the workbook of the lists' rows (frames by list number, columns as in the spec) to path; returns
    rows per list. ``stamp`` (default: midnight of 1 January 2000) is the workbook's created and modified time.
    Not recorded is left blank rather than invented, whatever the list expects."""
    lists = annex_a_lists()
    checked = {annex_list.number: _checked(annex_list, frames[annex_list.number]) for annex_list in lists}
    write_xlsx(path, [
        Sheet(annex_list.sheet, checked[annex_list.number], headers=[c.header for c in annex_list.columns],
              dates=frozenset(c.name for c in annex_list.columns if c.type == "date"))
        for annex_list in lists
    ], stamp or dt.datetime(2000, 1, 1))
    return {number: len(frame) for number, frame in checked.items()}


def workbook_path(output_dir: Path, window_end: dt.date) -> Path:
    """<output_dir>/returns/annex_a/<window end>/annex_a.xlsx (INTERFACE.md: a folder per as-at date, which is the
    window's end unless a window was chosen)."""
    return Path(output_dir) / "returns" / "annex_a" / window_end.isoformat() / "annex_a.xlsx"


def write_annex_a(warehouse: Warehouse, output_dir: Path, window_end: dt.date) -> tuple[Path, dict[int, int]]:
    """The workbook of the lists in the warehouse, at ``workbook_path``, stamped with the window's end (midnight)."""
    path = workbook_path(output_dir, window_end)
    frames = {annex_list.number: read_list(warehouse, annex_list) for annex_list in annex_a_lists()}
    return path, write_workbook(frames, path, dt.datetime.combine(window_end, dt.time()))
