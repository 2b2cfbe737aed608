"""Ofsted's Annex A workbook: sheets, headers and coded values as Ofsted's (checked against the LIIA column list in
../shared/reference/derived), dates as Excel dates, and a value outside a list's codes refused by name."""
from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.annex_a.spec import annex_a_lists
from cs_pipeline.returns.annex_a.workbook import AnnexAError, write_workbook

OFSTED_COLUMNS = PROJECT_ROOT.parent / "shared" / "reference" / "derived" / "annex_a_columns_liia.csv"


def ofsted_columns() -> dict[int, list[dict]]:
    assert OFSTED_COLUMNS.exists(), f"the shared reference is expected beside the checkout: {OFSTED_COLUMNS}"
    out: dict[int, list[dict]] = {}
    with OFSTED_COLUMNS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(int(row["list"].removeprefix("list_")), []).append(row)
    return out


def test_the_lists_spec_has_ofsteds_headers_in_ofsteds_order_and_only_ofsteds_codes():
    ofsted = ofsted_columns()
    lists = annex_a_lists()
    assert [a.number for a in lists] == list(range(1, 12)) == sorted(ofsted)
    for annex_list in lists:
        expected = ofsted[annex_list.number]
        assert [c.header for c in annex_list.columns] == [r["column"] for r in expected], annex_list.sheet
        assert len({c.name for c in annex_list.columns}) == len(annex_list.columns)
        for column, row in zip(annex_list.columns, expected):
            canonical = set(filter(None, row["canonical_values"].split("|")))
            assert set(column.allowed) <= canonical, column.header
            assert bool(column.allowed) == bool(canonical) or row["column"] == "LA of Placement", column.header
            assert column.type != "date" or row["type"] == "date"


def sample_frames() -> dict[int, pd.DataFrame]:
    frames = {}
    for annex_list in annex_a_lists():
        frames[annex_list.number] = pd.DataFrame(columns=[c.name for c in annex_list.columns])
    frames[1] = pd.DataFrame([
        {"child_id": "C1", "gender": "b) Female", "ethnicity": "a) White", "date_of_birth": dt.date(2015, 3, 1),
         "age_years": 11, "date_of_contact": dt.date(2026, 5, 4), "contact_source": "g) Police"},
        {"child_id": "C2", "gender": "a) Male", "ethnicity": "f) Not stated", "date_of_birth": None,
         "age_years": None, "date_of_contact": dt.date(2026, 6, 1), "contact_source": "b) Schools"},
    ])
    return frames


def test_the_workbook_opens_with_every_lists_sheet_and_headers(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    rows = write_workbook(sample_frames(), path)
    assert rows[1] == 2 and sum(rows.values()) == 2
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [f"List {n}" for n in range(1, 12)]
    ofsted = ofsted_columns()
    for n in range(1, 12):
        sheet = book[f"List {n}"]
        assert [c.value for c in sheet[1]] == [r["column"] for r in ofsted[n]]
    first = [c.value for c in book["List 1"][2]]
    assert first == ["C1", "b) Female", "a) White", dt.datetime(2015, 3, 1), 11, dt.datetime(2026, 5, 4), "g) Police"]
    assert book["List 1"]["D2"].is_date and book["List 1"]["D2"].number_format == "DD/MM/YYYY"
    assert [c.value for c in book["List 1"][3]][3:5] == [None, None]   # not recorded: blank, never invented
    assert book["List 2"].max_row == 1                                  # an empty list still has its headers


def test_a_value_outside_the_lists_codes_is_refused_by_list_column_and_row(tmp_path):
    frames = sample_frames()
    frames[1].loc[1, "contact_source"] = "Police"
    path = tmp_path / "annex_a.xlsx"
    path.write_bytes(b"the previous workbook")
    with pytest.raises(AnnexAError, match=r"List 1, column 'Contact Source', row 3: 'Police'"):
        write_workbook(frames, path)
    assert path.read_bytes() == b"the previous workbook"   # a failed write leaves the last good file
    assert [p.name for p in tmp_path.iterdir()] == ["annex_a.xlsx"]
