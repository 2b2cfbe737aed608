"""Every CIN rule's own cases: the rows it must flag, and rows it must pass, on DuckDB and on PostgreSQL."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from cs_pipeline.returns.rules import all_rules
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database
from cs_pipeline_tests.returns.rule_harness import expected, run_case_duckdb, run_case_postgres

RULES = all_rules("cin")
CASES = [pytest.param(rule, case, id=f"{rule.source}-{i}") for rule in RULES for i, case in enumerate(rule.cases)]


def _passes_some_row(case: dict) -> bool:
    flagged = {(t, r) for t, rows in expected(case).items() for r in rows}
    return any((t, i) not in flagged for t, rows in case["tables"].items() for i in range(len(rows or [])))


def test_every_rule_has_a_failing_and_a_passing_case():
    assert RULES
    for rule in RULES:
        assert any(expected(c) for c in rule.cases), f"{rule.source}: no case that the rule flags"
        assert any(_passes_some_row(c) for c in rule.cases), f"{rule.source}: no row that the rule passes"


@pytest.mark.parametrize("rule, case", CASES)
def test_rule_case_duckdb(rule, case):
    assert run_case_duckdb(rule, case, "cin") == expected(case), case.get("name")


@pytest.fixture(scope="module")
def pg_engine():
    url = fresh_postgres_database(f"cs_cin_rule_cases_{os.getpid()}")  # per process: pytest runs side by side
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(url)


@pytest.mark.postgres
@pytest.mark.parametrize("rule, case", CASES)
def test_rule_case_postgres(pg_engine, rule, case):
    assert run_case_postgres(pg_engine, rule, case, "cin") == expected(case), case.get("name")


def test_case_values_are_written_as_text():
    """YAML reads an unquoted 2006-01-01 as a date: a case must give values as the XML would hold them."""
    import datetime as dt

    for rule in RULES:
        for case in rule.cases:
            for table, rows in case["tables"].items():
                for row in rows or []:
                    bad = {k: v for k, v in row.items() if isinstance(v, (dt.date, bool, float, int))}
                    assert not bad, f"{rule.source}, case {case.get('name')!r}, {table}: write {bad} as quoted text"
