"""run_rules sends rules to the engine in batches: the flags must be those of each rule run alone, and a broken rule
inside a batch must be named as failed without costing the other rules of its batch their flags."""
from __future__ import annotations

import os

import duckdb
import pytest
import sqlalchemy as sa

from cs_pipeline.returns import rules as rules_module
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.loading import DuckDBRunner
from cs_pipeline.returns.rules import Rule, SqlAlchemyRunner, run_rules
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database

YEAR = CollectionYear.parse("2024-25")
ROWS = 40


def _rule(code: str, sql: str, tables=("episodes",)) -> Rule:
    return Rule(code=code, message=code, affected_fields=(), tables=tables, first_year=YEAR, last_year=None, sql=sql)


def _rules() -> list[Rule]:
    """More rules than one batch holds: rule i flags the rows whose row_id is a multiple of i+2; one rule (in the
    middle of the second batch) reads a column that does not exist; one needs a table not supplied."""
    made = [
        _rule(f"R{i:02d}", f"select 'episodes' as table_name, row_id from episodes where row_id % {i + 2} = 0")
        for i in range(2 * rules_module.RULES_PER_STATEMENT + 3)
    ]
    made.insert(rules_module.RULES_PER_STATEMENT + 4,
                _rule("BROKEN", "select 'episodes' as table_name, row_id from episodes where no_such_column = 1"))
    made.append(_rule("ABSENT", "select 'header' as table_name, row_id from header", tables=("header",)))
    return made


def _expected() -> set[tuple[str, int]]:
    return {(f"R{i:02d}", row) for i in range(2 * rules_module.RULES_PER_STATEMENT + 3)
            for row in range(ROWS) if row % (i + 2) == 0}


def _check(run) -> None:
    assert run.failed.keys() == {"BROKEN"} and "no_such_column" in run.failed["BROKEN"]
    assert run.skipped == {"ABSENT": "needs header"}
    assert sorted(run.ran) == sorted(f"R{i:02d}" for i in range(2 * rules_module.RULES_PER_STATEMENT + 3))
    assert {(c, int(r)) for c, r in zip(run.flags["rule_code"], run.flags["row_id"])} == _expected()
    assert len(run.flags) == len(_expected())   # each flag once
    assert set(run.flags["child_id"]) == {f"C{row}" for _, row in _expected()}
    assert set(run.seconds) == set(run.ran)


def test_batched_rules_on_duckdb():
    con = duckdb.connect()
    con.execute(f"create table episodes as select range as row_id, 'C' || range as CHILD from range({ROWS})")
    _check(run_rules(DuckDBRunner(con), _rules(), YEAR, {"episodes"}))


@pytest.fixture(scope="module")
def pg_url():
    url = fresh_postgres_database(f"cs_rule_runner_{os.getpid()}")
    yield url
    drop_postgres_database(url)


@pytest.mark.postgres
def test_batched_rules_on_postgres(pg_url):
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'create table episodes as select g as row_id, \'C\' || g as "CHILD" '
                                 f"from generate_series(0, {ROWS - 1}) g"))
            conn.commit()
            _check(run_rules(SqlAlchemyRunner(conn, "postgresql"), _rules(), YEAR, {"episodes"}))
    finally:
        engine.dispose()
