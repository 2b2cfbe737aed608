"""`python -m cs_pipeline.returns.validate ssda903`: a council's own 903 files checked with DfE's rules."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.rules import rules_for_year
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.validate import main
from cs_pipeline_tests.returns.test_903_warehouse import fake_folder

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "cs_pipeline.returns.validate", *map(str, args)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )


def test_list_rules_prints_the_codes_of_the_year():
    proc = cli("ssda903", "--collection-year", "2025-26", "--list-rules")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [r.code for r in rules_for_year("ssda903", CollectionYear.parse("2025-26"))]
    assert "1003" in proc.stdout.split()


def test_flags_csv_report_and_summary(tmp_path):
    folder = fake_folder(tmp_path)
    flags_csv, report = tmp_path / "flags.csv", tmp_path / "report"
    proc = cli("ssda903", "--collection-year", "2025-26", folder, "--flags-csv", flags_csv, "--report-dir", report)
    assert proc.returncode == 1, proc.stderr  # the fake data has errors
    assert "SSDA903 2025-26: 25,944 rows in 11 tables" in proc.stdout
    flags = pd.read_csv(flags_csv, dtype=str)
    assert list(flags.columns) == ["rule_code", "table", "row", "CHILD"]
    assert {"1003"} <= set(flags["rule_code"])
    assert set(flags.loc[flags["rule_code"] == "1003", "table"]) == {"Episodes", "PlacedAdoption"}
    book = openpyxl.load_workbook(report / "ssda903_2025-26_validation.xlsx", read_only=True)
    assert book.sheetnames == ["By rule", "By child", "Rules not run", "Unreadable values"]
    by_rule = list(book["By rule"].iter_rows(values_only=True))
    assert by_rule[0] == ("rule_code", "message", "fields", "tables", "flags", "children")
    assert sum(r[4] for r in by_rule[1:]) == len(flags)
    page = (report / "ssda903_2025-26_validation.html").read_text(encoding="utf-8")
    assert f"{len(flags):,} flags" in page
    # ids only: no date of birth from the files reaches the report
    dob = pd.read_csv(folder / "header.csv", dtype=str)["DOB"].iloc[0]
    assert dob not in page


def test_exit_status_is_0_without_flags_and_1_with(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER, encoding="utf-8")
    assert main(["ssda903", "--collection-year", "2025-26", str(tmp_path)]) == 0
    assert main(["ssda903", "--collection-year", "2025-26", str(fake_folder(tmp_path))]) == 1


def test_a_file_not_in_utf8_is_refused_naming_file_and_line(tmp_path):
    (tmp_path / "header.csv").write_bytes((HEADER + "1,1,01/01/2015,WBRI,,,\n2,2,01/01/2015,WBRI,,,\xe9\n").encode("latin-1"))
    proc = cli("ssda903", "--collection-year", "2025-26", tmp_path)
    assert proc.returncode == 2
    assert "header.csv: line 3 is not UTF-8" in proc.stderr


def test_unknown_columns_are_refused_naming_the_nearest_table(tmp_path):
    (tmp_path / "eps.csv").write_text("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN_X\n", encoding="utf-8")
    proc = cli("ssda903", "--collection-year", "2025-26", tmp_path)
    assert proc.returncode == 2
    assert "eps.csv: columns match no 903 table" in proc.stderr
    assert "nearest is episodes (missing: URN; unknown: URN_X)" in proc.stderr


def test_unreadable_dates_are_reported_by_file_row_and_column(tmp_path, capsys):
    (tmp_path / "header.csv").write_text(HEADER + "1,1,01/01/2015,WBRI,,,\n2,1,31/02/2015,WBRI,,,\n", encoding="utf-8")
    main(["ssda903", "--collection-year", "2025-26", str(tmp_path)])
    out = capsys.readouterr().out
    assert "unreadable values: 1 (first: header.csv: row 1, column DOB: not a date in DD/MM/YYYY)" in out


def test_a_later_years_table_is_ignored_with_a_reason(tmp_path, capsys):
    (tmp_path / "header.csv").write_text(HEADER, encoding="utf-8")
    (tmp_path / "dolo.csv").write_text("CHILD,DOB,DOLO_START,DOLO_END\n", encoding="utf-8")
    main(["ssda903", "--collection-year", "2025-26", str(tmp_path)])
    assert "ignored dolo.csv: dolo is not collected in 2025-26" in capsys.readouterr().out


def test_an_unknown_year_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["ssda903", "--collection-year", "2019-20", "--list-rules"])
    assert "no specification for 2019-20 (known years: 2023-24, 2024-25, 2025-26, 2026-27)" in capsys.readouterr().err


def test_dates_are_read_as_strictly_as_dfes_tools(tmp_path, capsys):
    """'13/10/21' (two-digit year) and ' 01/02/2015' (leading space) are not dates; '1/2/2015' is."""
    rows = "1,1,13/10/21,WBRI,,,\n2,1, 01/02/2015,WBRI,,,\n3,1,1/2/2015,WBRI,,,\n"
    (tmp_path / "header.csv").write_text(HEADER + rows, encoding="utf-8")
    main(["ssda903", "--collection-year", "2025-26", str(tmp_path)])
    assert "unreadable values: 2 (first: header.csv: row 0, column DOB" in capsys.readouterr().out


def test_a_malformed_csv_is_refused_not_shifted(tmp_path):
    """An unterminated quote or a row with an extra field would swallow or shift values: refused, naming the file."""
    (tmp_path / "header.csv").write_text(HEADER + '1,1,"01/01/2015,WBRI,,,\n2,1,01/01/2015,WBRI,,,\n', encoding="utf-8")
    proc = cli("ssda903", "--collection-year", "2025-26", tmp_path)
    assert proc.returncode == 2 and "header.csv: not a well-formed CSV of header" in proc.stderr
    (tmp_path / "header.csv").write_text(HEADER + "2000,1,01/01/2015,WB,RI,,,\n", encoding="utf-8")
    proc = cli("ssda903", "--collection-year", "2025-26", tmp_path)
    assert proc.returncode == 2 and "header.csv: not a well-formed CSV of header" in proc.stderr
    assert "01/01/2015" not in proc.stderr


def test_a_file_without_its_header_row_is_refused_without_echoing_values(tmp_path):
    (tmp_path / "header.csv").write_text("123456,2,14/03/2012,WBRI,A123456789012,,\n", encoding="utf-8")
    proc = cli("ssda903", "--collection-year", "2025-26", tmp_path)
    assert proc.returncode == 2 and "header.csv: no 903 header row" in proc.stderr
    assert "14/03/2012" not in proc.stderr and "A123456789012" not in proc.stderr


def test_previous_year_files_of_2022_23_are_read(tmp_path):
    (tmp_path / "now").mkdir(), (tmp_path / "before").mkdir()
    (tmp_path / "now" / "header.csv").write_text(HEADER, encoding="utf-8")
    (tmp_path / "before" / "header.csv").write_text(HEADER, encoding="utf-8")
    code = main(["ssda903", "--collection-year", "2023-24", str(tmp_path / "now"), "--previous-year", str(tmp_path / "before")])
    assert code == 0


def test_a_child_id_is_never_a_formula_in_the_report(tmp_path):
    import zipfile

    from cs_pipeline.lib.xlsx import Sheet, write_xlsx

    path = tmp_path / "report.xlsx"
    write_xlsx(path, [Sheet("By child", pd.DataFrame({"child_id": ["=HYPERLINK(1)", "-1", "@x", "123"]}))])
    sheet = openpyxl.load_workbook(path)["By child"]
    assert [(c.value, c.data_type) for (c,) in sheet.iter_rows(min_row=2)] == [
        ("=HYPERLINK(1)", "s"), ("-1", "s"), ("@x", "s"), ("123", "s")]
    with zipfile.ZipFile(path) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
