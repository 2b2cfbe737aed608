"""The CIN census XML message of a collection year, written streaming from the ``returns.cin_*`` tables.

The nesting is DfE's (Message > Header, Children > Child > ChildIdentifiers, ChildCharacteristics, CINdetails >
Assessments, CINPlanDates, Section47, ChildProtectionPlans > Reviews); the element names and their order inside each
group come from the year's specification (``cs_pipeline/reference/returns/cin/<year>.yaml``), so a renamed element
(GenderCurrent -> Sex in 2024-25) is data. Blank values are left out (DfE's optional elements). Children are written
one at a time (lxml's incremental writer), so memory holds the tables' rows, never the document. The same rows give
byte-identical files: nothing depends on the clock.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
from lxml import etree

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.collection_year import CollectionYear, Table, return_tables

RETURN_NAME = "cin"
FILE_NAME = "cin_census.xml"
SOFTWARE_CODE = "cs_pipeline"
# the tables' link columns: the XML nests by them instead of writing them
LINKS = ("LAchildID", "CINdetailsID", "AssessmentID", "CPPID")


def model_name(table: str) -> str:
    return table if table.startswith("cin_") else f"cin_{table}"


def _text(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return text if text != "" else None


class _Rows:
    """One table's rows as tuples of text, grouped by a link column, in row_id order."""

    def __init__(self, table: Table, frame: pd.DataFrame, key: str):
        self.fields = [c for c in table.column_names if c not in LINKS]
        self.by_key: dict[str, list[tuple]] = defaultdict(list)
        links = [c for c in LINKS if c in frame.columns]
        columns = links + self.fields
        n = len(links)
        for row in frame[columns].itertuples(index=False, name=None):
            ids = dict(zip(links, row[:n]))      # the links only: the document's rows stay small in memory
            self.by_key[_text(ids[key])].append(
                (ids, [(name, _text(value)) for name, value in zip(self.fields, row[n:])]))

    def of(self, key) -> list[tuple[dict, list[tuple[str, str | None]]]]:
        return self.by_key.get(key, [])


def _fill(parent: etree._Element, fields: list[tuple[str, str | None]], names: list[str] | None = None) -> None:
    for name, value in fields:
        if value is not None and (names is None or name in names):
            etree.SubElement(parent, name).text = value


def _header(year: CollectionYear, la_code: str, as_at: dt.date) -> etree._Element:
    header = etree.Element("Header")
    details = etree.SubElement(header, "CollectionDetails")
    etree.SubElement(details, "Collection").text = "CIN"
    etree.SubElement(details, "Year").text = str(year.end.year)
    etree.SubElement(details, "ReferenceDate").text = year.end.isoformat()
    source = etree.SubElement(header, "Source")
    etree.SubElement(source, "SourceLevel").text = "L"
    etree.SubElement(source, "LEA").text = la_code
    etree.SubElement(source, "SoftwareCode").text = SOFTWARE_CODE
    etree.SubElement(source, "Release").text = str(year)
    etree.SubElement(source, "SerialNo").text = "001"
    # the extract's as-at date, not the clock: the same inputs give the same file
    etree.SubElement(source, "DateTime").text = f"{as_at.isoformat()}T00:00:00"
    return header


def write_message(frames: dict[str, pd.DataFrame], year: CollectionYear, la_code: str, as_at: dt.date,
                  path: Path) -> int:
    """Writes the census message for the year's tables (frames by table name, rows in row_id order) to path,
    through a file beside it that is renamed into place, so a failure leaves the previous file. Returns the number
    of children written."""
    spec = return_tables(RETURN_NAME, year)
    rows = {
        name: _Rows(spec[name], frames[name], key)
        for name, key in (("child_characteristics", "LAchildID"), ("disabilities", "LAchildID"),
                          ("cin_details", "LAchildID"), ("assessments", "CINdetailsID"),
                          ("assessment_factors", "AssessmentID"), ("cin_plan_dates", "CINdetailsID"),
                          ("section47", "CINdetailsID"), ("child_protection_plans", "CINdetailsID"),
                          ("reviews", "CPPID"))
    }
    identifiers = _Rows(spec["child_identifiers"], frames["child_identifiers"], "LAchildID")
    details_fields = rows["cin_details"].fields
    before_nfa = details_fields[: details_fields.index("ReferralNFA")]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    children = 0
    try:
        with etree.xmlfile(partial, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element("Message"):
                xf.write("\n", _header(year, la_code, as_at), pretty_print=True)
                with xf.element("Children"):
                    xf.write("\n")
                    for child_id, group in identifiers.by_key.items():
                        for _values, fields in group:
                            xf.write(_child(child_id, fields, rows, before_nfa), pretty_print=True)
                            children += 1
                xf.write("\n")
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return children


def _child(child_id: str, identifier_fields, rows: dict[str, _Rows], before_nfa: list[str]) -> etree._Element:
    child = etree.Element("Child")
    ids = etree.SubElement(child, "ChildIdentifiers")
    etree.SubElement(ids, "LAchildID").text = child_id
    _fill(ids, identifier_fields)
    characteristics = etree.SubElement(child, "ChildCharacteristics")
    for _values, fields in rows["child_characteristics"].of(child_id):
        _fill(characteristics, fields)
    disabilities = rows["disabilities"].of(child_id)
    if disabilities:
        element = etree.SubElement(characteristics, "Disabilities")
        for _values, fields in disabilities:
            _fill(element, fields)
    for values, fields in rows["cin_details"].of(child_id):
        episode_id = _text(values["CINdetailsID"])
        details = etree.SubElement(child, "CINdetails")
        _fill(details, fields, before_nfa)
        for a_values, a_fields in rows["assessments"].of(episode_id):
            assessment = etree.SubElement(details, "Assessments")
            _fill(assessment, a_fields)
            factors = rows["assessment_factors"].of(_text(a_values["AssessmentID"]))
            if factors:
                element = etree.SubElement(assessment, "FactorsIdentifiedAtAssessment")
                for _f_values, f_fields in factors:
                    _fill(element, f_fields)
        for name, element_name in (("cin_plan_dates", "CINPlanDates"), ("section47", "Section47")):
            for _v, item_fields in rows[name].of(episode_id):
                _fill(etree.SubElement(details, element_name), item_fields)
        _fill(details, fields, ["ReferralNFA"])
        for p_values, p_fields in rows["child_protection_plans"].of(episode_id):
            plan = etree.SubElement(details, "ChildProtectionPlans")
            _fill(plan, p_fields)
            reviews = rows["reviews"].of(_text(p_values["CPPID"]))
            if reviews:
                element = etree.SubElement(plan, "Reviews")
                for _r_values, r_fields in reviews:
                    _fill(element, r_fields)
    return child


def read_tables(warehouse: Warehouse, year: CollectionYear) -> dict[str, pd.DataFrame]:
    """The year's census tables from the warehouse, every value as text (dates YYYY-MM-DD), in row_id order."""
    frames = {}
    for name, table in return_tables(RETURN_NAME, year).items():
        cols = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in table.column_names)
        frames[name] = warehouse.fetch_frame(
            f"select {cols} from returns.{model_name(name)} where collection_year = '{year}' order by row_id")
    return frames


def write_census_file(warehouse: Warehouse, year: CollectionYear, la_code: str, as_at: dt.date,
                      output_dir: Path) -> tuple[Path, int]:
    """The census message under <output_dir>/returns/cin/<year>/cin_census.xml; returns its path and children."""
    path = Path(output_dir) / "returns" / RETURN_NAME / str(year) / FILE_NAME
    return path, write_message(read_tables(warehouse, year), year, la_code, as_at, path)
