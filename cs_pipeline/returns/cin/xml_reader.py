"""A council's CIN census XML read into the census tables (the same as ``returns.cin_*``), in one pass.

lxml's iterparse hands over one Child at a time, which is then cleared, so time and memory grow with the file's size
(the public validator's reader is quadratic). Each row gets the link ids the XML nests by: LAchildID, CINdetailsID
(the episode's 0-based position in the file), AssessmentID and CPPID likewise. Element names come from the year's
specification; an element of another year's census (GenderCurrent in a 2025-26 file: the public validator's own fake
data has it) is kept as a column beside the year's, for the rules to judge; an element no year knows is an error naming
the file, line and element.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree

from cs_pipeline.returns.cin.xml_message import RETURN_NAME
from cs_pipeline.returns.collection_year import CollectionYear, return_tables, supported_years
from cs_pipeline.returns.loading import ReturnFileError

# the XML group each table's row is read from, and the groups around it
_GROUPS = {
    "child_identifiers": "ChildIdentifiers", "child_characteristics": "ChildCharacteristics",
    "cin_details": "CINdetails", "assessments": "Assessments", "cin_plan_dates": "CINPlanDates",
    "section47": "Section47", "child_protection_plans": "ChildProtectionPlans",
}


# the message header's elements (Header > CollectionDetails, Source), one row: DfE's rules 100 and the census period
HEADER_COLUMNS = ["Collection", "Year", "ReferenceDate", "SourceLevel", "LEA", "SoftwareCode", "Release",
                  "SerialNo", "DateTime"]


class CinFileError(ReturnFileError):
    """A CIN XML file that cannot be read, with the file, line and element."""


def _text(element) -> str | None:
    text = (element.text or "").strip()
    return text or None


_PROLOG_BYTES = 65_536


def _refuse_doctype(path: Path, line: int | None = None) -> None:
    where = f"line {line}: " if line else ""
    raise CinFileError(f"{path}: {where}a DOCTYPE (DTD or entity declarations) is not allowed in a CIN census file "
                       "(DfE's schema has none); nothing was read from it")


def read_message(path: Path, year: CollectionYear) -> dict[str, pd.DataFrame]:
    """The census tables of the file (every value as the text given; ``header``: the message header's one row).

    A file with a DOCTYPE is refused before anything is read: its entities (an external one reading a local file,
    or nested ones expanding a billion-fold) are never resolved or fetched, and no value silently loses one."""
    with open(path, "rb") as handle:
        prolog = handle.read(_PROLOG_BYTES)
    root = prolog.find(b"<Message")
    head = prolog if root < 0 else prolog[:root]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        _refuse_doctype(path, head.count(b"\n", 0, max(head.find(b"<!DOCTYPE"), head.find(b"<!ENTITY"))) + 1)
    spec = return_tables(RETURN_NAME, year)
    known = {name: {c for y in supported_years(RETURN_NAME) for c in return_tables(RETURN_NAME, y)[name].column_names}
             for name in spec}
    rows: dict[str, list[dict]] = {name: [] for name in spec}
    counters = {"CINdetailsID": 0, "AssessmentID": 0, "CPPID": 0}

    def group_row(table: str, element, links: dict) -> dict:
        row = dict(links)
        for item in element:
            if not isinstance(item.tag, str) or item.tag in _GROUPS.values() or item.tag in (
                    "Disabilities", "FactorsIdentifiedAtAssessment", "Reviews") or item.tag in links:
                continue
            if item.tag not in known[table]:
                raise CinFileError(f"{path}: line {item.sourceline}: <{item.tag}> is not an element of "
                                   f"{_GROUPS[table]}")
            row[item.tag] = _text(item)
        rows[table].append(row)
        return row

    def next_id(name: str) -> str:
        counters[name] += 1
        return str(counters[name] - 1)

    header: dict = {}
    try:
        for _event, child in etree.iterparse(str(path), events=("end",), tag=("Header", "Child"), huge_tree=True,
                                             resolve_entities=False, no_network=True, load_dtd=False):
            if child.getroottree().docinfo.internalDTD is not None:  # a DOCTYPE the prolog check missed
                _refuse_doctype(path)
            if child.tag == "Header":
                found = {name: child.find(f"*/{name}") for name in HEADER_COLUMNS}
                header = {name: None if item is None else _text(item) for name, item in found.items()}
                continue
            identifiers = child.find("ChildIdentifiers")
            child_id = None if identifiers is None else _text(identifiers.find("LAchildID"))
            if child_id is None:
                raise CinFileError(f"{path}: line {child.sourceline}: a Child without ChildIdentifiers/LAchildID")
            ids = {"LAchildID": child_id}
            group_row("child_identifiers", identifiers, ids)
            characteristics = child.find("ChildCharacteristics")
            if characteristics is not None:
                group_row("child_characteristics", characteristics, ids)
                for disability in characteristics.iterfind("Disabilities/Disability"):
                    rows["disabilities"].append(ids | {"Disability": _text(disability)})
            for details in child.iterfind("CINdetails"):
                episode = ids | {"CINdetailsID": next_id("CINdetailsID")}
                group_row("cin_details", details, episode)
                for assessment in details.iterfind("Assessments"):
                    a_ids = episode | {"AssessmentID": next_id("AssessmentID")}
                    group_row("assessments", assessment, a_ids)
                    for factor in assessment.iterfind("FactorsIdentifiedAtAssessment/AssessmentFactors"):
                        rows["assessment_factors"].append(a_ids | {"AssessmentFactors": _text(factor)})
                for element, table in (("CINPlanDates", "cin_plan_dates"), ("Section47", "section47")):
                    for item in details.iterfind(element):
                        group_row(table, item, episode)
                for plan in details.iterfind("ChildProtectionPlans"):
                    p_ids = episode | {"CPPID": next_id("CPPID")}
                    group_row("child_protection_plans", plan, p_ids)
                    for review in plan.iterfind("Reviews/CPPreviewDate"):
                        rows["reviews"].append(p_ids | {"CPPreviewDate": _text(review)})
            child.clear(keep_tail=False)
            while child.getprevious() is not None:      # the parsed siblings too: memory stays one child's
                del child.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise CinFileError(f"{path}: line {error.lineno}: not well-formed XML: {error.msg}") from None
    frames = {"header": pd.DataFrame([header] if header else [], columns=HEADER_COLUMNS)}
    for name, table in spec.items():
        others = sorted({c for row in rows[name] for c in row} - set(table.column_names))
        frames[name] = pd.DataFrame(rows[name], columns=table.column_names + others)
    return frames
