"""Who may read what on the PostgreSQL warehouse (contracts/INTERFACE.md section 5), as two group roles.

``cs_bi_reader`` reads the marts; ``cs_data_team`` reads everything but ``raw`` and ``marts_build`` (``ops``, the
run failures, included). Both are NOLOGIN group roles: a council gives a person access by creating a login role that
is a member of one (docs/publishing.md, "Roles").
Readers get USAGE on the schema and SELECT on its tables and views, nothing else: no CREATE, no writes.

The pipeline's own role (the warehouse URL's user, ``current_user``) owns every schema and table. Tables it creates
later (dbt rebuilds, the loaders' swaps) are covered by ALTER DEFAULT PRIVILEGES FOR ROLE <pipeline role>; tables
moved into a schema with ALTER TABLE ... SET SCHEMA keep their own ACLs, so whoever moves them calls
``grant_readers(connection, schema)`` in the same transaction.

Roles are cluster-wide in PostgreSQL but grants are per database: run this once per warehouse database (after the
first run, or before it: it creates the schemas it grants on). Idempotent: running it again gives the same state.
DuckDB has no roles, so on a DuckDB warehouse this refuses (exit status 2).

    python -m cs_pipeline.publish.roles [--warehouse-url URL]
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cs_pipeline.lib.warehouse import Warehouse, quote_ident

# -- the policy ----------------------------------------------------------------------------------------------------
# Every schema the pipeline writes (INTERFACE.md section 5). PUBLIC gets nothing on any of them.
PIPELINE_SCHEMAS: tuple[str, ...] = (
    "raw", "quarantine", "staging", "intermediate", "linkage", "marts_build", "marts", "returns", "returns_shared",
    "ops",
)  # marts_build: where dbt builds the marts before publishing (publish/marts.py); the pipeline's alone.
# ops: how the pipeline itself is running (ops.run_failures, publish/run_failures.py)
# group role -> the schemas it may read (USAGE + SELECT on every table and view, now and later). Nobody reads raw.
READERS: dict[str, tuple[str, ...]] = {
    "cs_bi_reader": ("marts",),
    "cs_data_team": ("marts", "returns", "returns_shared", "quarantine", "linkage", "staging", "intermediate", "ops"),
}
NEVER_READ: tuple[str, ...] = ("raw",)

DUCKDB_MESSAGE = (
    "the warehouse is DuckDB, which has no roles or grants: nothing to do. BI readers use the Parquet export, or "
    "open the DuckDB file read-only while no pipeline run is writing it."
)

# relation kinds GRANT ... ON ALL TABLES covers: tables, views, materialized views, foreign and partitioned tables
_RELKINDS = ("r", "v", "m", "f", "p")


class RolesError(RuntimeError):
    """The warehouse cannot be given the policy as it stands (the message says what to change)."""


class DuckDBHasNoRoles(RolesError):
    pass


@dataclass
class RolesSummary:
    pipeline_role: str
    roles_created: list[str] = field(default_factory=list)
    schemas_created: list[str] = field(default_factory=list)
    # role -> {schema it reads: tables and views it can now SELECT}
    grants: dict[str, dict[str, int]] = field(default_factory=dict)
    # schemas PUBLIC was revoked from (the pipeline's), and whether CREATE on schema public was revoked from PUBLIC
    public_revoked: list[str] = field(default_factory=list)
    public_schema_create_revoked: bool = False
    # the roles were granted CONNECT on this database (only when the pipeline role owns it)
    connect_granted: bool = False

    def lines(self) -> list[str]:
        out = [f"pipeline role: {self.pipeline_role} (owns {len(PIPELINE_SCHEMAS)} schemas)"]
        out.append(f"roles created: {', '.join(self.roles_created) or 'none (all existed)'}")
        if self.schemas_created:
            out.append(f"schemas created: {', '.join(self.schemas_created)}")
        for role, schemas in self.grants.items():
            total = sum(schemas.values())
            parts = ", ".join(f"{schema} ({n})" for schema, n in schemas.items())
            out.append(f"{role}: SELECT on {total} tables/views in {len(schemas)} schemas: {parts}; "
                       f"default privileges set for tables created later")
        out.append(f"PUBLIC: all privileges revoked on {len(self.public_revoked)} schemas")
        out.append("PUBLIC: CREATE on schema public revoked" if self.public_schema_create_revoked
                   else "PUBLIC: CREATE on schema public left as it is (the pipeline role does not own schema public)")
        if self.connect_granted:
            out.append(f"CONNECT on this database granted to {', '.join(self.grants)}")
        return out


def _check_policy(readers: Mapping[str, Sequence[str]]) -> None:
    for role, schemas in readers.items():
        quote_ident(role)
        unknown = set(schemas) - set(PIPELINE_SCHEMAS)
        if unknown:
            raise ValueError(f"{role}: not pipeline schemas: {sorted(unknown)}")
        if set(schemas) & set(NEVER_READ):
            raise ValueError(f"{role}: nobody reads {', '.join(NEVER_READ)}")


def _exec(conn: sa.Connection, sql: str, **params) -> sa.CursorResult:
    return conn.execute(sa.text(sql), params)


def _existing_roles(conn: sa.Connection, names: Sequence[str]) -> set[str]:
    rows = _exec(conn, "SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)", names=list(names))
    return {r[0] for r in rows}


def _not_owned(conn: sa.Connection, schemas: Sequence[str]) -> list[str]:
    """Schemas and tables in them the pipeline role does not own (so its grants on them would do nothing)."""
    rows = _exec(
        conn,
        "SELECT n.nspname, NULL::text, pg_get_userbyid(n.nspowner) FROM pg_namespace n "
        "WHERE n.nspname = ANY(:schemas) AND NOT pg_has_role(current_user, n.nspowner, 'USAGE') "
        "UNION ALL "
        "SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(:schemas) AND c.relkind = ANY(:kinds) "
        "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1, 2 NULLS FIRST",
        schemas=list(schemas), kinds=list(_RELKINDS),
    )
    return [f"{'schema ' + s if t is None else s + '.' + t} (owner {o})" for s, t, o in rows]


def _raise_if_not_owned(conn: sa.Connection, schemas: Sequence[str]) -> None:
    foreign = _not_owned(conn, schemas)
    if foreign:
        shown = "; ".join(foreign[:20]) + (f"; and {len(foreign) - 20} more" if len(foreign) > 20 else "")
        raise RolesError(
            f"the pipeline role ({_exec(conn, 'SELECT current_user').scalar()}) must own every schema and table it "
            f"grants on, but does not own {len(foreign)}: {shown}. Have their owner (or a superuser) run "
            "ALTER ... OWNER TO the pipeline role, or drop them so the pipeline rebuilds them."
        )


def _table_count(conn: sa.Connection, schema: str) -> int:
    return int(_exec(
        conn,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind = ANY(:kinds)",
        s=schema, kinds=list(_RELKINDS),
    ).scalar())


def _grant_tables(conn: sa.Connection, schema: str, role: str, allowed: bool) -> None:
    """The role's privileges on the tables now in the schema become exactly SELECT (allowed) or nothing."""
    s, r = quote_ident(schema), quote_ident(role)
    _exec(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}")
    if allowed:
        _exec(conn, f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}")


def grant_readers(connection: sa.Connection, schema: str,
                  readers: Mapping[str, Sequence[str]] = READERS) -> dict[str, int]:
    """(Re)grant SELECT on every table now in ``schema`` to the policy's roles allowed to read it, and take every
    other privilege on those tables off the policy's roles and PUBLIC (grants to other roles are left alone).

    For the publisher, inside the transaction that moves freshly built tables in (ALTER TABLE ... SET SCHEMA keeps
    a table's own ACL, which default privileges never touch). Roles that do not exist yet (``apply_roles`` never
    ran) are skipped; on DuckDB this does nothing. Returns {role: tables it can now read in the schema}.
    """
    if connection.dialect.name != "postgresql":
        return {}
    _check_policy(readers)
    s = quote_ident(schema)
    _raise_if_not_owned(connection, [schema])
    _exec(connection, f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC")
    granted: dict[str, int] = {}
    count = _table_count(connection, schema)
    for role in sorted(_existing_roles(connection, list(readers))):
        allowed = schema in readers[role]
        _grant_tables(connection, schema, role, allowed)
        if allowed:
            _exec(connection, f"GRANT USAGE ON SCHEMA {s} TO {quote_ident(role)}")
            granted[role] = count
    return granted


def _create_role(conn: sa.Connection, role: str) -> bool:
    """CREATE ROLE ... NOLOGIN unless it exists; True if this call created it. Safe against a concurrent creator."""
    if _existing_roles(conn, [role]):
        return False
    can = _exec(conn, "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").scalar()
    if not can:
        raise RolesError(
            f"role {role} does not exist and the pipeline role may not create roles: have a superuser run "
            f"CREATE ROLE {role} NOLOGIN (once per server), or give the pipeline role CREATEROLE, then run this again"
        )
    try:
        with conn.begin_nested():
            _exec(conn, f"CREATE ROLE {quote_ident(role)} NOLOGIN")
    except sa.exc.DBAPIError as exc:  # another database's run created it first: roles are cluster-wide
        if getattr(exc.orig, "pgcode", None) not in ("42710", "23505"):
            raise
        return False
    return True


def apply_roles(url: str, readers: Mapping[str, Sequence[str]] = READERS) -> RolesSummary:
    """Give the warehouse at ``url`` the read policy, in one transaction, as the URL's user (the pipeline role)."""
    _check_policy(readers)
    if make_url(url).drivername.startswith("duckdb"):
        raise DuckDBHasNoRoles(DUCKDB_MESSAGE)
    warehouse = Warehouse(url)
    try:
        with warehouse.begin() as conn:
            me = _exec(conn, "SELECT current_user").scalar()
            summary = RolesSummary(pipeline_role=me)
            # one run per database at a time (two at once would only race on identical grants)
            _exec(conn, "SELECT pg_advisory_xact_lock(hashtext('cs_pipeline.publish.roles'))")
            for role in readers:
                if _create_role(conn, role):
                    summary.roles_created.append(role)
            existing = {r[0] for r in _exec(conn, "SELECT nspname FROM pg_namespace WHERE nspname = ANY(:s)",
                                            s=list(PIPELINE_SCHEMAS))}
            for schema in PIPELINE_SCHEMAS:
                if schema not in existing:
                    _exec(conn, f"CREATE SCHEMA {quote_ident(schema)} AUTHORIZATION CURRENT_USER")
                    summary.schemas_created.append(schema)
            _raise_if_not_owned(conn, PIPELINE_SCHEMAS)

            for schema in PIPELINE_SCHEMAS:
                s = quote_ident(schema)
                _exec(conn, f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC")
                _exec(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC")
                summary.public_revoked.append(schema)
            owns_public = _exec(
                conn, "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'public'"
            ).scalar()
            if owns_public:
                _exec(conn, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                summary.public_schema_create_revoked = True

            owns_database = _exec(
                conn, "SELECT pg_has_role(current_user, datdba, 'USAGE') FROM pg_database "
                "WHERE datname = current_database()"
            ).scalar()
            database = conn.dialect.identifier_preparer.quote(_exec(conn, "SELECT current_database()").scalar())
            for role, allowed_schemas in readers.items():
                r = quote_ident(role)
                summary.grants[role] = {}
                if owns_database:  # PUBLIC has CONNECT by default, but a DBA may have revoked it
                    _exec(conn, f"GRANT CONNECT ON DATABASE {database} TO {r}")
                    summary.connect_granted = True
                for schema in PIPELINE_SCHEMAS:
                    s = quote_ident(schema)
                    allowed = schema in allowed_schemas
                    # exactly USAGE (never CREATE) on the schema, exactly SELECT on its tables, now and later
                    _exec(conn, f"REVOKE ALL ON SCHEMA {s} FROM {r}")
                    _grant_tables(conn, schema, role, allowed)
                    _exec(conn, f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA {s} REVOKE ALL ON TABLES "
                                f"FROM {r}")
                    if allowed:
                        _exec(conn, f"GRANT USAGE ON SCHEMA {s} TO {r}")
                        _exec(conn, f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA {s} GRANT SELECT ON "
                                    f"TABLES TO {r}")
                        summary.grants[role][schema] = _table_count(conn, schema)
    finally:
        warehouse.engine.dispose()
    return summary


def _error_text(exc: BaseException) -> str:
    """A database error's own message (no SQL, no connection string)."""
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).strip()


def _masked(url: str) -> str:
    from cs_pipeline.config import redact_url

    try:
        return redact_url(url)
    except Exception:  # not even a URL: show none of it
        return "<the warehouse URL>"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cs_pipeline.publish.roles",
        description="Create the warehouse's reader roles (cs_bi_reader: marts; cs_data_team: all but raw and "
        "marts_build, ops included) and grant them SELECT, now and on tables created later. PostgreSQL only; run "
        "once per warehouse database.",
    )
    parser.add_argument("--warehouse-url", help="default: CS_PIPELINE_WAREHOUSE_URL")
    args = parser.parse_args(argv)
    url = args.warehouse_url
    if not url:
        from cs_pipeline.config import Settings

        url = Settings.from_env().warehouse_url
    try:
        summary = apply_roles(url)
    except DuckDBHasNoRoles as exc:
        print(f"cs_pipeline.publish.roles: {exc}", file=sys.stderr)
        return 2
    except RolesError as exc:
        print(f"cs_pipeline.publish.roles: {exc}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as exc:
        print(f"cs_pipeline.publish.roles: {_masked(url)}: {_error_text(exc)}", file=sys.stderr)
        return 1
    print(f"roles applied on {_masked(url)}")
    for line in summary.lines():
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
