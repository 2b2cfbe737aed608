"""Parsing the health provider's CSV drops (INTERFACE.md section 2), without a warehouse."""
import codecs
import datetime as dt

import pytest

from cs_pipeline.lib.health_files import (
    DMY_FORMAT,
    HEALTH_KINDS,
    ISO_FORMAT,
    decode_bytes,
    detect_date_format,
    normalise_date,
    parse_file_name,
    parse_health_file,
    raw_frame,
)

DENTAL_HEADER = "record_id,nhs_number,given_name,family_name,date_of_birth,sex,postcode,check_date"


def test_file_names():
    assert parse_file_name("dental_checks_20250131.csv") == ("dental_checks", dt.date(2025, 1, 31))
    assert parse_file_name("LAC_Health_Assessments_20250131.CSV") == ("lac_health_assessments", dt.date(2025, 1, 31))
    assert parse_file_name("immunisations_20250131 (1).csv") == ("immunisations", dt.date(2025, 1, 31))
    assert parse_file_name("immunisations_20251399.csv") == ("immunisations", None)
    assert parse_file_name("dental_checks.csv") is None
    assert parse_file_name("notes_20250131.csv") is None


def test_encodings():
    text = "given_name\nZoë Siân\n"
    assert decode_bytes(codecs.BOM_UTF8 + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")
    assert decode_bytes(text.encode("utf-16")) == (text, "utf-16")


def test_date_format_is_decided_per_file_by_the_majority():
    assert detect_date_format(["2024-01-05", "2024-02-03"]) == ISO_FORMAT
    assert detect_date_format(["05/01/2024", "2024-02-03", "03/02/2024"]) == DMY_FORMAT
    assert detect_date_format(["unknown"]) is None
    assert normalise_date("05/01/2024", DMY_FORMAT) == ("2024-01-05", True)
    assert normalise_date("5/1/2024 00:00", DMY_FORMAT) == ("2024-01-05", True)
    assert normalise_date("2024-01-05T00:00:00", ISO_FORMAT) == ("2024-01-05", True)
    # impossible or in the other format: the original text, so validation rejects the row
    assert normalise_date("31/02/2024", DMY_FORMAT) == ("31/02/2024", False)
    assert normalise_date("2024-01-05", DMY_FORMAT) == ("2024-01-05", False)
    assert normalise_date("2024-02-30", ISO_FORMAT) == ("2024-02-30", False)


def test_columns_in_any_order_extra_columns_reported_values_trimmed():
    data = (
        "Check_Date, postcode ,sex,date_of_birth,family_name,given_name,nhs_number,record_id,clinic\n"
        "01/03/2025,E1 6AN,F,31/02/2015,Test,Ada,999 000 0018,D1,North\n"
        ",,,,,,,,\n"
        "\n"
        "02/03/2025,E1 6AN,M,01/01/2016,Test,Bob,,D2,\n"
    ).encode()
    parsed = parse_health_file("dental_checks_20250310.csv", data)
    assert parsed.error is None
    assert parsed.kind == "dental_checks" and parsed.date_format == DMY_FORMAT
    assert parsed.extra_columns == ["clinic"]
    assert parsed.rows == 2 and parsed.row_numbers == [1, 2]
    assert parsed.columns["record_id"] == ["D1", "D2"]
    assert parsed.columns["check_date"] == ["2025-03-01", "2025-03-02"]
    assert parsed.columns["date_of_birth"] == ["31/02/2015", "2016-01-01"]  # impossible date kept as text
    assert parsed.unparsed_dates == 1
    assert parsed.columns["nhs_number"] == ["999 000 0018", None]
    frame = raw_frame(parsed, load_id="run1", extracted_at="2025-03-10T00:00:00+00:00")
    contract = list(HEALTH_KINDS["dental_checks"].columns)
    assert list(frame.columns[: len(contract)]) == contract
    assert frame["_row_key"].tolist() == ["dental_checks_20250310.csv#1", "dental_checks_20250310.csv#2"]
    assert frame["_file_date"].tolist() == [dt.date(2025, 3, 10)] * 2


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "empty file"),
        (b"  \r\n", "empty file"),
        (DENTAL_HEADER.replace(",check_date", "").encode() + b"\nD1,,,,,,\n", "missing required column(s): check_date"),
        (
            (DENTAL_HEADER + "\nD1,,,,2015-01-01,F,E1,2025-01-01\nD2,,,,2015-01-0").encode(),
            "truncated or malformed at data row 2",
        ),
        ((DENTAL_HEADER + '\nD1,,"Ada,,2015-01-01,F,E1,2025-01-01\n').encode(), "unreadable CSV"),
        ((DENTAL_HEADER + ",sex\n").encode(), "named more than once: sex"),
    ],
)
def test_rejected_files_name_the_file_and_the_reason(content, expected):
    parsed = parse_health_file("dental_checks_20250101.csv", content)
    assert parsed.error is not None and parsed.error.startswith("dental_checks_20250101.csv: ")
    assert expected in parsed.error
    assert parsed.rows == 0


def test_header_only_file_loads_no_rows():
    parsed = parse_health_file("dental_checks_20250101.csv", (DENTAL_HEADER + "\r\n").encode())
    assert parsed.error is None and parsed.rows == 0 and parsed.date_format is None
