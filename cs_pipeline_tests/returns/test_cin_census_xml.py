"""The CIN census XML message: valid against DfE's schema of each year (read from ../shared), element names and
order from the year's specification, blanks left out, the same rows giving the same bytes."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from lxml import etree

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.cin.xml_message import write_message
from cs_pipeline.returns.collection_year import CollectionYear, return_tables

SPEC = PROJECT_ROOT.parent / "shared" / "reference" / "liia-tools-pipeline" / "liiatools" / "cin_census_pipeline" / "spec"
AS_AT = dt.date(2026, 9, 30)


def schema_for(year: CollectionYear) -> etree.XMLSchema:
    """DfE names a census's schema by the year it ends in: 2025-26 is CIN_schema_2026."""
    return etree.XMLSchema(etree.parse(str(SPEC / f"CIN_schema_{year.end.year}.xsd")))


def frames(year: CollectionYear, sex: str) -> dict[str, pd.DataFrame]:
    """Two children: C1 with a full episode (assessment with factors, plan, s47, CP plan with two reviews, a second
    referral NFA); C2 with one open referral and nothing else."""
    sex_column = return_tables("cin", year)["child_identifiers"].column_names[6]
    rows = {
        "child_identifiers": [
            {"LAchildID": "C1", "UPN": "A123456789012", "PersonBirthDate": "2015-05-01", sex_column: sex},
            {"LAchildID": "C2", "UPNunknown": "UN1", "ExpectedPersonBirthDate": "2026-06-01", sex_column: sex},
        ],
        "child_characteristics": [{"LAchildID": "C1", "Ethnicity": "WBRI"}, {"LAchildID": "C2", "Ethnicity": "NOBT"}],
        "disabilities": [{"LAchildID": "C1", "Disability": "AUT"}, {"LAchildID": "C1", "Disability": "HEAR"}],
        "cin_details": [
            {"LAchildID": "C1", "CINdetailsID": "R1", "CINreferralDate": "2025-05-01", "ReferralSource": "1A",
             "PrimaryNeedCode": "N1", "DateOfInitialCPC": "2025-06-20", "ReferralNFA": "0"},
            {"LAchildID": "C1", "CINdetailsID": "R2", "CINreferralDate": "2025-12-01", "ReferralSource": "10",
             "CINclosureDate": "2025-12-01", "ReasonForClosure": "RC8", "ReferralNFA": "1"},
            {"LAchildID": "C2", "CINdetailsID": "R3", "CINreferralDate": "2026-03-01", "ReferralSource": "5A",
             "ReferralNFA": "0"},
        ],
        "assessments": [{"LAchildID": "C1", "CINdetailsID": "R1", "AssessmentID": "A1",
                         "AssessmentActualStartDate": "2025-05-02", "AssessmentAuthorisationDate": "2025-06-01"}],
        "assessment_factors": [{"LAchildID": "C1", "CINdetailsID": "R1", "AssessmentID": "A1", "AssessmentFactors": f}
                               for f in ("2B", "21")],
        "cin_plan_dates": [{"LAchildID": "C1", "CINdetailsID": "R1", "CINPlanStartDate": "2025-06-02"}],
        "section47": [{"LAchildID": "C1", "CINdetailsID": "R1", "S47ActualStartDate": "2025-06-01",
                       "InitialCPCtarget": "2025-06-22", "DateOfInitialCPC": "2025-06-20", "ICPCnotRequired": "0"}],
        "child_protection_plans": [{"LAchildID": "C1", "CINdetailsID": "R1", "CPPID": "P1", "CPPstartDate": "2025-06-20",
                                    "InitialCategoryOfAbuse": "NEG", "LatestCategoryOfAbuse": "EMO",
                                    "NumberOfPreviousCPP": "0"}],
        "reviews": [{"LAchildID": "C1", "CINdetailsID": "R1", "CPPID": "P1", "CPPreviewDate": d}
                    for d in ("2025-09-10", "2026-03-10")],
    }
    return {name: pd.DataFrame(rows[name], columns=table.column_names)
            for name, table in return_tables("cin", year).items()}


@pytest.mark.parametrize("year, element, sex", [("2023-24", "GenderCurrent", "2"), ("2024-25", "Sex", "F"),
                                                ("2025-26", "Sex", "F")])
def test_each_years_message_is_valid_against_its_schema(tmp_path, year, element, sex):
    year = CollectionYear.parse(year)
    path = tmp_path / "cin.xml"
    assert write_message(frames(year, sex), year, "211", AS_AT, path) == 2
    schema = schema_for(year)
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log
    assert [e.text for e in doc.iter(element)] == [sex, sex]
    assert doc.findtext("Header/CollectionDetails/Year") == str(year.end.year)


def test_nesting_order_and_blanks(tmp_path):
    year = CollectionYear.parse("2025-26")
    path = tmp_path / "cin.xml"
    write_message(frames(year, "M"), year, "211", AS_AT, path)
    doc = etree.parse(str(path))
    first = doc.find("Children/Child/CINdetails")
    # ReferralNFA comes after the episode's Section47 and before its child protection plans, as DfE's schema orders
    assert [e.tag for e in first] == ["CINreferralDate", "ReferralSource", "PrimaryNeedCode", "DateOfInitialCPC",
                                      "Assessments", "CINPlanDates", "Section47", "ReferralNFA", "ChildProtectionPlans"]
    assert [e.text for e in first.iter("AssessmentFactors")] == ["2B", "21"]
    assert [e.text for e in first.iter("CPPreviewDate")] == ["2025-09-10", "2026-03-10"]
    c2 = doc.findall("Children/Child")[1]
    assert [e.tag for e in c2.find("ChildIdentifiers")] == ["LAchildID", "UPNunknown", "ExpectedPersonBirthDate", "Sex"]
    assert c2.find("ChildCharacteristics/Disabilities") is None
    assert not any(e.tag in ("CINdetailsID", "AssessmentID", "CPPID") for e in doc.iter())


def test_same_rows_same_bytes_and_a_failure_keeps_the_previous_file(tmp_path):
    year = CollectionYear.parse("2025-26")
    first, second = tmp_path / "a" / "cin.xml", tmp_path / "b" / "cin.xml"
    write_message(frames(year, "F"), year, "211", AS_AT, first)
    write_message(frames(year, "F"), year, "211", AS_AT, second)
    assert first.read_bytes() == second.read_bytes()
    broken = frames(year, "F")
    broken["child_characteristics"].loc[1, "Ethnicity"] = "\x00"    # fails half-way: the second child
    with pytest.raises(ValueError):
        write_message(broken, year, "211", AS_AT, first)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in first.parent.iterdir()) == ["cin.xml"]


def test_a_missing_required_element_fails_the_schema(tmp_path):
    year = CollectionYear.parse("2025-26")
    bad = frames(year, "F")
    bad["child_characteristics"].loc[0, "Ethnicity"] = None
    path = tmp_path / "cin.xml"
    write_message(bad, year, "211", AS_AT, path)
    assert not schema_for(year).validate(etree.parse(str(path)))


def test_a_written_message_reads_back_to_the_same_rows(tmp_path):
    from cs_pipeline.returns.cin.xml_reader import read_message

    year = CollectionYear.parse("2025-26")
    path = tmp_path / "cin.xml"
    written = frames(year, "F")
    write_message(written, year, "211", AS_AT, path)
    read = read_message(path, year)
    for name, frame in written.items():
        # the reader numbers episodes, assessments and plans by their place in the file
        keep = [c for c in frame.columns if c not in ("CINdetailsID", "AssessmentID", "CPPID")]
        expected = frame[keep].astype(object).where(frame[keep].notna(), None).values.tolist()
        assert read[name][keep].astype(object).where(read[name][keep].notna(), None).values.tolist() == expected, name
    assert list(read["cin_details"]["CINdetailsID"]) == ["0", "1", "2"]
    assert list(read["reviews"]["CPPID"]) == ["0", "0"]


def test_unreadable_files_name_the_file_and_line(tmp_path):
    from cs_pipeline.returns.cin.xml_reader import CinFileError, read_message

    year = CollectionYear.parse("2025-26")
    path = tmp_path / "cin.xml"
    write_message(frames(year, "F"), year, "211", AS_AT, path)
    text = path.read_text(encoding="utf-8")
    # an element of another year is kept for the rules to judge; one no year knows is an error
    (tmp_path / "old.xml").write_text(text.replace("<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>"), encoding="utf-8")
    old = read_message(tmp_path / "old.xml", year)["child_identifiers"]
    assert list(old["GenderCurrent"]) == ["2", "2"] and old["Sex"].isna().all()
    (tmp_path / "bad.xml").write_text(text.replace("<Sex>F</Sex>", "<Gender>F</Gender>", 1), encoding="utf-8")
    with pytest.raises(CinFileError, match=r"bad.xml: line \d+: <Gender> is not an element of ChildIdentifiers"):
        read_message(tmp_path / "bad.xml", year)
    (tmp_path / "cut.xml").write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(CinFileError, match=r"cut.xml: line \d+: not well-formed XML"):
        read_message(tmp_path / "cut.xml", year)
