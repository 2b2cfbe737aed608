"""Who may read what on the PostgreSQL warehouse (cs_pipeline.publish.roles), proved table by table.

The warehouse is built for real as a dedicated, non-superuser pipeline role that owns its database: the hand-built
council is loaded into raw / quarantine / staging / linkage by the loaders, the real dbt project is run over it
(staging, intermediate, marts, returns), and the regional copy writes returns_shared. Then the roles are applied
(apply_roles once, the CLI twice: the state must not change), and login users who are members of each group role
connect as themselves (new connections, trust auth) and try every table of every schema.

Roles are cluster-wide: the login users and pipeline roles get a per-session suffix, and everything this module
created is dropped at the end. The group roles (cs_bi_reader, cs_data_team) are the policy's own names; they are
dropped at the end only if this session created them and no other database still uses them.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.regional import write_regional_copy
from cs_pipeline.publish.roles import (
    DUCKDB_MESSAGE, PIPELINE_SCHEMAS, READERS, DuckDBHasNoRoles, RolesError, apply_roles, grant_readers,
)
from cs_pipeline.publish.run_failures import STEP_FAILURE, RunEvent, build_report, write_failures
from cs_pipeline_tests.conftest import PG_SERVER, fresh_postgres_database
from cs_pipeline_tests.marts.children import AS_AT, build_council
from cs_pipeline_tests.marts.warehouse_fixture import (
    DBT_PROJECT_DIR, LINK_COLUMNS, load_warehouse, raw_columns, run_dbt,
)

pg = pytest.mark.postgres

SUFFIX = uuid.uuid4().hex[:8]
PIPELINE = f"cs_test_pipeline_{SUFFIX}"
PASSWORD = "never-printed-7f3a"  # trust auth ignores it; the CLI must not print it
USERS = {"bi": f"cs_test_bi_user_{SUFFIX}", "data_team": f"cs_test_data_user_{SUFFIX}",
         "nobody": f"cs_test_nobody_{SUFFIX}"}
GROUP_OF = {"bi": "cs_bi_reader", "data_team": "cs_data_team"}
# The policy, written out again here rather than read from the module under test (INTERFACE.md section 5)
MAY_READ = {
    "bi": {"marts"},
    "data_team": {"marts", "returns", "returns_shared", "quarantine", "linkage", "staging", "intermediate", "ops"},
    "nobody": set(),
}
SHARED = [("marts", "iha_timeliness"), ("returns", "ssda903_episodes")]
BUILDING = ("marts_build", "iha_timeliness")  # a mart as dbt builds it before publishing: the pipeline's alone
RUN_FAILURES = ("ops", "run_failures")  # what the run-failure sensor writes (publish/run_failures.py)
# a view in marts, made before the roles ran (over a table no test rebuilds: dbt drops a rebuilt table's dependants)
VIEW = "bi_monthly_view"
DENIED = "42501"  # insufficient_privilege


def _dbt_models() -> list[tuple[str, str]]:
    """(schema, table) of every model the dbt project materialises: the folder under models/ is the schema."""
    models = DBT_PROJECT_DIR / "models"
    out = []
    for path in sorted(models.rglob("*.sql")):
        if re.search(r"materialized\s*=\s*['\"]ephemeral['\"]", path.read_text(encoding="utf-8")):
            continue
        out.append((path.relative_to(models).parts[0], path.stem))
    return out


def _expected_tables() -> list[tuple[str, str]]:
    raw = sorted(raw_columns())
    tables = [("raw", t) for t in [*raw, "ssd_table_log"]] + [("quarantine", t) for t in raw]
    tables += [("staging", "dim_calendar")] + [("linkage", t) for t in LINK_COLUMNS]
    tables += _dbt_models() + [("marts", VIEW)]
    tables += [("returns_shared", f"{s}__{t}") for s, t in SHARED] + [("returns_shared", "copy_manifest")]
    tables += [BUILDING, RUN_FAILURES]
    return sorted(set(tables))


ALL_TABLES = _expected_tables()


def _url(database_url: str, user: str, password: str | None = None) -> str:
    return make_url(database_url).set(username=user, password=password).render_as_string(hide_password=False)


def _admin(database: str = "postgres") -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/{database}", isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _admin_execute(*statements: str, database: str = "postgres") -> None:
    engine = _admin(database)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def _attempt(engine: sa.Engine, sql: str) -> str | None:
    """None if the statement ran, else its SQLSTATE. Always rolled back, so a write that wrongly succeeds leaves
    nothing behind."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(sa.text(sql))
            return None
        except sa.exc.DBAPIError as exc:
            return getattr(exc.orig, "pgcode", None) or str(exc.orig)
        finally:
            trans.rollback()


def _acl_state(url: str) -> dict:
    """Every ACL that matters: the pipeline schemas', their tables', default privileges, schema public's, roles."""
    wh = Warehouse(url)
    try:
        schemas = wh.query_frame(
            "SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl FROM pg_namespace "
            "WHERE nspname = ANY(:s) OR nspname = 'public' ORDER BY 1", s=list(PIPELINE_SCHEMAS))
        tables = wh.query_frame(
            "SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(:s) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1, 2",
            s=list(PIPELINE_SCHEMAS))
        defaults = wh.query_frame(
            "SELECT pg_get_userbyid(d.defaclrole) AS role, n.nspname, d.defaclobjtype, d.defaclacl::text AS acl "
            "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ORDER BY 1, 2, 3")
        roles = wh.query_frame(
            "SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = ANY(:r) ORDER BY 1", r=list(READERS))
        database = wh.query_frame("SELECT datacl::text AS acl FROM pg_database WHERE datname = current_database()")
    finally:
        wh.engine.dispose()
    return {name: frame.to_dict("records") for name, frame in
            {"schemas": schemas, "tables": tables, "defaults": defaults, "roles": roles, "database": database}.items()}


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cs_pipeline.publish.roles", *args], cwd=PROJECT_ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=300)


def _drop_role_if_unused(role: str) -> None:
    try:
        _admin_execute(f'DROP ROLE IF EXISTS "{role}"')
    except sa.exc.DBAPIError as exc:  # another database (another session, a council's) still grants to it
        if getattr(exc.orig, "pgcode", None) != "2BP01":
            raise


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The warehouse built as the pipeline role, then the roles applied three times; login users for each role."""
    _admin_execute(f'CREATE ROLE "{PIPELINE}" LOGIN CREATEROLE')
    created_groups: list[str] = []
    database_url = None
    try:
        database_url = fresh_postgres_database("cs_roles_test")
        database = make_url(database_url).database
        # the council's DBA gives the pipeline its own database; the pipeline's role owns all that is in it
        _admin_execute(f'ALTER DATABASE "{database}" OWNER TO "{PIPELINE}"')
        url = _url(database_url, PIPELINE, PASSWORD)

        council = build_council()
        load_warehouse(url, council.tables, council.links)
        result = run_dbt(url, AS_AT, "run", work="roles")
        if result.returncode != 0:
            pytest.fail(f"dbt run failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
        write_regional_copy(Warehouse(url), SHARED, tmp_path_factory.mktemp("shared"), b"k" * 32)
        Warehouse(url).execute(f'CREATE VIEW marts."{VIEW}" AS SELECT * FROM marts.timeliness_monthly')
        Warehouse(url).execute(f"CREATE SCHEMA {BUILDING[0]}")
        Warehouse(url).execute(f"CREATE TABLE {BUILDING[0]}.{BUILDING[1]} AS SELECT * FROM marts.{BUILDING[1]}")
        failed = RunEvent(STEP_FAILURE, 1.8e9, step_key="raw__ssd_person", error_class="SourceSchemaError",
                          message="ssd_person has no column pers_dob")
        write_failures(Warehouse(url), build_report("run-1", "nightly_refresh", [failed]))
        inventory = Warehouse(url).query_frame(
            "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(:s) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')", s=list(PIPELINE_SCHEMAS))

        summary = apply_roles(url)
        created_groups = list(summary.roles_created)
        states = [_acl_state(url)]
        cli = [_cli("--warehouse-url", url)]
        states.append(_acl_state(url))
        cli.append(_cli(env={"CS_PIPELINE_WAREHOUSE_URL": url}))  # the default: the pipeline's own setting
        states.append(_acl_state(url))

        _admin_execute(f'CREATE ROLE "{USERS["bi"]}" LOGIN IN ROLE cs_bi_reader',
                       f'CREATE ROLE "{USERS["data_team"]}" LOGIN IN ROLE cs_data_team',
                       f'CREATE ROLE "{USERS["nobody"]}" LOGIN')
        engines = {p: sa.create_engine(_url(database_url, user), poolclass=NullPool) for p, user in USERS.items()}
        yield {"url": url, "database_url": database_url, "summary": summary, "states": states, "cli": cli,
               "inventory": set(inventory.itertuples(index=False, name=None)), "engines": engines}
        for engine in engines.values():
            engine.dispose()
    finally:
        if database_url:
            _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')
        for user in USERS.values():
            _admin_execute(f'DROP ROLE IF EXISTS "{user}"')
        _admin_execute(f'DROP ROLE IF EXISTS "{PIPELINE}"')
        for group in created_groups:
            _drop_role_if_unused(group)


def test_policy_is_data():
    assert {role: set(schemas) for role, schemas in READERS.items()} == {GROUP_OF[p]: MAY_READ[p] for p in GROUP_OF}
    assert set(PIPELINE_SCHEMAS) == {"raw", "quarantine", "staging", "intermediate", "linkage", "marts_build",
                                     "marts", "returns", "returns_shared", "ops"}
    assert not any("raw" in schemas for schemas in READERS.values())


@pg
def test_every_table_in_the_warehouse_is_checked(built):
    """The per-table tests below cover exactly what the build left in the pipeline's schemas."""
    assert built["inventory"] == set(ALL_TABLES)
    assert {s for s, _ in ALL_TABLES} == set(PIPELINE_SCHEMAS)


@pg
def test_the_pipeline_role_owns_everything(built):
    state = built["states"][-1]
    assert {s["owner"] for s in state["schemas"] if s["nspname"] != "public"} == {PIPELINE}
    assert {t["owner"] for t in state["tables"]} == {PIPELINE}
    assert {r["rolname"]: (r["rolcanlogin"], r["rolsuper"]) for r in state["roles"]} == {
        "cs_bi_reader": (False, False), "cs_data_team": (False, False)}


@pg
def test_summary_counts(built):
    summary = built["summary"]
    assert summary.pipeline_role == PIPELINE
    assert summary.schemas_created == []  # the build made them all
    assert summary.public_schema_create_revoked and summary.connect_granted
    per_schema = {s: sum(1 for t in ALL_TABLES if t[0] == s) for s in PIPELINE_SCHEMAS}
    assert summary.grants == {GROUP_OF[p]: {s: per_schema[s] for s in PIPELINE_SCHEMAS if s in MAY_READ[p]}
                              for p in GROUP_OF}


@pg
def test_cli_twice_changes_nothing(built):
    first, *again = built["states"]
    assert all(state == first for state in again)
    for run in built["cli"]:
        assert run.returncode == 0, run.stderr
        assert PASSWORD not in run.stdout + run.stderr
        assert "cs_bi_reader: SELECT on" in run.stdout and "cs_data_team: SELECT on" in run.stdout
        assert "roles created: none" in run.stdout
        assert f"{PIPELINE}:***@" in run.stdout  # the URL only masked


@pg
@pytest.mark.parametrize("persona", ["bi", "data_team"])
@pytest.mark.parametrize(("schema", "table"), ALL_TABLES, ids=[f"{s}.{t}" for s, t in ALL_TABLES])
def test_reads_table_by_table(built, persona, schema, table):
    engine = built["engines"][persona]
    target = f'"{schema}"."{table}"'
    outcome = _attempt(engine, f"SELECT * FROM {target} LIMIT 1")
    if schema in MAY_READ[persona]:
        assert outcome is None, f"{persona} cannot read {schema}.{table}: {outcome}"
    else:
        assert outcome == DENIED, f"{persona} reading {schema}.{table}: {outcome}"
    # nobody but the pipeline writes
    assert _attempt(engine, f"DELETE FROM {target}") == DENIED
    assert _attempt(engine, f"INSERT INTO {target} DEFAULT VALUES") == DENIED
    if table != VIEW:
        assert _attempt(engine, f"TRUNCATE {target}") == DENIED


@pg
@pytest.mark.parametrize("schema", PIPELINE_SCHEMAS)
def test_a_login_in_no_group_reads_nothing(built, schema):
    engine = built["engines"]["nobody"]
    outcomes = {t: _attempt(engine, f'SELECT * FROM "{schema}"."{t}" LIMIT 1') for s, t in ALL_TABLES if s == schema}
    assert outcomes and set(outcomes.values()) == {DENIED}, outcomes


@pg
@pytest.mark.parametrize("persona", ["bi", "data_team", "nobody"])
@pytest.mark.parametrize("schema", [*PIPELINE_SCHEMAS, "public"])
def test_nobody_creates_anything(built, persona, schema):
    engine = built["engines"][persona]
    assert _attempt(engine, f'CREATE TABLE "{schema}".cs_probe (x int)') == DENIED
    assert _attempt(engine, f'CREATE VIEW "{schema}".cs_probe AS SELECT 1 AS x') == DENIED


@pg
@pytest.mark.parametrize("persona", ["bi", "data_team", "nobody"])
def test_nobody_creates_a_schema(built, persona):
    assert _attempt(built["engines"][persona], "CREATE SCHEMA cs_probe") == DENIED


def _reads(built, persona: str, schema: str, table: str) -> str | None:
    return _attempt(built["engines"][persona], f'SELECT * FROM "{schema}"."{table}"')


@pg
def test_tables_created_later_are_covered_by_default_privileges(built):
    wh = Warehouse(built["url"])
    frame = pd.DataFrame({"person_id": ["C1"], "n": [1]})
    for schema in ("marts", "staging", "raw"):
        wh.write_frame(frame, schema, "created_later")  # the loaders' path: a side table renamed in
    assert _reads(built, "bi", "marts", "created_later") is None
    assert _reads(built, "data_team", "marts", "created_later") is None
    assert _reads(built, "bi", "staging", "created_later") == DENIED
    assert _reads(built, "data_team", "staging", "created_later") is None
    assert _reads(built, "data_team", "raw", "created_later") == DENIED
    assert _attempt(built["engines"]["bi"], "DELETE FROM marts.created_later") == DENIED


@pg
def test_a_dbt_rebuild_after_the_roles_stays_readable(built):
    """dbt replaces a table model with a new table (built aside, renamed in): default privileges cover it."""
    wh = Warehouse(built["url"])
    before = wh.scalar("SELECT 'marts.dim_team'::regclass::oid")
    result = run_dbt(built["url"], AS_AT, "run", "--select", "dim_team", "int_cla__periods_of_care", work="roles")
    assert result.returncode == 0, result.stdout[-4000:]
    assert wh.scalar("SELECT 'marts.dim_team'::regclass::oid") != before  # a new table, not the old one
    assert _reads(built, "bi", "marts", "dim_team") is None
    assert _reads(built, "data_team", "intermediate", "int_cla__periods_of_care") is None
    assert _reads(built, "bi", "intermediate", "int_cla__periods_of_care") == DENIED


@pg
def test_tables_moved_in_need_grant_readers(built):
    wh = Warehouse(built["url"])
    wh.execute("CREATE SCHEMA IF NOT EXISTS cs_build")
    try:
        wh.execute("CREATE TABLE cs_build.moved_alone (x int)")
        wh.execute("ALTER TABLE cs_build.moved_alone SET SCHEMA marts")
        # SET SCHEMA keeps the table's own (empty) ACL: default privileges never see it
        assert _reads(built, "bi", "marts", "moved_alone") == DENIED

        with wh.begin() as conn:  # the publisher's way: swap in and grant in one transaction
            conn.execute(sa.text("CREATE TABLE cs_build.moved_in (x int)"))
            conn.execute(sa.text("INSERT INTO cs_build.moved_in VALUES (1)"))
            conn.execute(sa.text("ALTER TABLE cs_build.moved_in SET SCHEMA marts"))
            granted = grant_readers(conn, "marts")
        tables = wh.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'marts' AND c.relkind IN ('r', 'v')")
        assert granted == {"cs_bi_reader": tables, "cs_data_team": tables}
        for table in ("moved_in", "moved_alone"):  # it grants on every table now in the schema
            assert _reads(built, "bi", "marts", table) is None
            assert _reads(built, "data_team", "marts", table) is None
        assert _attempt(built["engines"]["bi"], "INSERT INTO marts.moved_in VALUES (2)") == DENIED

        # a table carrying the data team's SELECT from staging loses it when moved into raw
        wh.execute("CREATE TABLE staging.moved_out (x int)")  # default privileges: data team reads it
        assert _reads(built, "data_team", "staging", "moved_out") is None
        with wh.begin() as conn:
            conn.execute(sa.text("ALTER TABLE staging.moved_out SET SCHEMA raw"))
            assert grant_readers(conn, "raw") == {}
        assert _reads(built, "data_team", "raw", "moved_out") == DENIED
    finally:
        wh.execute("DROP SCHEMA cs_build CASCADE")
        for schema, table in (("marts", "moved_alone"), ("marts", "moved_in"), ("raw", "moved_out")):
            wh.execute(f"DROP TABLE IF EXISTS {schema}.{table}")


# -- a second database: a pipeline role that neither owns the database nor may create roles -----------------------
@pytest.fixture(scope="module")
def limited():
    pipeline = f"cs_test_limited_{SUFFIX}"
    readers = {f"cs_test_bi_{SUFFIX}": ("marts",), f"cs_test_team_{SUFFIX}": ("marts", "staging")}
    _admin_execute(f'CREATE ROLE "{pipeline}" LOGIN')
    database_url = None
    try:
        database_url = fresh_postgres_database("cs_roles_limited")
        database = make_url(database_url).database
        _admin_execute(f'GRANT CREATE ON DATABASE "{database}" TO "{pipeline}"')
        yield {"url": _url(database_url, pipeline), "database_url": database_url, "readers": readers}
    finally:
        if database_url:
            _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')
        for role in [*readers, pipeline]:
            _admin_execute(f'DROP ROLE IF EXISTS "{role}"')


@pg
def test_limited_pipeline_role(limited):
    url, readers = limited["url"], limited["readers"]
    # the group roles are missing and the pipeline may not create roles: a clear error, and nothing done
    with pytest.raises(RolesError, match=r"CREATE ROLE cs_test_bi_\w+ NOLOGIN"):
        apply_roles(url, readers)
    assert Warehouse(url).scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'marts'") == 0

    # a superuser creates them once per server; then it works before the first run (it makes the schemas) ...
    _admin_execute(*(f'CREATE ROLE "{role}" NOLOGIN' for role in readers))
    summary = apply_roles(url, readers)
    assert summary.roles_created == []
    assert summary.schemas_created == list(PIPELINE_SCHEMAS)
    # ... leaving schema public alone: the database (so schema public) is not the pipeline's
    assert not summary.public_schema_create_revoked and not summary.connect_granted
    assert summary.grants == {role: {s: 0 for s in PIPELINE_SCHEMAS if s in schemas}
                              for role, schemas in readers.items()}

    # the first run's tables are then readable by the roles allowed
    Warehouse(url).write_frame(pd.DataFrame({"x": [1]}), "marts", "first_run")
    Warehouse(url).write_frame(pd.DataFrame({"x": [1]}), "staging", "first_run")
    engine = _admin(make_url(limited["database_url"]).database)
    bi, team = readers
    try:
        for role, schema, expected in [(bi, "marts", None), (bi, "staging", DENIED), (team, "staging", None),
                                       (team, "raw", DENIED)]:
            with engine.connect() as conn:  # a superuser taking on exactly the group role's privileges
                conn.execute(sa.text(f'SET ROLE "{role}"'))
                try:
                    conn.execute(sa.text(f"SELECT * FROM {schema}.first_run"))
                    outcome = None
                except sa.exc.DBAPIError as exc:
                    outcome = exc.orig.pgcode
            assert outcome == expected, (role, schema)
        # a table someone else owns in a pipeline schema: refused, by name
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE TABLE marts.not_ours (x int)"))
        with pytest.raises(RolesError, match=r"marts\.not_ours \(owner postgres\)"):
            apply_roles(url, readers)
        with Warehouse(url).begin() as conn, pytest.raises(RolesError, match="not_ours"):
            grant_readers(conn, "marts", readers)
    finally:
        engine.dispose()


# -- DuckDB: no roles ---------------------------------------------------------------------------------------------
def test_duckdb_exits_2(tmp_path):
    path = tmp_path / "w.duckdb"
    for run in (_cli("--warehouse-url", f"duckdb:///{path}"),
                _cli(env={"CS_PIPELINE_WAREHOUSE_URL": f"duckdb:///{path}"})):
        assert run.returncode == 2
        assert "DuckDB" in run.stderr and "no roles" in run.stderr and "Parquet" in run.stderr
        assert run.stdout == ""
    assert not path.exists()
    with pytest.raises(DuckDBHasNoRoles, match="no roles"):
        apply_roles(f"duckdb:///{path}")
    assert "read-only" in DUCKDB_MESSAGE


def test_grant_readers_does_nothing_on_duckdb(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    wh.write_frame(pd.DataFrame({"x": [1]}), "marts", "t")
    with wh.begin() as conn:
        assert grant_readers(conn, "marts") == {}
