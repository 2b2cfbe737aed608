"""Collection years, and each year's 903 specification as the base year plus later years' changes."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns import collection_year as cy
from cs_pipeline.returns.collection_year import CollectionYear, return_tables, supported_years

DFE_COLUMNS = PROJECT_ROOT.parent / "shared" / "reference" / "derived" / "ssda903_columns.csv"


def test_a_year_runs_1_april_to_31_march():
    year = CollectionYear.parse("2025-26")
    assert (year.start, year.end) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert str(year) == "2025-26" and str(CollectionYear.parse("2099-00")) == "2099-00"
    for bad in ("2025-27", "2025/26", "25-26", ""):
        with pytest.raises(ValueError, match="not a collection year"):
            CollectionYear.parse(bad)


def test_supported_years_cover_2023_24_to_2026_27():
    assert [str(y) for y in supported_years("ssda903")] == ["2023-24", "2024-25", "2025-26", "2026-27"]


def test_each_year_applies_the_changes_up_to_it():
    place = {str(y): return_tables("ssda903", y)["episodes"].columns for y in supported_years("ssda903")}
    codes = {y: next(c for c in cols if c.name == "PLACE").codes for y, cols in place.items()}
    assert "H5" in codes["2023-24"] and "K3" not in codes["2023-24"]
    assert "K3" in codes["2024-25"] and "H5" not in codes["2024-25"]
    assert "Z11" in codes["2025-26"] and "Z11" not in codes["2024-25"]
    assert codes["2026-27"] == codes["2025-26"]
    assert "dolo" not in return_tables("ssda903", CollectionYear.parse("2025-26"))
    dolo = return_tables("ssda903", CollectionYear.parse("2026-27"))["dolo"]
    assert dolo.column_names == ["CHILD", "DOB", "DOLO_START", "DOLO_END"] and dolo.validator_name == "DoLo"


def test_columns_are_dfes_in_dfes_order():
    dfe: dict[str, list[str]] = {}
    with DFE_COLUMNS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            dfe.setdefault(row["table_validator_name"], []).append(row["column"])
    tables = return_tables("ssda903", CollectionYear.parse("2026-27"))
    ours = {t.validator_name: t.column_names for t in tables.values()}
    assert {k: sorted(v) for k, v in ours.items()} == {k: sorted(v) for k, v in dfe.items()}


def test_a_change_naming_an_unknown_column_is_refused(tmp_path, monkeypatch):
    (tmp_path / "2023-24.yaml").write_text("tables: {header: {validator_name: Header, columns: {CHILD: {type: text}}}}")
    (tmp_path / "2024-25.yaml").write_text("changes: [{table: header, column: SEXX, add_codes: [X]}]")
    monkeypatch.setattr(cy, "_reference_dir", lambda name: tmp_path)
    cy.return_tables.cache_clear()
    try:
        with pytest.raises(ValueError, match="2024-25: change names an unknown table or column"):
            return_tables("test", CollectionYear.parse("2024-25"))
    finally:
        cy.return_tables.cache_clear()


@pytest.mark.parametrize("as_at,expected", [("2026-03-31", "2025-26"), ("2026-03-30", "2024-25"), ("2027-01-01", "2025-26")])
def test_latest_year_ended_by(as_at, expected):
    assert str(CollectionYear.latest_ended_by(dt.date.fromisoformat(as_at))) == expected


def test_the_dbt_year_codes_are_the_year_specs_codes():
    """macros/ssda903_codes.sql (what dbt writes) and the year spec (what the loader and rules read) agree."""
    import re

    text = (PROJECT_ROOT / "dbt_style_sql" / "macros" / "ssda903_codes.sql").read_text()
    entries = re.findall(r"\{'value': '(\w+)', 'code': '(\w+)', 'first': '([\d-]+)', 'last': (none|'[\d-]+')\}", text)
    assert entries
    for year in supported_years("ssda903"):
        written = {
            code for _, code, first, last in entries
            if first <= str(year) and (last == "none" or str(year) <= last.strip("'"))
        }
        sex = next(c for c in return_tables("ssda903", year)["header"].columns if c.name == "SEX")
        assert written and written <= set(sex.codes), (str(year), written, sex.codes)
