"""The workbook writer: what openpyxl (as a reader of Excel's format) reads back is what was given, cell by cell;
the same tables give the same bytes; long sheets continue on numbered sheets; bad sheet names are refused and a
failed write leaves the previous file."""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cs_pipeline.lib import xlsx
from cs_pipeline.lib.xlsx import Sheet, column_letter, write_xlsx


def test_column_letters_run_like_excels():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_every_kind_of_value_reads_back_as_written(tmp_path):
    frame = pd.DataFrame({
        "id": ["C1", "C2", None],
        "text": ["a & b <c>", "  spaced  ", "bell\x07gone"],
        "count": pd.array([3, None, -7], dtype="Int64"),
        "share": [0.25, np.nan, 1e-9],
        "flag": [True, False, True],
        "due": [dt.date(2026, 3, 31), None, dt.date(1999, 12, 31)],
        "at": pd.to_datetime(["2026-01-02", None, "2026-02-03"]),
    })
    path = tmp_path / "book.xlsx"
    assert write_xlsx(path, [Sheet("Data", frame, headers=["Id", "Text", "Count", "Share", "Flag", "Due", "At"],
                                   dates=frozenset({"due"}))]) == ["Data"]
    sheet = openpyxl.load_workbook(path)["Data"]
    assert [c.value for c in sheet[1]] == ["Id", "Text", "Count", "Share", "Flag", "Due", "At"]
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["C1", "a & b <c>", 3, 0.25, True, dt.datetime(2026, 3, 31), dt.datetime(2026, 1, 2)],
        ["C2", "  spaced  ", None, None, False, None, None],
        [None, "bellgone", -7, 1e-9, True, dt.datetime(1999, 12, 31), dt.datetime(2026, 2, 3)],
    ]
    assert sheet["F2"].is_date and sheet["F2"].number_format == "DD/MM/YYYY" and sheet["G4"].is_date
    assert sheet.max_row == 4


def test_the_same_tables_give_the_same_bytes_stamped_as_asked(tmp_path):
    frame = pd.DataFrame({"a": range(100), "b": [f"row {i}" for i in range(100)]})
    stamp = dt.datetime(2026, 9, 30)
    write_xlsx(tmp_path / "one.xlsx", [Sheet("S", frame)], stamp)
    write_xlsx(tmp_path / "two.xlsx", [Sheet("S", frame)], stamp)
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    book = openpyxl.load_workbook(tmp_path / "one.xlsx")
    assert book.properties.created == stamp and book.properties.modified == stamp


def test_a_sheet_longer_than_excel_allows_continues_on_numbered_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 4)   # 3 data rows a sheet
    frame = pd.DataFrame({"n": range(7)})
    path = tmp_path / "long.xlsx"
    assert write_xlsx(path, [Sheet("List 1", frame), Sheet("List 2", frame.head(2))]) == [
        "List 1", "List 1 (2)", "List 1 (3)", "List 2"]
    book = openpyxl.load_workbook(path)
    values = [[r[0] for r in book[name].iter_rows(min_row=2, values_only=True)] for name in book.sheetnames]
    assert values == [[0, 1, 2], [3, 4, 5], [6], [0, 1]]
    assert all(book[name]["A1"].value == "n" for name in book.sheetnames)


@pytest.mark.parametrize("name", ["", "a" * 32, "Q1/Q2", "List [1]"])
def test_a_name_excel_would_refuse_is_refused_and_the_previous_file_kept(tmp_path, name):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="cannot be a sheet name"):
        write_xlsx(path, [Sheet(name, pd.DataFrame({"a": [1]}))])
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_a_failure_while_writing_leaves_the_previous_file_and_no_partial_one(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"previous")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(xlsx, "_write_sheet", broken)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(path, [Sheet("S", pd.DataFrame({"a": [1]}))])
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
