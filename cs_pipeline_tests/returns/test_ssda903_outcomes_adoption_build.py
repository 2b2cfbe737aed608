"""SSDA903 OC2, OC3, AD1, PlacedAdoption and PrevPerm built by the real dbt project on DuckDB and PostgreSQL.

Hand-built children, collection year 2025-26 (1 April 2025 - 31 March 2026), as-at 30 April 2026; each child's rows
are worked out by hand in the comments. The warehouse is built once per engine for the module (only these models and
what they need), then 2024-25 is built into the same tables to show that a year's build keeps the other years.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from cs_pipeline_tests.conftest import fresh_postgres_database
from cs_pipeline_tests.marts.children import Council
from cs_pipeline_tests.marts.helpers import value
from cs_pipeline_tests.marts.warehouse_fixture import load_warehouse, read_table, run_dbt

AS_AT = dt.date(2026, 4, 30)
MODELS = ["ssda903_oc2", "ssda903_oc3", "ssda903_ad1", "ssda903_placed_for_adoption", "ssda903_previous_permanence"]
SELECT = ["--select", *(f"+{m}" for m in MODELS), "--indirect-selection", "cautious"]
PG_TEST_DB = "cs_returns_outcomes_test"


class ReturnsCouncil(Council):
    def period(self, pid: str, start: str, end: str | None = None, reason: str | None = None, ls: str = "C2",
               cla_id: str | None = None) -> None:
        """One period of care as one episode (RNE S) with its legal status."""
        self.tables["ssd_cla_episodes"].append(
            {"clae_cla_episode_id": self._id("E"), "clae_person_id": pid, "clae_cla_episode_start_date": start,
             "clae_cla_episode_start_reason": "S", "clae_cla_episode_ceased_date": end,
             "clae_cla_episode_ceased_reason": reason, "clae_cla_id": cla_id or f"CLA-{pid}-{start[:4]}",
             "clae_entered_care_date": start}
        )
        self.legal_status(pid, ls, start, end)

    def sdq(self, pid: str, date: str, score: str | None = None, reason: str | None = None) -> None:
        self.tables["ssd_sdq_scores"].append(
            {"csdq_table_id": self._id("SDQ"), "csdq_person_id": pid, "csdq_sdq_completed_date": date,
             "csdq_sdq_score": score, "csdq_sdq_reason": reason}
        )

    def conviction(self, pid: str, date: str) -> None:
        self.tables["ssd_cla_convictions"].append(
            {"clac_cla_conviction_id": self._id("CV"), "clac_person_id": pid, "clac_cla_conviction_date": date,
             "clac_cla_conviction_offence": "Theft"}
        )

    def substance(self, pid: str, date: str, received: str) -> str:
        sid = self._id("SM")
        self.tables["ssd_cla_substance_misuse"].append(
            {"clas_substance_misuse_id": sid, "clas_person_id": pid, "clas_substance_misuse_date": date,
             "clas_substance_misused": "Y", "clas_intervention_received": received}
        )
        return sid

    def offer(self, pid: str, sid: str, date: str) -> None:
        self.tables["ssd_cla_substance_misuse_offers"].append(
            {"clso_offer_id": self._id("OF"), "clso_person_id": pid, "clso_substance_misuse_id": sid,
             "clso_offer_date": date}
        )

    def immunisation(self, pid: str, date: str, up_to_date: str) -> None:
        self.tables["ssd_cla_immunisations"].append(
            {"clai_person_id": pid, "clai_immunisations_status": up_to_date, "clai_immunisations_status_date": date}
        )

    def provider_immunisation(self, pid: str, date: str, up_to_date: str) -> None:
        record_id = self._id("IM")
        self.tables["health_immunisations"].append(
            {"record_id": record_id, "status_date": date, "up_to_date": up_to_date}
        )
        self.links["health_record_link"].append(
            {"file_kind": "immunisations", "record_id": record_id, "health_patient_key": f"HP-{pid}",
             "person_id": pid}
        )

    def leaver(self, pid: str, in_touch: str, contact: str, accommodation: str, suitable: str,
               activity: str) -> None:
        self.tables["ssd_care_leavers"].append(
            {"clea_table_id": self._id("CL"), "clea_person_id": pid, "clea_care_leaver_in_touch": in_touch,
             "clea_care_leaver_latest_contact": contact, "clea_care_leaver_accommodation": accommodation,
             "clea_care_leaver_accom_suitable": suitable, "clea_care_leaver_activity": activity,
             "clea_care_leaver_eligibility": "Former relevant"}
        )

    def permanence(self, pid: str, cla_id: str, adm: str, **kw) -> None:
        self.tables["ssd_permanence"].append(
            {"perm_table_id": self._id("PM"), "perm_person_id": pid, "perm_cla_id": cla_id,
             "perm_adm_decision_date": adm, **{f"perm_{k}": v for k, v in kw.items()}}
        )

    def previous_permanence(self, pid: str, option: str, la: str | None = None, date: str | None = None,
                            table_id: str | None = None) -> None:
        self.tables["ssd_cla_previous_permanence"].append(
            {"lapp_table_id": table_id or self._id("LP"), "lapp_person_id": pid,
             "lapp_previous_permanence_option": option, "lapp_previous_permanence_la": la,
             "lapp_previous_permanence_order_date": date}
        )


def build_council() -> ReturnsCouncil:
    c = ReturnsCouncil()
    # ---- OC2 -------------------------------------------------------------------------------------------------------
    # C01: 9 at 1 April 2025, 10 at 31 March 2026, in care since 2023 -> OC2. SDQ: latest score in the year 18 (the
    # April 2026 one is after the year). Convicted in the year (10+). Immunisations: provider 'Y' 1 Oct, council 'N'
    # 15 Oct (within 28 days: the provider's counts) -> 1. Provider dental check in the year -> 1. Provider RHA
    # 1 Jun 2025 at 9 -> next due 1 Jun 2026, after 31 March -> 1. Substance misuse in the year, no intervention
    # received, one offered -> 1, 0, 1.
    c.person("C01", "2015-06-10")
    c.period("C01", "2023-01-10")
    c.sdq("C01", "2025-05-01", score="12")
    c.sdq("C01", "2025-11-01", score="18")
    c.sdq("C01", "2026-04-10", score="30")
    c.conviction("C01", "2025-09-01")
    c.provider_immunisation("C01", "2025-10-01", "Y")
    c.immunisation("C01", "2025-10-15", "N")
    c.provider_dental("C01", "2025-07-01")
    c.provider_assessment("C01", "RHA", "COMPLETED", assessment="2025-06-01")
    sid = c.substance("C01", "2025-08-01", received="N")
    c.offer("C01", sid, "2025-08-10")
    # C02: 3 at 1 April 2025, 4 at 31 March 2026: turning 4 in the year, the December score counts (DfE rule 197B asks
    # for a score or reason), no CONVICTED;
    # under 5 -> HEALTH_CHECK from the surveillance check in the year -> 1. Immunisations: provider 'N' Jan 2024,
    # council 'Y' Dec 2024 (later by more than 28 days: the council's counts) -> 1. No dental check -> 0. RHA
    # 1 Sep 2025 at 3 -> due 1 Mar 2026, before 31 March -> 0. No substance misuse -> 0, blank, blank.
    c.person("C02", "2022-02-15")
    c.period("C02", "2024-03-01", ls="C1")
    c.sdq("C02", "2025-12-01", score="10")
    c.cla_health("C02", "Health Surveillance Check", "2025-09-01")
    c.provider_immunisation("C02", "2024-01-01", "N")
    c.immunisation("C02", "2024-12-01", "Y")
    c.cla_health("C02", "Review Health Assessment", "2025-09-01")
    # C03: entered care on 1 April 2025 (12 months at 31 March) -> OC2; 12 -> 13: SDQ reason only -> SDQ2.
    # Conviction before the year -> 0. No immunisation statement -> 0. Council dental check 31 Mar 2026 -> 1. No
    # assessment -> 0. Substance misuse with an intervention received -> 1, 1, blank. Also a starter (PrevPerm).
    c.person("C03", "2012-05-01")
    c.period("C03", "2025-04-01")
    c.sdq("C03", "2025-10-01", reason="SDQ2")
    c.conviction("C03", "2025-03-15")
    c.cla_health("C03", "Dental Check", "2026-03-31")
    c.substance("C03", "2025-06-01", received="Y")
    # C04: entered care 2 April 2025: not 12 months -> not OC2; a starter: P1 arranged by 316 on 15/06/2018.
    c.person("C04", "2012-01-01")
    c.period("C04", "2025-04-02")
    c.previous_permanence("C04", "P1", la="316", date="15/06/2018")
    # C05: left care 15 March 2026 -> not OC2. C13 left on 31 March 2026 -> OC2 (as the validator's definition);
    # 12 -> 13, nothing recorded: CONVICTED and the health items 0.
    c.person("C05", "2010-01-01")
    c.period("C05", "2020-01-01", "2026-03-15", "E13")
    c.person("C13", "2013-02-02")
    c.period("C13", "2020-01-01", "2026-03-31", "E13")
    # C06: short breaks (V3) -> not OC2.
    c.person("C06", "2014-01-01")
    c.period("C06", "2024-01-01", ls="V3")
    # C07: left care 1 May 2025 and came back 20 May 2025 -> not continuous, not OC2; a starter with two previous
    # permanence records: the later (LP02) counts: P2 by 204, ISO date 2019-03-01 00:00:00.
    c.person("C07", "2011-01-01")
    c.period("C07", "2023-01-01", "2025-05-01", "E13")
    c.period("C07", "2025-05-20")
    c.previous_permanence("C07", "Z1", table_id="LP01")
    c.previous_permanence("C07", "P2", la="204", date="2019-03-01 00:00:00", table_id="LP02")
    # ---- PrevPerm ------------------------------------------------------------------------------------------------
    # C08: P3, day unknown (ZZ/05/2020: a partial date, blank as a DATE). C09: no record -> blanks. C10: P1 without
    # a date -> blank. C12: an impossible date (31/02/2021) -> blank.
    # C11: a short break starting in the year -> returned too (rule 630 asks it of every start of care): Z1.
    c.person("C08", "2013-03-03")
    c.period("C08", "2025-07-01")
    c.previous_permanence("C08", "P3", la="211", date="ZZ/05/2020")
    c.person("C09", "2013-04-04")
    c.period("C09", "2025-08-01")
    c.person("C10", "2014-05-05")
    c.period("C10", "2025-09-01")
    c.previous_permanence("C10", "P1")
    c.person("C12", "2014-07-07")
    c.period("C12", "2025-11-01")
    c.previous_permanence("C12", "P2", la="205", date="31/02/2021")
    c.person("C11", "2014-06-06")
    c.period("C11", "2025-10-01", "2025-10-03", "E8", ls="V3")
    c.previous_permanence("C11", "Z1")
    # ---- OC3 -----------------------------------------------------------------------------------------------------
    # L01: 18 on 15 Jun 2025, left care at 17 (in care from 14.2) -> OC3. Two care leaver records: the one with
    # contact 1 Jun 2025 (within 3 months before - 1 month after the birthday) counts: YES, F2, D + 1 -> D1.
    c.person("L01", "2007-06-15")
    c.period("L01", "2021-09-01", "2025-03-01", "E5")
    # L08: 18 on 7 Jul 2025 and left care that day -> not OC3 (validator rule 1016: ceased on or after the birthday).
    c.person("L08", "2007-07-07")
    c.period("L08", "2021-09-01", "2025-07-07", "E5")
    c.leaver("L08", "YES", "2025-07-01", "U", "1", "F5")
    c.leaver("L01", "YES", "2025-06-01", "D", "1", "F2")
    c.leaver("L01", "NO", "2026-01-10", "U", "2", "G5")
    # L02: 20 on 1 Mar 2026; in care 15.9 -> 18. Died: ACTIV and ACCOM 0.
    c.person("L02", "2006-03-01")
    c.period("L02", "2022-01-10", "2024-03-01", "E5")
    c.leaver("L02", "DIED", "2025-12-01", "B", "1", "G5")
    # L03: 17 on 1 Sep 2025, still in care -> not OC3 (but OC2: 16 at 1 April, 17 at 31 March: no SDQ items).
    c.person("L03", "2008-09-01")
    c.period("L03", "2023-01-01")
    # L04: 18 on 1 Oct 2025, left care after the birthday (1 Dec 2025) -> not OC3.
    c.person("L04", "2007-10-01")
    c.period("L04", "2022-06-01", "2025-12-01", "E5")
    # L05: 19 on 1 Aug 2025; 75 days in care after 14 (< 13 weeks) -> not OC3.
    c.person("L05", "2006-08-01")
    c.period("L05", "2022-06-01", "2022-08-15", "E13")
    # L06: 19 on 20 Jan 2026; 42 days at 14 + 54 days at 16 = 96 days (>= 91, some after 16) -> OC3; no care
    # leaver record -> blanks.
    c.person("L06", "2007-01-20")
    c.period("L06", "2021-02-01", "2021-03-15", "E13")
    c.period("L06", "2023-01-25", "2023-03-20", "E4A")
    # L07: 18 on 10 Apr 2025; care taken over by another LA (E3) -> not OC3.
    c.person("L07", "2007-04-10")
    c.period("L07", "2021-05-01", "2025-04-10", "E3")
    c.leaver("L07", "YES", "2025-04-01", "U", "1", "F5")
    # ---- AD1 and PlacedAdoption ----------------------------------------------------------------------------------
    # A01: adopted 20 Nov 2025 (E11). Its period's record (CLA-A01) counts for AD1, not the older one. PlacedAdoption:
    # the older decision was reversed before the year -> left out; the period's decision stands -> one row.
    c.person("A01", "2021-05-01")
    c.period("A01", "2023-01-01", "2025-11-20", "E11", cla_id="CLA-A01")
    c.permanence("A01", "CLA-OLD", "2022-01-01", decision_reversed_date="2022-06-01",
                 decision_reversed_reason="RD1")
    c.permanence("A01", "CLA-A01", "2023-06-01", matched_date="2025-05-01", placed_for_adoption_date="2025-06-01",
                 adopted_by_carer_flag="N", number_of_adopters="2", adopter_sex="mf", adopter_legal_status="L11")
    # A02: adopted 20 Mar 2025 (E12): in AD1 2024-25, not 2025-26 (nor in PlacedAdoption 2025-26: not looked after).
    c.person("A02", "2020-01-01")
    c.period("A02", "2022-01-01", "2025-03-20", "E12", cla_id="CLA-A02")
    c.permanence("A02", "CLA-A02", "2022-09-01", matched_date="2024-12-01", adopted_by_carer_flag="Y",
                 number_of_adopters="1", adopter_sex="F1", adopter_legal_status="L0")
    # P01: in care since 2023 (also OC2, aged 6-7: health items 0, nothing else). Decision 1 Feb 2024 reversed
    # 1 Oct 2025 (RD3); a new decision 1 Feb 2026 -> two rows, ordered by date.
    c.person("P01", "2019-01-01")
    c.period("P01", "2023-01-01", cla_id="CLA-P01")
    c.permanence("P01", "CLA-P01", "2024-02-01", decision_reversed_date="2025-10-01", decision_reversed_reason="RD3")
    c.permanence("P01", "CLA-P01", "2026-02-01")
    return c


def d(text):
    return None if text is None else dt.date.fromisoformat(text)


def _build(url: str, work: str) -> str:
    council = build_council()
    load_warehouse(url, council.tables, council.links)
    for year in ("2025-26", "2024-25"):
        result = run_dbt(url, AS_AT, "build", *SELECT, "--vars", json.dumps({"collection_year": year}), work=work)
        if result.returncode != 0:
            pytest.fail(f"dbt build {year} failed on {url.split(':')[0]}:\n{result.stdout[-8000:]}")
    return url


@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory) -> str:
    return _build(f"duckdb:///{tmp_path_factory.mktemp('returns_outcomes') / 'warehouse.duckdb'}", "returns_outcomes")


@pytest.fixture(scope="module")
def postgres_url() -> str:
    return _build(fresh_postgres_database(PG_TEST_DB), "returns_outcomes")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request):
    return request.getfixturevalue(f"{request.param}_url")


def rows(url: str, model: str, year: str = "2025-26") -> list[tuple]:
    frame = read_table(url, "returns", model, order_by="row_id")
    frame = frame[frame["collection_year"] == year]
    assert list(frame["row_id"].map(value)) == list(range(len(frame))), "row ids are 0..n-1 in order"
    return [tuple(value(v) for v in r) for r in frame.drop(columns=["collection_year", "row_id"]).itertuples(index=False)]


def test_columns_are_dfe_columns_in_order(url):
    for model, columns in {
        "ssda903_oc2": ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
                        "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
                        "INTERVENTION_OFFERED"],
        "ssda903_oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        "ssda903_ad1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
                        "LS_ADOPTR"],
        "ssda903_placed_for_adoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
        "ssda903_previous_permanence": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    }.items():
        assert list(read_table(url, "returns", model).columns) == ["collection_year", "row_id", *columns], model


def test_oc2(url):
    assert rows(url, "ssda903_oc2") == [
        ("C01", d("2015-06-10"), 18, None, "1", None, "1", "1", "1", "1", "0", "1"),
        ("C02", d("2022-02-15"), 10, None, None, "1", "1", "0", "0", "0", None, None),
        ("C03", d("2012-05-01"), None, "SDQ2", "0", None, "0", "1", "0", "1", "1", None),
        ("C13", d("2013-02-02"), None, None, "0", None, "0", "0", "0", "0", None, None),
        ("L03", d("2008-09-01"), None, None, "0", None, "0", "0", "0", "0", None, None),
        ("P01", d("2019-01-01"), None, None, None, None, "0", "0", "0", "0", None, None),
    ]


def test_oc3(url):
    assert rows(url, "ssda903_oc3") == [
        ("L01", d("2007-06-15"), "YES", "F2", "D1"),
        ("L02", d("2006-03-01"), "DIED", "0", "0"),
        ("L06", d("2007-01-20"), None, None, None),
    ]


def test_ad1(url):
    assert rows(url, "ssda903_ad1") == [
        ("A01", d("2021-05-01"), d("2023-06-01"), d("2025-05-01"), "0", 2, "MF", "L11"),
    ]


def test_placed_for_adoption(url):
    assert rows(url, "ssda903_placed_for_adoption") == [
        ("A01", d("2021-05-01"), d("2023-06-01"), None, None),
        ("P01", d("2019-01-01"), d("2024-02-01"), d("2025-10-01"), "RD3"),
        ("P01", d("2019-01-01"), d("2026-02-01"), None, None),
    ]


def test_previous_permanence(url):
    assert rows(url, "ssda903_previous_permanence") == [
        ("C03", d("2012-05-01"), None, None, None),
        ("C04", d("2012-01-01"), "P1", "316", d("2018-06-15")),
        ("C07", d("2011-01-01"), "P2", "204", d("2019-03-01")),
        ("C08", d("2013-03-03"), "P3", "211", None),
        ("C09", d("2013-04-04"), None, None, None),
        ("C10", d("2014-05-05"), "P1", None, None),
        ("C11", d("2014-06-06"), "Z1", None, None),
        ("C12", d("2014-07-07"), "P2", "205", None),
    ]


def test_each_year_keeps_its_rows(url):
    """2024-25 was built after 2025-26 into the same tables: both years are there, each numbered from 0."""
    assert rows(url, "ssda903_ad1", "2024-25") == [
        ("A02", d("2020-01-01"), d("2022-09-01"), d("2024-12-01"), "1", 1, "F1", "L0"),
    ]
    assert [r[0] for r in rows(url, "ssda903_placed_for_adoption", "2024-25")] == ["A01", "A02", "P01"]
    for model in MODELS:
        years = set(read_table(url, "returns", model)["collection_year"])
        assert years <= {"2024-25", "2025-26"}, model
    assert len(rows(url, "ssda903_oc2")) == 6


def test_rebuilding_a_year_replaces_it(duckdb_url):
    """A second build of 2025-26 leaves the same rows (no duplicates), and 2024-25 stays."""
    result = run_dbt(duckdb_url, AS_AT, "run", "--select", *MODELS, "--vars", json.dumps({"collection_year": "2025-26"}),
                     work="returns_outcomes")
    assert result.returncode == 0, result.stdout[-4000:]
    assert len(rows(duckdb_url, "ssda903_oc2")) == 6
    assert len(rows(duckdb_url, "ssda903_ad1", "2024-25")) == 1
