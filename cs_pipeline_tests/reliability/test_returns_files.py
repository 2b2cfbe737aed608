"""Reliability suite, returns files: bad 903 CSVs and CIN census XML given to ``python -m cs_pipeline.returns.validate``.

Each case runs the entry point (``main``, as the command line does) and reads what the user sees: the exit status,
stderr's error, or the summary's row counts. Rows in are counted from the file's own text (data lines; ``<Child>``
elements); rows loaded are the summary's. An XML external entity must never be resolved: a secret in a local file
must appear in nothing the validator prints or writes.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cs_pipeline.returns.cin.xml_message import write_message
from cs_pipeline.returns.collection_year import CollectionYear, return_tables
from cs_pipeline.returns.validate import main
from cs_pipeline_tests.reliability.outcomes import LOADED, REJECTED, CaseResult, record

AREA = "returns files"
YEAR = "2025-26"
CHILDREN = 60
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
SECRET = "S3CRET-TOKEN-7f3a9c"


def header_csv(n: int = CHILDREN) -> str:
    return HEADER + "\n" + "".join(f"{1000 + i},{1 + i % 2},01/0{1 + i % 9}/2015,WBRI,,,\n" for i in range(n))


def episodes_csv(n: int = CHILDREN) -> str:
    return EPISODES + "\n" + "".join(f"{1000 + i},01/04/2025,S,C2,N1,U1,PR1,,X1,,,,\n" for i in range(n))


def data_rows(folder: Path) -> int:
    """Data lines of every CSV in the folder, counted from the bytes (the header line left out)."""
    return sum(max(p.read_bytes().count(b"\n") - 1, 0) for p in folder.glob("*.csv"))


def run_validate(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def loaded_rows(summary: str) -> int:
    """The summary's first line: '<return> <year>: N rows in K tables (...)'."""
    found = re.search(r": ([\d,]+) rows in \d+ tables", summary)
    assert found, summary
    return int(found.group(1).replace(",", ""))


def observed(status: int, out: str, err: str) -> str:
    """The entry point's exit status: 0 no flags, 1 flags (both: loaded and judged), 2 the files could not be read;
    3 (a rule failed to run) is no outcome of these cases."""
    if status not in (0, 1, 2):
        pytest.fail(f"exit status {status}:\n{out}\n{err}")
    return REJECTED if status == 2 else LOADED


def record_903(case: str, expected: str, folder: Path, capsys, *extra) -> tuple[int, str, str]:
    rows_in = data_rows(folder)
    status, out, err = run_validate(capsys, "ssda903", "--collection-year", YEAR, folder, *extra)
    seen = observed(status, out, err)
    staged = loaded_rows(out) if seen == LOADED else 0
    message = err.strip() if seen == REJECTED else "\n".join(out.splitlines()[:2])
    record(CaseResult(AREA, case, expected, seen, rows_in,
                      staged, 0, message))
    return status, out, err


# -- SSDA903 CSVs ------------------------------------------------------------------------------------------------
def test_903_file_not_in_utf8_is_rejected_naming_file_and_line(tmp_path, capsys):
    text = header_csv().splitlines(keepends=True)
    text[5] = text[5].replace("WBRI", "WBRI\u00e9")
    (tmp_path / "header.csv").write_bytes("".join(text).encode("cp1252"))
    (tmp_path / "episodes.csv").write_text(episodes_csv(), encoding="utf-8")
    status, _, err = record_903("903: a CSV in Windows-1252, not UTF-8", REJECTED, tmp_path, capsys)
    assert status == 2 and "header.csv: line 6 is not UTF-8" in err


def test_903_csv_saved_with_a_byte_order_mark_is_loaded(tmp_path, capsys):
    (tmp_path / "header.csv").write_text(header_csv(), encoding="utf-8-sig")  # Excel's "CSV UTF-8"
    status, out, _ = record_903("903: a CSV with a UTF-8 byte order mark", LOADED, tmp_path, capsys)
    assert f"header {CHILDREN}" in out


def test_903_unknown_columns_are_rejected_naming_the_nearest_table(tmp_path, capsys):
    (tmp_path / "header.csv").write_text(header_csv(), encoding="utf-8")
    (tmp_path / "eps.csv").write_text(episodes_csv().replace("URN\n", "URN,NOTES\n", 1)
                                      .replace(",,,,\n", ",,,,,x\n"), encoding="utf-8")
    status, _, err = record_903("903: unknown column (episodes + NOTES)", REJECTED, tmp_path, capsys)
    assert status == 2 and "eps.csv: columns match no 903 table" in err and "unknown: NOTES" in err


def test_903_a_missing_table_loads_the_rest_and_skips_its_rules_by_name(tmp_path, capsys):
    (tmp_path / "header.csv").write_text(header_csv(), encoding="utf-8")  # no episodes.csv
    status, out, _ = record_903("903: episodes table missing", LOADED, tmp_path, capsys)
    skipped = int(re.search(r"(\d+) skipped \(tables not supplied\)", out).group(1))
    assert skipped > 0 and "episodes" not in out.splitlines()[0]
    with_episodes = tmp_path / "both"
    with_episodes.mkdir()
    (with_episodes / "header.csv").write_text(header_csv(), encoding="utf-8")
    (with_episodes / "episodes.csv").write_text(episodes_csv(), encoding="utf-8")
    main(["ssda903", "--collection-year", YEAR, str(with_episodes)])
    fewer = int(re.search(r"(\d+) skipped", capsys.readouterr().out).group(1))
    assert fewer < skipped  # the episodes rules are the ones left out


# -- CIN census XML ----------------------------------------------------------------------------------------------
def census_frames(year: CollectionYear) -> dict:
    """CHILDREN children, each with an open referral."""
    import pandas as pd

    sex = return_tables("cin", year)["child_identifiers"].column_names[6]
    rows = {
        "child_identifiers": [{"LAchildID": f"C{i}", "UPNunknown": "UN1", "PersonBirthDate": "2015-05-01", sex: "F"}
                              for i in range(CHILDREN)],
        "child_characteristics": [{"LAchildID": f"C{i}", "Ethnicity": "WBRI"} for i in range(CHILDREN)],
        "cin_details": [{"LAchildID": f"C{i}", "CINdetailsID": f"R{i}", "CINreferralDate": "2026-03-01",
                         "ReferralSource": "5A", "PrimaryNeedCode": "N1", "ReferralNFA": "0"}
                        for i in range(CHILDREN)],
    }
    return {name: pd.DataFrame(rows.get(name, []), columns=table.column_names)
            for name, table in return_tables("cin", year).items()}


@pytest.fixture(scope="module")
def census_text(tmp_path_factory) -> str:
    year = CollectionYear.parse(YEAR)
    path = tmp_path_factory.mktemp("cin") / "cin.xml"
    write_message(census_frames(year), year, "211", __import__("datetime").date(2026, 9, 30), path)
    return path.read_text(encoding="utf-8")


def record_cin(case: str, expected: str, path: Path, capsys, *extra) -> tuple[int, str, str, float]:
    rows_in = path.read_bytes().count(b"<Child>")
    started = time.monotonic()
    status, out, err = run_validate(capsys, "cin", "--collection-year", YEAR, path, *extra)
    seconds = time.monotonic() - started
    seen = observed(status, out, err)
    staged = 0
    if seen == LOADED:
        staged = int(re.search(r"child_identifiers ([\d,]+)", out).group(1).replace(",", ""))
    message = err.strip() if seen == REJECTED else "\n".join(out.splitlines()[:2])
    record(CaseResult(AREA, case, expected, seen, rows_in,
                      staged, 0, message))
    return status, out, err, seconds


def test_cin_well_formed_file_loads_every_child(census_text, tmp_path, capsys):
    path = tmp_path / "cin.xml"
    path.write_text(census_text, encoding="utf-8")
    record_cin("CIN: a well-formed census (baseline)", LOADED, path, capsys)


def test_cin_file_not_in_its_declared_encoding_is_rejected(census_text, tmp_path, capsys):
    path = tmp_path / "cin.xml"
    path.write_bytes(census_text.replace("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>WBR\u00c9</Ethnicity>", 1)
                     .encode("latin-1"))  # declared UTF-8
    status, _, err, _ = record_cin("CIN: bytes in Latin-1, declared UTF-8", REJECTED, path, capsys)
    assert status == 2 and re.search(r"cin.xml: line \d+: not well-formed XML", err)


def test_cin_unknown_element_is_rejected_naming_line_and_element(census_text, tmp_path, capsys):
    path = tmp_path / "cin.xml"
    path.write_text(census_text.replace("<Ethnicity>WBRI</Ethnicity>",
                                        "<Ethnicity>WBRI</Ethnicity><Religion>X</Religion>", 1), encoding="utf-8")
    status, _, err, _ = record_cin("CIN: unknown element (Religion)", REJECTED, path, capsys)
    assert status == 2 and re.search(r"line \d+: <Religion> is not an element of ChildCharacteristics", err)


def test_cin_missing_table_loads_the_rest(census_text, tmp_path, capsys):
    path = tmp_path / "cin.xml"
    path.write_text(re.sub(r"\s*<ChildCharacteristics>.*?</ChildCharacteristics>", "", census_text, flags=re.S),
                    encoding="utf-8")
    status, out, _, _ = record_cin("CIN: ChildCharacteristics missing for every child", LOADED, path, capsys)
    assert "child_characteristics 0" in out and status == 1  # loaded, and the rules flag the missing group


def test_cin_malformed_xml_is_rejected_naming_the_line(census_text, tmp_path, capsys):
    path = tmp_path / "cin.xml"
    path.write_text(census_text.replace("</LAchildID>", "</LAchild>", 1), encoding="utf-8")
    status, _, err, _ = record_cin("CIN: malformed XML (mismatched tag)", REJECTED, path, capsys)
    assert status == 2 and re.search(r"cin.xml: line \d+: not well-formed XML", err)


def with_doctype(text: str, doctype: str, padding: str = "") -> str:
    head, rest = text.split("?>", 1)
    return f"{head}?>\n{padding}{doctype}{rest}"


def assert_secret_nowhere(secret_dir: Path, out: str, err: str) -> None:
    assert SECRET not in out and SECRET not in err
    for path in secret_dir.rglob("*"):
        if path.is_file() and path.name != "secret.txt":
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("padding", ["", "<!-- " + "x" * 70_000 + " -->\n"], ids=["plain", "after-70KB-comment"])
def test_cin_external_entity_is_never_resolved(census_text, tmp_path, capsys, padding):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    doctype = f'<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    path = tmp_path / "cin.xml"
    path.write_text(with_doctype(census_text, doctype, padding)
                    .replace("<LAchildID>C0</LAchildID>", "<LAchildID>&xxe;</LAchildID>")
                    .replace("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>&xxe;</Ethnicity>", 1), encoding="utf-8")
    flags, report = tmp_path / "flags.csv", tmp_path / "report"
    status, out, err, _ = record_cin(f"CIN: external entity reading a local file ({'after a 70 KB comment' if padding else 'in the prolog'})",
                                     REJECTED, path, capsys, "--flags-csv", flags, "--report-dir", report)
    assert status == 2 and "DOCTYPE" in err and "not allowed" in err
    assert_secret_nowhere(tmp_path, out, err)


def test_cin_billion_laughs_is_refused_quickly(census_text, tmp_path, capsys):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    path = tmp_path / "cin.xml"
    path.write_text(with_doctype(census_text, f"<!DOCTYPE Message [{entities}]>")
                    .replace("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>&lol9;</Ethnicity>", 1), encoding="utf-8")
    status, out, err, seconds = record_cin("CIN: billion laughs (nested entities)", REJECTED, path, capsys)
    assert status == 2 and "DOCTYPE" in err and seconds < 30
    assert "lollollol" not in out + err
