"""Ofsted's provider lists read into ``provider_info`` as the public validator builds it, and the URN rules run on them.

The lists are the public validator's fake ones (csc-validator-be-903 tests/fake_data, read in place from
../shared/reference). The rules' agreement with the validator is pinned by their own cases; here the table's shape
and content, the errors for lists that cannot be used, and that the seven rules run on the fake return.
"""
from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import openpyxl
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rules import rules_for_year, run_rules
from cs_pipeline.returns.ssda903.files import DuckDBRunner, ReturnFileError, load_folder
from cs_pipeline.returns.ssda903.providers import (
    PROVIDER_INFO_COLUMNS,
    ProviderListError,
    load_local_authority,
    load_provider_lists,
)

FAKE_DATA = PROJECT_ROOT.parent / "shared" / "reference" / "csc-validator-be-903" / "tests" / "fake_data"
URN_RULES = {"1008", "219", "221", "224", "227", "228", "229"}


def _load(*names) -> tuple[int, dict[str, dict]]:
    return _load_paths(*(FAKE_DATA / n for n in names))


def _load_paths(*paths) -> tuple[int, dict[str, dict]]:
    con = duckdb.connect()
    count = load_provider_lists(con, list(paths))
    frame = con.execute("select * from provider_info order by row_id").df()
    types = dict(con.execute("select column_name, data_type from information_schema.columns where table_name = 'provider_info'").fetchall())
    con.close()
    assert list(frame.columns) == list(PROVIDER_INFO_COLUMNS)
    assert types["REG_END"] == "DATE" and types["URN"] == "VARCHAR" and types["row_id"] == "BIGINT"
    assert frame["LA_CODE_INFERRED"].isna().all()  # needs a postcode lookup we do not ship
    rows = {}
    for record in frame.to_dict("records"):
        record = {k: (None if v is None or v != v else v) for k, v in record.items()}  # NaN/NaT -> None
        if record["REG_END"] is not None:
            record["REG_END"] = record["REG_END"].date() if hasattr(record["REG_END"], "date") else record["REG_END"]
        rows.setdefault(record["URN"], record)
    return count, rows


@pytest.mark.parametrize("order", [("ch_fake.xlsx", "scp_fake.xlsx"), ("scp_fake.xlsx", "ch_fake.xlsx")])
def test_childrens_homes_and_social_care_providers_lists(order):
    count, rows = _load(*order)
    assert count == 3 and list(rows) == ["njascn", "bababooey", "p4baboo7"]  # homes first, then current, closed
    home = rows["njascn"]
    assert (home["PLACE_CODES"], home["PROVIDER_CODES"], home["POSTCODE"], home["source"]) == ("cod3", "cod3c0d3", "BN208JX", "CH List")
    assert home["REG_END"] is None and home["REG_END_raw"] == "-" and home["LA_NAME_FROM_FILE"] == "East Sussex"
    current, closed = rows["bababooey"], rows["p4baboo7"]
    assert (current["PLACE_CODES"], current["PROVIDER_CODES"], current["REG_END"], current["source"]) == ("cod35", "cod3c0d5", None, "SCP List")
    assert (closed["PLACE_CODES"], closed["PROVIDER_CODES"], closed["REG_END"]) == ("c0d5", "c0d4d0", dt.date(2023, 1, 1))
    assert closed["LA_NAME_FROM_FILE"] == "East Sussex County Council" and closed["POSTCODE"] == "BN208JX"


def test_combined_list_on_one_sheet():
    count, rows = _load("combined_scp_ch_fake.xlsx")
    assert count == 4 and list(rows) == ["ARN00001", "GND00002", "MDR00003", "RHN00004"]
    arnor = rows["ARN00001"]
    assert arnor["PLACE_CODES"] == "U1,U2,U3,U4,U5,U6" and arnor["PROVIDER_CODES"] == "RD1, RD2"  # not trimmed
    assert arnor["POSTCODE"] == "ND18AD" and arnor["REG_END"] is None and arnor["REG_END_raw"] == "-"
    assert arnor["source"] == "Combined SCPCH List" and rows["MDR00003"]["PLACE_CODES"] == "K1"


def test_combined_list_with_supported_accommodation_sheet():
    count, rows = _load("scpch_assisted.xlsx")
    assert count == 6
    assert rows["MDR00003"]["PROVIDER_CODES"] is None  # a date in the code column: blank, as the validator's .str
    cave = rows["ISL00001"]
    assert (cave["PLACE_CODES"], cave["PROVIDER_CODES"], cave["LA_NAME_FROM_FILE"]) == ("K3", "codecode", "Avalon")
    assert cave["REG_END"] is None and cave["REG_END_raw"] == "na" and cave["POSTCODE"] == "SM0000"


def test_combined_list_of_2025():
    count, rows = _load("scp_ch_2025_fake.xlsx")
    assert count == 2 and list(rows) == ["1", "2"]  # numeric URNs as their digits
    assert rows["1"]["POSTCODE"] == "RT14RT"  # from "Provider postcode"
    assert (rows["1"]["PLACE_CODES"], rows["1"]["PROVIDER_CODES"], rows["1"]["REG_END"]) == ("H5", "RRR", None)
    sa = rows["2"]  # supported accommodation without a provider code column: K3, PR4; Closed date as REG_END
    assert (sa["PLACE_CODES"], sa["PROVIDER_CODES"], sa["REG_END"], sa["POSTCODE"]) == ("K3", "PR4", dt.date(2024, 2, 1), "P057OD")


def _workbook(path, sheets: dict[str, list[list]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_list_without_a_needed_column_is_refused_naming_file_sheet_and_column(tmp_path):
    homes = _workbook(
        tmp_path / "homes.xlsx",
        {"Provider information": [["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Setting Postcode"], ["SC1", "X", "K2", "PR1", "A1 1AA"]]},
    )
    with pytest.raises(ProviderListError, match=r"homes\.xlsx: sheet 'Provider information' .* lacks column\(s\) Closed Date"):
        load_provider_lists(duckdb.connect(), [homes, FAKE_DATA / "scp_fake.xlsx"])
    combined = _workbook(tmp_path / "combined.xlsx", {"Providers": [["URN", "Provider type", "Local authority"], ["SC1", "Children's Home", "X"]]})
    with pytest.raises(ProviderListError, match=r"combined\.xlsx: sheet 'Providers' .* lacks column\(s\) placement code, placement provider code"):
        load_provider_lists(duckdb.connect(), [combined])
    assert issubclass(ProviderListError, ReturnFileError)  # the CLI reports it as an unreadable file (exit 2)


def test_lists_that_do_not_make_a_set_are_refused(tmp_path):
    with pytest.raises(ProviderListError, match="Children's homes list alone"):
        load_provider_lists(duckdb.connect(), [FAKE_DATA / "ch_fake.xlsx"])
    with pytest.raises(ProviderListError, match="not a combined provider list"):
        load_provider_lists(duckdb.connect(), [FAKE_DATA / "scp_fake.xlsx"])
    with pytest.raises(ProviderListError, match="found 0 Children's homes lists"):
        load_provider_lists(duckdb.connect(), [FAKE_DATA / "scp_fake.xlsx", FAKE_DATA / "combined_scp_ch_fake.xlsx"])
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    with pytest.raises(ProviderListError, match="notes.xlsx: not a readable XLSX workbook"):
        load_provider_lists(duckdb.connect(), [tmp_path / "notes.xlsx"])


@pytest.mark.parametrize("lists", [("ch_fake.xlsx", "scp_fake.xlsx"), ("combined_scp_ch_fake.xlsx",)])
def test_the_urn_rules_run_on_the_fake_return_with_the_lists(tmp_path, lists):
    year = CollectionYear.parse("2025-26")
    for path in FAKE_DATA.glob("*.csv"):
        if path.name != "placed_for_adoption_errors.csv":
            shutil.copy(path, tmp_path / path.name)
    con = duckdb.connect()
    loaded = load_folder(con, tmp_path, year)
    load_provider_lists(con, [FAKE_DATA / n for n in lists])  # after the 903 files, on the same connection
    load_local_authority(con, "E09000030")
    rules = [r for r in rules_for_year("ssda903", year) if r.code in URN_RULES]
    assert {r.code for r in rules} == URN_RULES
    run = run_rules(DuckDBRunner(con), rules, year, set(loaded.tables) | {"provider_info", "local_authority"})
    assert not run.failed and not run.skipped and set(run.ran) == URN_RULES
    # no URN of the fake episodes is in the fake lists: 1008 flags every episode with a URN other than XXXXXXX
    with_urn = con.execute("select row_id from episodes where \"URN\" is not null and \"URN\" <> 'XXXXXXX'").fetchall()
    flags = run.flags
    assert set(flags.loc[flags["rule_code"] == "1008", "row_id"]) == {r for (r,) in with_urn}
    assert set(flags["table_name"]) == {"episodes"}
    con.close()


def test_childrens_homes_list_in_two_sheets(tmp_path):
    """Older lists: settings on one sheet, postcodes on "Address Details" (joined on URN; a home without an address
    row is left out, as by the validator's inner merge)."""
    columns = ["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Closed Date"]
    homes = _workbook(
        tmp_path / "homes.xlsx",
        {
            "Settings and Inspection Info": [columns, ["SC1", "Kent", "K2", "PR1/PR2", dt.datetime(2025, 5, 1)], ["SC2", "Kent", "K2", "PR1", None]],
            "Address Details": [["URN", "Setting Address Postcode"], ["SC1", "ct1 1aa"]],
        },
    )
    count, rows = _load_paths(homes, FAKE_DATA / "scp_fake.xlsx")
    assert count == 3 and list(rows) == ["SC1", "bababooey", "p4baboo7"]
    assert (rows["SC1"]["PROVIDER_CODES"], rows["SC1"]["POSTCODE"], rows["SC1"]["REG_END"]) == ("PR1,PR2", "CT11AA", dt.date(2025, 5, 1))
