"""The suites are data: one per raw table, covering the contract, naming known rules, code lists and tables."""
import datetime as dt

import pytest

from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.quality import code_lists
from cs_pipeline.quality.gx_suite import build_suite
from cs_pipeline.quality.suite_spec import all_suites, parse_suite
from cs_pipeline_tests.quality.conftest import contract_columns

RAW_TABLES = sorted([*ssd_tables(), *(k.table for k in HEALTH_KINDS.values())])


def test_one_suite_per_raw_table():
    assert sorted(all_suites()) == RAW_TABLES
    assert len(RAW_TABLES) == 42  # 35 SSD + 4 extension (core groups, PEP, DoLO, substance misuse offers) + 3 health


@pytest.mark.parametrize("table", RAW_TABLES)
def test_suite_requires_every_contract_column_and_names_real_things(table):
    suite = all_suites()[table]
    assert list(suite.required_columns) == contract_columns(table)
    columns = set(suite.required_columns)
    for e in suite.expectations:
        assert set(e.columns) <= columns, (e.check_name, set(e.columns) - columns)
        if e.code_list:
            assert code_lists.code_list(e.code_list, 2026), e.code_list
        if e.parent:
            ptable, pcol = e.parent
            assert pcol in contract_columns(ptable), e.references
    if table.startswith("ssd_") and suite.record_id:
        assert suite.record_id in columns


def test_health_suites_check_nhs_numbers_as_warnings_and_link_children():
    for kind in HEALTH_KINDS.values():
        suite = all_suites()[kind.table]
        nhs = [e for e in suite.expectations if e.rule_id == "nhs_number_valid"]
        assert nhs and all(e.effective_severity == "WARN" for e in nhs)
        assert "health_child_known" in suite.cross_rules


def test_every_suite_builds_a_real_gx_suite():
    for table, suite in all_suites().items():
        gx_suite = build_suite(suite, as_at=dt.date(2026, 9, 30), year=2027)
        assert gx_suite.name == f"raw.{table}"
        assert len(gx_suite.expectations) == len(suite.by_engine("gx"))


def test_code_lists_resolve_by_collection_year():
    assert code_lists.collection_year(dt.date(2026, 3, 31)) == 2026
    assert code_lists.collection_year(dt.date(2026, 4, 1)) == 2027
    # a later year without its own folder falls back to the newest earlier list; an earlier year to the first
    assert code_lists.resolve("legal_status", 2030)[0] == 2026
    assert code_lists.resolve("legal_status", 2020)[0] == 2026
    assert "C2" in code_lists.code_list("legal_status", 2027)
    assert {"M", "m", "Male"} <= set(code_lists.codes("health_sex", 2026, ignore_case=True))


def test_an_analyst_extends_a_suite_with_one_line():
    suite = parse_suite(
        "table: ssd_cla_episodes\nrecord_id: clae_cla_episode_id\nrequired_columns: [clae_cla_episode_id]\n"
        "expectations:\n  - {rule: code_in_list, column: clae_cla_episode_start_reason, code_list: reason_new_episode,"
        " severity: WARN}\n"
    )
    (e,) = suite.expectations
    assert e.effective_severity == "WARN" and e.check_name == "code_in_list__clae_cla_episode_start_reason"
    with pytest.raises(KeyError, match="unknown rule id"):
        parse_suite("table: t\nexpectations:\n  - {rule: no_such_rule, column: x}\n")
