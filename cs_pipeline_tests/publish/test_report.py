"""The timeliness report on a small real warehouse: the hand-built council of the marts tests, loaded and built with
the real dbt project, plus linkage, quarantine and DfE rule results written in their real shapes.

Every figure checked here is recomputed from the warehouse by the test itself (not through the report module), the
page must be offline (no external reference of any kind) and free of the children's names, NHS numbers and dates of
birth, and it must render in a real browser (Debian's headless chromium).
"""
from __future__ import annotations

import collections
import datetime as dt
import os
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from cs_pipeline.lib.nhs_number import check_digit
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage.pipeline import HEALTH_RECORD_LINK_TYPES, REVIEW_QUEUE_TYPES
from cs_pipeline.publish.report import Target, parse_targets, render_report, write_report
from cs_pipeline.returns.rule_results import RESULT_COLUMNS, RUN_COLUMNS
from cs_pipeline_tests.marts.children import AS_AT, build_council
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, run_dbt

# The measures and the mart rows behind each, written out here rather than taken from the report module, so the
# test checks the report against the marts and not against itself.
MART_ROWS = {
    "IHA": ("iha_timeliness", "due_date", "outcome", ""),
    "IHA_REQ": ("iha_request_timeliness", "due_date", "outcome", ""),
    "RHA": ("rha_timeliness", "due_date", "outcome", ""),
    "CLA_REVIEW": ("cla_review_timeliness", "due_date", "outcome", ""),
    "CLA_VISIT": ("cla_visit_timeliness", "due_date", "outcome", ""),
    "ASSESS_WT": ("assessment_timeliness", "due_date_wt", "outcome_wt", ""),
    "ASSESS_DFE": ("assessment_timeliness", "due_date_dfe", "outcome_dfe", ""),
    "ICPC": ("icpc_timeliness", "due_date", "outcome", ""),
    "CP_REVIEW": ("cp_review_timeliness", "due_date", "outcome", ""),
    "CP_VISIT": ("cp_visit_timeliness", "due_date", "outcome", ""),
    "CORE_GROUP": ("core_group_timeliness", "due_date", "outcome", ""),
    "PEP": ("pep_timeliness", "due_date", "outcome", "and pep_item = 'initial'"),
    "PEP_TERM": ("pep_timeliness", "due_date", "outcome", "and pep_item = 'term'"),
    "CL_PATHWAY": ("care_leaver_pathway_timeliness", "due_date", "outcome", ""),
}
# Distinctive identities (the fixture's "Test Child" would match ordinary words of the page): the check for leaks is
# only meaningful with values that could not appear by chance.
FORENAMES = ["Zenobia", "Thaddeus", "Ottoline", "Peregrine", "Wilhelmina", "Lysander", "Euphemia", "Barnaby"]
SURNAMES = ["Fairweather", "Vandermeer", "Quennell", "Abernathy", "Ravensworth", "Okonkwo-Blythe"]
RULE_FLAGS = [  # (rule_code, child_id, row_id): ssda903 only, so the CIN census reads as not built
    ("103", "C001", 0), ("103", "C001", 1), ("103", "C002", 2), ("2001", "C003", 0), ("2001", "C004", 1),
    ("1001", "C001", 3),
]
RULES_RUN = ["103", "1001", "2001", "999"]


def nhs_number(i: int) -> str:
    """The i-th valid test NHS number (999 range, never issued; Modulus 11; nine digits giving check digit 10 skipped)."""
    n = 999_000_500 + i * 7
    while check_digit(str(n)) is None:
        n += 1
    return f"{n}{check_digit(str(n))}"


def half_up(on_time: int, due: int) -> str:
    return str((Decimal(100 * on_time) / Decimal(due)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def short_date(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def text_of(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def council_with_identities():
    council = build_council()
    people = {}
    for i, person in enumerate(council.tables["ssd_person"]):
        person["pers_forename"] = FORENAMES[i % len(FORENAMES)]
        person["pers_surname"] = SURNAMES[i % len(SURNAMES)]
        person["pers_common_child_id"] = nhs_number(i)
        people[person["pers_person_id"]] = person
    for i, record in enumerate(council.tables["health_lac_health_assessments"]):
        record.update(given_name=FORENAMES[(i + 3) % len(FORENAMES)], family_name=SURNAMES[(i + 1) % len(SURNAMES)],
                      nhs_number=nhs_number(500 + i), date_of_birth=f"2013-07-{10 + i % 18:02d}")
    return council


def add_linkage(wh: Warehouse, council) -> None:
    """linkage.* in the shapes the linkage stage publishes, with every method and a review queue."""
    methods = ["nhs_number", "probabilistic", "la_id", "clerical"]
    records = []
    for i, link in enumerate(council.links["health_record_link"]):
        linked = link["person_id"] is not None
        records.append({**{c: None for c in HEALTH_RECORD_LINK_TYPES}, **link, "source_row_key": str(i),
                        "method": methods[i % len(methods)] if linked else None})
    records.append({"file_kind": "dental_checks", "record_id": "DC999", "source_row_key": "x",
                    "health_patient_key": "HP-UNKNOWN", "person_id": None, "method": None})
    wh.write_frame(pd.DataFrame(records, columns=list(HEALTH_RECORD_LINK_TYPES)).astype(object), "linkage",
                   "health_record_link")
    queue = {c: None for c in REVIEW_QUEUE_TYPES} | {"review_id": "rv_1", "person_id": "C001",
                                                     "health_patient_key": "HP-None", "reason": "grey_zone",
                                                     "match_probability": 0.9}
    wh.replace_table("linkage", "review_queue", [pd.DataFrame([queue])], REVIEW_QUEUE_TYPES)
    children = sorted({r["person_id"] for r in records if r["person_id"]})
    wh.write_frame(pd.DataFrame({"person_id": children, "health_patient_key": [f"HP-{c}" for c in children],
                                 "method": "nhs_number", "model_version": "default-v1"}), "linkage", "child_link")


def add_quarantine(wh: Warehouse) -> None:
    """Rejected rows as the validation engine keeps them: the rule, and the row's original values (names too)."""
    for table, keys, rules in (("ssd_person", ("3",), ("key_unique", "date_parseable")),
                               ("ssd_cla_visits", ("1", "2"), ("date_parseable",))):
        columns = wh.columns("quarantine", table)
        rows = wh.query_frame(f"select * from raw.{table} where _row_key in ({', '.join(repr(k) for k in keys)})")
        assert len(rows) == len(keys)
        rejected = pd.concat([rows.assign(rule_id=rule, message="rejected", run_id="r", quarantined_at="2026-04-01")
                              for rule in rules])
        wh.write_frame(rejected[columns].astype(object), "quarantine", table, replace=False)


def add_rule_results(wh: Warehouse) -> None:
    results = pd.DataFrame([{"return_name": "ssda903", "collection_year": "2025-26", "rule_code": code,
                             "table_name": "episodes", "child_id": child, "row_id": row,
                             "message": f"DfE message of rule {code}"} for code, child, row in RULE_FLAGS])
    runs = pd.DataFrame([{"return_name": "ssda903", "collection_year": "2025-26", "rule_code": code, "status": "ran",
                          "detail": "", "flags": 0, "seconds": 0.1} for code in RULES_RUN]
                        + [{"return_name": "ssda903", "collection_year": "2025-26", "rule_code": "888",
                            "status": "skipped", "detail": "no previous year", "flags": 0, "seconds": None}])
    with wh.begin() as conn:
        for table, columns, frame in (("dfe_rule_results", RESULT_COLUMNS, results),
                                      ("dfe_rule_runs", RUN_COLUMNS, runs)):
            wh.create_table(conn, "returns", table, columns, replace=True)
            wh.append_frame(conn, frame, "returns", table)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(warehouse, the page as it was before the DfE rule results existed)."""
    url = f"duckdb:///{tmp_path_factory.mktemp('report') / 'warehouse.duckdb'}"
    council = council_with_identities()
    load_warehouse(url, council.tables, council.links)
    # only the marts and what they are built on: the report reads nothing else of dbt's
    result = run_dbt(url, AS_AT, "run", "--select", "+path:models/marts", work="timeliness_report")
    if result.returncode != 0:
        pytest.fail(f"dbt run failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    wh = Warehouse(url)
    add_linkage(wh, council)
    add_quarantine(wh)
    before, _ = render_report(wh, AS_AT, "run-before", la_code="211")
    add_rule_results(wh)
    return wh, before


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    wh, _ = built
    path, summary = write_report(wh, tmp_path_factory.mktemp("out"), AS_AT, "run-42", la_code="211")
    page = path.read_text(encoding="utf-8")
    return path, page, lxml.html.fromstring(page), summary


def section(doc, anchor: str):
    (found,) = doc.xpath(f"//section[@id='{anchor}']")
    return found


def monthly(wh: Warehouse) -> pd.DataFrame:
    frame = wh.query_frame("select measure, due_month, team, due_items, on_time, overdue from marts.timeliness_monthly")
    frame["due_month"] = pd.to_datetime(frame["due_month"]).dt.date
    return frame


def overdue_rows(wh: Warehouse) -> pd.DataFrame:
    parts = [f"select '{code}' as measure, team, person_id, {due} as due_date from marts.{mart} "
             f"where {outcome} = 'overdue' {extra}" for code, (mart, due, outcome, extra) in MART_ROWS.items()]
    frame = wh.query_frame(" union all ".join(parts))
    frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
    return frame


# -- the figures --------------------------------------------------------------------------------------------------
def test_file_name_and_header(report):
    path, page, doc, _ = report
    assert path.name == f"timeliness_{AS_AT.isoformat()}.html" and path.parent.name == "reports"
    header = text_of(doc.xpath("//header")[0])
    assert "Council 211" in header and "31 March 2026" in header and "run-42" in header


def test_on_time_rates_equal_the_mart(built, report):
    wh, _ = built
    _, _, doc, summary = report
    frame = monthly(wh)
    as_at_month = AS_AT.replace(day=1)
    year_start = dt.date(2025, 4, 1)
    measures = sorted(frame["measure"].unique())
    assert set(measures) == set(MART_ROWS)
    for code in measures:
        card = text_of(doc.xpath(f"//article[@id='measure-{code.lower()}']")[0])
        by_month = frame[frame["measure"] == code].groupby("due_month")[["due_items", "on_time"]].sum()
        done = by_month[(by_month.index <= as_at_month) & (by_month["due_items"] > 0)]
        if done.empty:
            assert "Nothing has fallen due yet" in card
            continue
        month = done.index.max()
        on, due = int(done.loc[month, "on_time"]), int(done.loc[month, "due_items"])
        assert f"{half_up(on, due)}% on time in {month:%B %Y}" in card, code
        assert f"{on} of {due} item" in card, code
        year = by_month[(by_month.index >= year_start) & (by_month.index <= as_at_month)]
        on12, due12 = int(year["on_time"].sum()), int(year["due_items"].sum())
        expected = f"({half_up(on12, due12)}%)" if due12 else "(–)"
        assert f"Last 12 months: {on12} of {due12} on time {expected}" in card, code
        assert summary["timeliness"][code]["latest_pct"] == float(half_up(on, due))


def test_a_chart_per_measure_with_its_target(built, report):
    wh, _ = built
    _, _, doc, _ = report
    for code in monthly(wh)["measure"].unique():
        svgs = doc.xpath(f"//figure[@id='chart-{code.lower()}']/svg")
        assert len(svgs) == 1 and svgs[0].xpath(".//path"), code
    # national figures where TIMELINESS.md gives one, labelled; none where it gives none
    assert "target 85.7% (England 2024-25 (DfE))" in text_of(doc.xpath("//figure[@id='chart-assess_dfe']")[0])
    assert "target 81.4%" in text_of(doc.xpath("//figure[@id='chart-icpc']")[0])
    iha = text_of(doc.xpath("//figure[@id='chart-iha']")[0])
    assert "target" not in iha.split("No target line")[0] and "no national statistic" in iha


def test_overdue_children_listed_per_team_equal_the_marts(built, report):
    wh, _ = built
    _, _, doc, summary = report
    expected = collections.Counter(
        (r.team.lower(), r.person_id, short_date(r.due_date)) for r in overdue_rows(wh).itertuples())
    listed = collections.Counter()
    for block in section(doc, "overdue").xpath(".//div[@class='team']"):
        team = block.xpath("./h3/@id")[0].removeprefix("team-")
        longest = []
        for row in block.xpath(".//tbody/tr"):
            cells = row.xpath("./td")
            person = text_of(cells[0])
            longest.append(int(text_of(cells[1])))
            for item in cells[2].xpath(".//span[@class='item']"):
                times = re.search(r"×(\d+)$", text_of(item))  # the same measure due the same day, n times
                listed[(team, person, text_of(item.xpath("./span[@class='date']")[0]))] += int(times[1]) if times else 1
        assert longest == sorted(longest, reverse=True), f"{team}: not longest overdue first"
    assert listed == expected
    # and per team as many items as marts.timeliness_monthly counts overdue
    per_team = monthly(wh).groupby("team")["overdue"].sum()
    assert {t.lower(): int(n) for t, n in per_team.items() if n} == dict(
        collections.Counter(team for (team, _, _) in listed.elements()))
    assert summary["overdue"]["overdue_items"] == sum(expected.values())


def test_linkage_counts_equal_the_crosswalk(built, report):
    wh, _ = built
    _, _, doc, summary = report
    links = wh.query_frame("select method, person_id, health_patient_key from linkage.health_record_link")
    queued = set(wh.query_frame("select health_patient_key from linkage.review_queue")["health_patient_key"])
    unlinked = links[links["person_id"].isna()]
    expected = {
        "linked by NHS number": int((links["method"] == "nhs_number").sum()),
        "linked by probabilistic match": int((links["method"] == "probabilistic").sum()),
        "linked after clerical review": int((links["method"] == "clerical").sum()),
        "not linked: waiting in the clerical review queue": int(unlinked["health_patient_key"].isin(queued).sum()),
        "not linked": int((~unlinked["health_patient_key"].isin(queued)).sum()),
    }
    assert all(expected.values())
    rows = {text_of(r.xpath("./td")[0]): int(text_of(r.xpath("./td")[-2]))
            for r in section(doc, "linkage").xpath(".//tbody/tr")}
    for label, n in expected.items():
        assert rows[label] == n, label
    assert rows["all health records"] == len(links) == summary["linkage"]["health_records"]
    text = text_of(section(doc, "linkage"))
    assert "1 candidate pair" in text and "stores no accuracy measure" in text


def test_validation_counts_equal_raw_and_quarantine(built, report):
    wh, _ = built
    _, _, doc, _ = report
    tables = {}
    for row in section(doc, "validation").xpath(".//table[.//th[.='source table']]/tbody/tr"):
        cells = [text_of(c) for c in row.xpath("./td")]
        tables[cells[0]] = [int(c) for c in cells[1:4]]
    for table in ("ssd_person", "ssd_cla_visits", "ssd_cla_episodes"):
        raw = wh.row_count("raw", table)
        quarantined = int(wh.scalar(f"select count(distinct _row_key) from quarantine.{table}"))
        assert tables[table] == [raw, quarantined, raw - quarantined], table
    assert tables["ssd_person"][1] == 1 and tables["ssd_cla_visits"][1] == 2
    by_rule = {text_of(r.xpath("./td")[0]): int(text_of(r.xpath("./td")[2])) for r in
               section(doc, "validation").xpath(".//table[.//th[.='rule']]/tbody/tr")}
    assert by_rule == {"date_parseable": 3, "key_unique": 1}
    # tables the source left empty are named on one line, not given a row each
    assert "ssd_sdq_scores" not in tables and "ssd_sdq_scores" in text_of(section(doc, "validation"))


def test_dfe_rule_errors_by_return(report):
    _, _, doc, summary = report
    text = text_of(section(doc, "dfe-rules"))
    assert "6 flags on 4 children, from 3 rules flagging of 4 run" in text
    top = [text_of(r.xpath("./td")[0]) for r in section(doc, "dfe-rules").xpath(".//table[@class='rules']/tbody/tr")]
    assert top == ["103", "2001", "1001"]  # most flags first
    assert "No CIN census rule results: not built yet" in text
    assert summary["dfe_rules"] == {"ssda903": {"collection_year": "2025-26", "flags": 6, "children": 4,
                                                "rules_flagging": 3}}


def test_missing_rule_results_say_not_built_yet(built):
    _, before = built
    text = text_of(section(lxml.html.fromstring(before), "dfe-rules"))
    assert "DfE rule results are not built yet" in text and "returns.dfe_rule_results" in text


def test_an_empty_warehouse_gives_a_report_saying_what_is_missing(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'empty.duckdb'}")
    path, summary = write_report(wh, tmp_path / "out", AS_AT)
    doc = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    assert "not built yet" in text_of(section(doc, "timeliness"))
    assert "Not built yet, so not listed" in text_of(section(doc, "overdue"))
    assert "Linkage has not run yet" in text_of(section(doc, "linkage"))
    assert "Validation has not run yet" in text_of(section(doc, "validation"))
    assert "not built yet" in text_of(section(doc, "dfe-rules"))
    assert summary["sections_not_built"] == ["timeliness", "linkage", "validation", "dfe_rules"]


# -- offline and private ------------------------------------------------------------------------------------------
def test_nothing_loads_from_outside_the_file(report):
    _, page, doc, _ = report
    assert not re.search(r"https?:|//[a-z0-9]", page, flags=re.I)
    assert not doc.xpath("//script | //link | //iframe | //img | //object | //embed | //base")
    assert "@import" not in page and "@font-face" not in page
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            local = name.rsplit(":", 1)[-1].lower()
            if local in ("src", "href", "action", "poster", "srcset", "data", "background"):
                assert value.startswith("#"), f"<{element.tag} {name}={value!r}>"
            if local == "style":
                assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", value))
    for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", page):
        assert url.startswith("#"), url


def test_no_names_nhs_numbers_or_dates_of_birth(built, report):
    wh, _ = built
    _, page, doc, _ = report
    sources = [
        ("raw", "ssd_person", ["pers_forename", "pers_surname"], ["pers_common_child_id"], ["pers_dob"]),
        ("raw", "health_lac_health_assessments", ["given_name", "family_name"], ["nhs_number"], ["date_of_birth"]),
        ("quarantine", "ssd_person", ["pers_forename", "pers_surname"], ["pers_common_child_id"], ["pers_dob"]),
    ]
    names, numbers, births = set(), set(), set()
    for schema, table, name_cols, nhs_cols, dob_cols in sources:
        frame = wh.query_frame(f"select {', '.join(name_cols + nhs_cols + dob_cols)} from {schema}.{table}")
        assert len(frame), f"{schema}.{table} is empty: nothing to check"
        names |= {str(v) for c in name_cols for v in frame[c].dropna()}
        numbers |= {str(v) for c in nhs_cols for v in frame[c].dropna()}
        births |= {dt.date.fromisoformat(str(v)[:10]) for c in dob_cols for v in frame[c].dropna()}
    assert len(names) >= 10 and len(numbers) >= 50 and len(births) >= 20
    lowered = page.lower()
    assert not [n for n in names if n.lower() in lowered]
    spaced = {f"{n[:3]} {n[3:6]} {n[6:]}" for n in numbers}
    assert not [n for n in numbers | spaced if n in page]
    # a date of birth may equal a due date by chance: look everywhere but the due dates and the as-at date
    for element in doc.xpath("//span[@class='date'] | //time | //title"):
        element.drop_tree()
    rest = lxml.html.tostring(doc, encoding="unicode")
    formats = ("{d:%Y-%m-%d}", "{d:%d/%m/%Y}", "{d.day} {d:%b %Y}", "{d.day} {d:%B %Y}", "{d:%d %b %Y}")
    leaked = [f.format(d=d) for d in births - {AS_AT} for f in formats if f.format(d=d) in rest]
    assert not leaked


# -- behaviour ----------------------------------------------------------------------------------------------------
def test_same_warehouse_same_bytes_written_atomically(built, report, tmp_path):
    wh, _ = built
    path, page, _, _ = report
    again, _ = write_report(wh, tmp_path, AS_AT, "run-42", la_code="211")
    assert again.read_bytes() == path.read_bytes()
    again2, _ = write_report(wh, tmp_path, AS_AT, "run-42", la_code="211")  # replaces the file in place
    assert again2 == again and again.read_bytes() == path.read_bytes()
    assert [p.name for p in again.parent.iterdir()] == [again.name]  # no temporary file left behind


def test_council_targets_override_the_national_figures(built):
    wh, _ = built
    targets = parse_targets('{"IHA": 90, "ICPC": null, "CP_VISIT": {"pct": 75, "label": "Our practice standard"}}')
    assert targets == {"IHA": Target(90.0, "local target"), "ICPC": None,
                       "CP_VISIT": Target(75.0, "Our practice standard")}
    page, _ = render_report(wh, AS_AT, targets=targets)
    doc = lxml.html.fromstring(page)
    assert "target 90% (local target)" in text_of(doc.xpath("//figure[@id='chart-iha']")[0])
    assert "target 75% (Our practice standard)" in text_of(doc.xpath("//figure[@id='chart-cp_visit']")[0])
    assert "No target line" in text_of(doc.xpath("//figure[@id='chart-icpc']")[0])
    assert "target 85.7%" in text_of(doc.xpath("//figure[@id='chart-assess_dfe']")[0])  # untouched
    for bad in ('{"IHA": 190}', '{"NOPE": 50}', "[1]", "{not json"):
        with pytest.raises(ValueError, match="CS_PIPELINE_TIMELINESS_TARGETS"):
            parse_targets(bad)


def test_the_asset_writes_the_report_and_counts(built, tmp_path):
    import dagster as dg

    from cs_pipeline.config import Settings
    from cs_pipeline.defs.publish.report import timeliness_report
    from cs_pipeline.defs.resources import PipelineSettings

    wh, _ = built
    settings = Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": wh.url, "CS_PIPELINE_OUTPUT_DIR": str(tmp_path),
                                  "CS_PIPELINE_AS_AT": AS_AT.isoformat(), "CS_PIPELINE_LA_CODE": "211"})
    result = dg.materialize([timeliness_report], resources={"pipeline": PipelineSettings.from_settings(settings)})
    assert result.success
    (materialization,) = result.asset_materializations_for_node("publish__timeliness_report")
    metadata = materialization.metadata
    path = Path(metadata["report"].value)
    assert path == tmp_path / "reports" / f"timeliness_{AS_AT.isoformat()}.html" and path.exists()
    assert result.run_id in path.read_text(encoding="utf-8")
    overdue = overdue_rows(wh)
    iha = overdue[overdue["measure"] == "IHA"]
    assert metadata["overdue_children_IHA"].value == iha["person_id"].nunique()
    assert metadata["overdue_items_IHA"].value == len(iha)
    assert "on_time_pct_latest_month_IHA" in metadata and "on_time_pct_12_months_ICPC" in metadata
    assert metadata["dfe_flags_ssda903"].value == len(RULE_FLAGS)
    shown = " ".join(str(v.value) for k, v in metadata.items() if k != "report")
    assert not [p for p in set(overdue["person_id"]) if re.search(rf"\b{p}\b", shown)]  # counts only
    assert {d.asset_key for d in next(iter(timeliness_report.specs)).deps} >= {
        dg.AssetKey(["marts", "timeliness_monthly"]), dg.AssetKey(["marts", "iha_timeliness"]),
        dg.AssetKey(["returns", "dfe_rule_results"])}


# -- in a real browser --------------------------------------------------------------------------------------------
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def test_renders_in_headless_chromium(report, tmp_path, monkeypatch):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(Path(p).name))]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: the browser test needs Debian's chromium and its driver "
                    "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium-manager must never try to download a browser or driver
    path = report[0]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(path.resolve().as_uri())
        assert driver.title.startswith("Timeliness report")
        chart = driver.find_element(By.CSS_SELECTOR, "#chart-iha svg")
        assert chart.size["width"] > 100 and chart.size["height"] > 50, chart.size
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(int(height) + 140, 16000))  # the whole page, within reason
        out = Path(os.environ["CS_PIPELINE_OUTPUT_DIR"]) if os.environ.get("CS_PIPELINE_OUTPUT_DIR") else tmp_path
        shot = out / "screenshots" / "timeliness_report.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        driver.quit()
