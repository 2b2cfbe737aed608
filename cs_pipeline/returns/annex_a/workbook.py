"""Ofsted's Annex A workbook, from ``returns.annex_a_list_<n>``: one sheet per list ("List 1" ... "List 11") with
Ofsted's headers in Ofsted's order, one row per child or event as each list defines, dates as Excel dates
(DD/MM/YYYY), counts as numbers and coded values in Ofsted's spelling. A value outside a list's codes stops the
write, naming the list, column and row: the lead must be able to send the workbook unedited. Written beside the
old file and renamed into place, so a failure leaves the previous workbook. The same lists give the same bytes: the
workbook's created/modified stamps and its zip entries' times are the window's end, not the time of writing."""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.annex_a.spec import AnnexList, annex_a_lists

DATE_FORMAT = "DD/MM/YYYY"


class AnnexAError(ValueError):
    """An Annex A list that cannot be written as Ofsted asks (names the list, column and row)."""


def read_list(warehouse: Warehouse, annex_list: AnnexList) -> pd.DataFrame:
    columns = ", ".join(f'"{c.name}"' for c in annex_list.columns)
    return warehouse.query_frame(f"select {columns} from returns.{annex_list.table} order by row_id")


def _blank(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value))


def _cell_value(annex_list: AnnexList, column, value, row: int):
    if _blank(value):  # not recorded: left blank rather than invented, whatever the list expects
        return None
    if column.type == "date":
        return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else pd.Timestamp(value).date()
    if column.type == "integer":
        return int(value)
    text = str(value)
    if column.allowed and text not in column.allowed:
        raise AnnexAError(f"Annex A {annex_list.sheet}, column {column.header!r}, row {row + 2}: {text!r} is not one of "
                          f"Ofsted's values ({', '.join(column.allowed)})")
    return text


def _rows(annex_list: AnnexList, frame: pd.DataFrame) -> list[list]:
    """The list's cell values, checked against Ofsted's codes before anything is written."""
    return [[_cell_value(annex_list, column, value, r) for column, value in zip(annex_list.columns, values)]
            for r, values in enumerate(frame[[c.name for c in annex_list.columns]].itertuples(index=False, name=None))]


def _fixed_stamps(path: str, stamp: dt.datetime) -> None:
    """openpyxl stamps the workbook's properties and every zip entry with the time of saving: put ``stamp`` in their
    place, so writing the same lists again gives a byte-identical file."""
    with zipfile.ZipFile(path) as saved:
        entries = [(info, saved.read(info.filename)) for info in saved.infolist()]
    text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + text, data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            fixed.writestr(entry, data)


def write_workbook(frames: dict[int, pd.DataFrame], path: Path, stamp: dt.datetime | None = None) -> dict[int, int]:
    """Writes the workbook of the lists' rows (frames by list number, columns as in the spec) to path; returns
    rows per list. ``stamp`` (default: midnight of 1 January 2000) is the workbook's created and modified time."""
    lists = annex_a_lists()
    values = {annex_list.number: _rows(annex_list, frames[annex_list.number]) for annex_list in lists}
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for annex_list in lists:
        sheet = book.create_sheet(annex_list.sheet)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(annex_list.columns):
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(len(column.header), 12), 40)
        header = []
        for column in annex_list.columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        dates = [i for i, c in enumerate(annex_list.columns) if c.type == "date"]
        for row in values[annex_list.number]:
            for i in dates:
                if row[i] is not None:
                    cell = WriteOnlyCell(sheet, value=row[i])
                    cell.number_format = DATE_FORMAT
                    row[i] = cell
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        book.save(partial)
        _fixed_stamps(partial, stamp or dt.datetime(2000, 1, 1))
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return {number: len(rows) for number, rows in values.items()}


def workbook_path(output_dir: Path, window_end: dt.date) -> Path:
    """<output_dir>/returns/annex_a/<window end>/annex_a.xlsx (INTERFACE.md: a folder per as-at date, which is the
    window's end unless a window was chosen)."""
    return Path(output_dir) / "returns" / "annex_a" / window_end.isoformat() / "annex_a.xlsx"


def write_annex_a(warehouse: Warehouse, output_dir: Path, window_end: dt.date) -> tuple[Path, dict[int, int]]:
    """The workbook of the lists in the warehouse, at ``workbook_path``, stamped with the window's end (midnight)."""
    path = workbook_path(output_dir, window_end)
    frames = {annex_list.number: read_list(warehouse, annex_list) for annex_list in annex_a_lists()}
    return path, write_workbook(frames, path, dt.datetime.combine(window_end, dt.time()))
