"""Security: secrets only from the environment and never shown; no child's name, NHS number or date of birth in what
operators see; BI readers kept to the marts; SQL identifiers always quoted; the regional copy's hash not reversible.

The whole pipeline runs once on the real PostgreSQL warehouse with a password in its URL and the regional key set
(both only in the environment), and once more against a database that does not exist (a run that fails). Then every
log line, every event of the Dagster instance (messages, metadata, check results, errors) and every output file is
searched for the secrets, and the logs, events and HTML reports for the synthetic children's identities.
"""
from __future__ import annotations

import ast
import csv
import datetime as dt
import re
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.lib.nhs_number import check_digit, is_valid as is_valid_nhs_number
from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline.publish.regional import hash_child_id
from cs_pipeline.publish.roles import apply_roles
from cs_pipeline_tests.conftest import drop_postgres_database, fresh_postgres_database
from cs_pipeline_tests.reliability.outcomes import REJECTED, CaseResult, record
from cs_pipeline_tests.reliability.pipeline_runs import event_log_text, property_case, run_pipeline

AREA = "security"
PASSWORD = f"Pw-{uuid.uuid4().hex[:12]}-never-shown"  # trust auth ignores it; nothing may show it
HASH_KEY = f"regional-key-{uuid.uuid4().hex}"
DENIED = "42501"  # insufficient_privilege


def _with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("security")
    url = fresh_postgres_database("cs_reliability_security")
    env = {"CS_PIPELINE_WAREHOUSE_URL": _with_password(url), "CS_PIPELINE_SHARED_HASH_KEY": HASH_KEY}
    good = run_pipeline(data_dir, env)
    # the same council against a database that is not there: every step fails, with the password in the URL
    missing = _with_password(url.rsplit("/", 1)[0] + "/cs_reliability_no_such_database")
    failed = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "cs_pipeline.definitions",
         "--select", "raw/ssd_person"],
        env={**{k: v for k, v in good_env(data_dir).items()}, "CS_PIPELINE_WAREHOUSE_URL": missing,
             "CS_PIPELINE_SHARED_HASH_KEY": HASH_KEY},
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    yield good, failed, Warehouse(url)
    drop_postgres_database(url)


def good_env(data_dir: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    return env | {"CS_PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home"),
                  "CS_PIPELINE_AS_AT": "2026-09-30"}


def file_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text; workbooks (zip) member by member, so a value inside one is found."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as book:
                data = b"\n".join(book.read(name) for name in book.namelist())
        out[str(path.relative_to(folder))] = data.decode("utf-8", errors="replace")
    return out


# -- secrets ---------------------------------------------------------------------------------------------------------
def test_the_password_and_the_hash_key_are_in_no_log_event_message_or_file(secured):
    good, failed, _ = secured
    assert failed.returncode != 0  # the second run did fail
    failure = [line for line in (failed.stdout + failed.stderr).splitlines() if "ERROR" in line or "Error" in line]
    assert failure, failed.stderr[-2000:]
    events = event_log_text(good.dagster_home)
    assert any("STEP_FAILURE" in e for e in events) and any("ASSET_MATERIALIZATION" in e for e in events)
    places = {
        "the run's log (stdout and stderr)": [good.stdout, good.stderr],
        "the failed run's log and exception messages": [failed.stdout, failed.stderr],
        "the Dagster instance's events (both runs: messages, metadata, errors)": events,
        "the output files (reports, returns, exports, regional copy)": list(file_texts(good.output_dir).values()),
        "the Dagster home (instance settings, run storage)": [
            p.read_bytes().decode("utf-8", errors="replace") for p in good.dagster_home.rglob("*") if p.is_file()],
    }
    for secret_name, secret in (("warehouse password", PASSWORD), ("regional hash key", HASH_KEY)):
        for place, texts in places.items():
            hits = sum(secret in text for text in texts)
            property_case(AREA, f"{secret_name} not in {place}", hits == 0,
                          f"{secret_name} searched in {len(texts)} texts of {place}: found in {hits}")


# -- children's identities ----------------------------------------------------------------------------------------
def identities(sources: Path) -> tuple[set[str], set[str], dict[dt.date, set[str]]]:
    """Full names, NHS numbers and dates of birth (with whose: person ids) of every person in the synthetic SSD and
    health files."""
    with sqlite3.connect(sources / "ssd.sqlite") as conn:
        people = pd.read_sql("select pers_person_id, pers_forename, pers_surname, pers_dob, pers_common_child_id "
                             "from ssd_person", conn)
    names = {f"{f} {s}" for f, s in zip(people["pers_forename"], people["pers_surname"]) if f and s}
    nhs = {str(n) for n in people["pers_common_child_id"] if n and len(str(n)) == 10}
    dobs: dict[dt.date, set[str]] = {}
    for person, dob in zip(people["pers_person_id"], people["pers_dob"]):
        if dob:
            dobs.setdefault(pd.Timestamp(dob).date(), set()).add(str(person))
    for path in sorted((sources / "health").glob("*.csv")):
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            for row in csv.DictReader(handle):
                if row.get("given_name") and row.get("family_name"):
                    names.add(f"{row['given_name']} {row['family_name']}")
                if len(row.get("nhs_number") or "") == 10:
                    nhs.add(row["nhs_number"])
    return names, nhs, dobs


_DATES = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{2})/(\d{2})/(\d{4})\b")
_TEN_DIGITS = re.compile(r"(?<!\d)(\d{3}) ?(\d{3}) ?(\d{4})(?!\d)")


_BIRTH = re.compile(r"dob|birth", re.I)


def exposed(text: str, names: set[str], nhs: set[str], dobs: dict[dt.date, set[str]]):
    """Names and NHS numbers found anywhere; a date of birth where it is shown as one: next to a word for birth or
    to the id of a child born that day (any date is someone's birthday: an episode's start on another child's
    birthday is not a disclosure)."""
    found_names = {n for n in names if n in text}
    found_nhs = {"".join(m.groups()) for m in _TEN_DIGITS.finditer(text)} & nhs
    dates = set()
    for m in _DATES.finditer(text):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
        try:
            day = dt.date(int(y), int(mo), int(d))
        except ValueError:
            continue
        near = text[max(0, m.start() - 200):m.end() + 200]
        if day in dobs and (_BIRTH.search(near) or any(re.search(rf"\b{p}\b", near) for p in dobs[day])):
            dates.add(day)
    return found_names, found_nhs, dates


def test_no_name_nhs_number_or_date_of_birth_in_logs_metadata_or_html_reports(secured):
    good, _, _ = secured
    names, nhs, dobs = identities(good.sources)
    assert len(names) > 100 and len(nhs) > 100 and len(dobs) > 100
    # the search finds what it looks for: a planted name, NHS number (spaced) and a child's date of birth by its id
    day, born = next(iter(dobs.items()))
    name, number = next(iter(names)), next(iter(nhs))
    planted = f"<td>{name}</td><td>{number[:3]} {number[3:6]} {number[6:]}</td><td>{next(iter(born))}</td>" \
              f"<td>{day:%d/%m/%Y}</td>"
    assert exposed(planted, names, nhs, dobs) == ({name}, {number}, {day})
    html = {name: text for name, text in file_texts(good.output_dir).items() if name.endswith(".html")}
    assert any(n.startswith("reports/") for n in html) and any(n.startswith("validation/") for n in html), html.keys()
    places = {"the run's log": [good.stdout + good.stderr], "Dagster events and asset metadata":
              event_log_text(good.dagster_home), **{f"HTML report {n}": [t] for n, t in html.items()}}
    for place, texts in places.items():
        found = [set(), set(), set()]
        for text in texts:
            for seen, new in zip(found, exposed(text, names, nhs, dobs)):
                seen |= new
        property_case(AREA, f"no child's identity in {place}", not any(found),
                      f"{place}: searched {len(texts)} texts for {len(names)} names, {len(nhs)} NHS numbers, "
                      f"{len(dobs)} dates of birth: found {len(found[0])} names, {len(found[1])} NHS numbers, "
                      f"{len(found[2])} dates of birth")


# -- who reads what ---------------------------------------------------------------------------------------------------
def test_the_bi_role_reads_the_marts_and_nothing_upstream(secured):
    """The policy's facts on a whole run's warehouse (publish/test_roles.py proves the policy table by table on a
    hand-built one): a cs_bi_reader login is refused every table of raw, staging, quarantine, linkage and returns."""
    _, _, warehouse = secured
    apply_roles(warehouse.url)
    user = f"cs_rel_bi_{uuid.uuid4().hex[:8]}"
    warehouse.execute(f"CREATE ROLE {quote_ident(user)} LOGIN IN ROLE cs_bi_reader")
    reader = sa.create_engine(make_url(warehouse.url).set(username=user, password=None), poolclass=NullPool)
    try:
        for schema, may_read in (("marts", True), ("raw", False), ("staging", False), ("quarantine", False),
                                 ("linkage", False), ("returns", False), ("ops", False)):
            tables = warehouse.tables(schema)
            refused, read = 0, 0
            for table in tables:
                with reader.connect() as conn:
                    try:
                        conn.execute(sa.text(f"SELECT 1 FROM {quote_ident(schema)}.{quote_ident(table)} LIMIT 1"))
                        read += 1
                    except sa.exc.DBAPIError as exc:
                        refused += getattr(exc.orig, "pgcode", None) == DENIED
            holds = bool(tables) and (read == len(tables) if may_read else refused == len(tables))
            property_case(AREA, f"cs_bi_reader {'reads' if may_read else 'is refused'} {schema}", holds,
                          f"{schema}: {len(tables)} tables; cs_bi_reader login read {read}, refused (42501) {refused}")
    finally:
        reader.dispose()
        warehouse.execute(f"DROP ROLE IF EXISTS {quote_ident(user)}")


# -- SQL identifiers ------------------------------------------------------------------------------------------------
def test_a_hostile_table_or_column_name_is_refused_by_name_and_nothing_is_run(tmp_path):
    warehouse = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    warehouse.write_frame(pd.DataFrame({"pers_person_id": ["1", "2"]}), "raw", "ssd_person")
    hostile = {"table": 'ssd_person"; DROP TABLE raw.ssd_person; --',
               "column": 'x" TEXT); DROP TABLE raw.ssd_person; --'}
    for kind, name in hostile.items():
        frame = pd.DataFrame({name if kind == "column" else "a": ["v"]})
        try:
            warehouse.write_frame(frame, "raw", name if kind == "table" else "victim")
            message = ""
        except ValueError as exc:
            message = str(exc)
        intact = warehouse.row_count("raw", "ssd_person") == 2
        observed = REJECTED if message and name in message and intact else "loaded"
        record(CaseResult(AREA, f"hostile {kind} name refused, SQL not run", REJECTED, observed,
                          rows_in=1, staged=0 if observed == REJECTED else 1,
                          message=f"{message or 'accepted'}; raw.ssd_person {'intact' if intact else 'DROPPED'}"))


def test_a_903_file_with_a_hostile_column_name_is_refused_naming_the_file(tmp_path):
    """A 903 built elsewhere (``python -m cs_pipeline.returns.validate``) with SQL in a header cell: the column names
    reach DuckDB only after the header matched one of DfE's tables, so the file is refused by name."""
    from cs_pipeline.returns.collection_year import CollectionYear
    from cs_pipeline.returns.ssda903.files import ReturnFileError
    from cs_pipeline.returns.validate import validate_ssda903_folder

    hostile = "DOB': 'VARCHAR'}); DROP TABLE header; --"
    (tmp_path / "header.csv").write_text(f"CHILD,SEX,{hostile},ETHNIC,UPN,MOTHER,MC_DOB\n1,M,01/01/2015,WBRI,"
                                         "A123456789012,,\n", encoding="utf-8")
    try:
        validate_ssda903_folder(tmp_path, CollectionYear.parse("2025-26"))
        message = ""
    except ReturnFileError as exc:
        message = str(exc)
    refused = "header.csv" in message and hostile in message
    record(CaseResult(AREA, "903 upload CSV with SQL in a column name refused", REJECTED,
                      REJECTED if refused else "loaded", rows_in=1, staged=0 if refused else 1,
                      message=message or "accepted"))


# -- the regional copy's hash -------------------------------------------------------------------------------------
def test_the_regional_hash_cannot_be_reversed_without_the_key(secured):
    """A dictionary attack over every valid NHS number of a block and every id the copy could hold finds nothing
    without the key: the hash is an HMAC, not a plain digest of the id."""
    import hashlib

    good, _, warehouse = secured
    shared = warehouse.query_frame('select "CHILD" from returns_shared.returns__ssda903_header')["CHILD"]
    shared = set(shared.dropna())
    ids = set(warehouse.query_frame("select person_id from staging.stg_ssd__person")["person_id"].astype(str))
    assert shared and len(ids) > 100
    # with the key the copy is reproducible (so partners can join)...
    with_key = {hash_child_id(i, HASH_KEY.encode()) for i in ids}
    # ... without it, a plain digest of every id or NHS number, or an HMAC under a guessed key, matches nothing
    nhs = [int(n) for n in warehouse.query_frame("select common_child_id from staging.stg_ssd__person")[
        "common_child_id"].dropna() if is_valid_nhs_number(str(n))]
    # every valid NHS number of the block the council's come from (one per nine-digit prefix: its check digit)
    prefixes = range(min(nhs) // 10, max(nhs) // 10 + 1)
    assert len(prefixes) < 1_000_000, f"NHS numbers spread over {len(prefixes):,} prefixes: not a small block"
    valid = {f"{p}{d}" for p in prefixes if (d := check_digit(str(p))) is not None}
    candidates = ids | valid
    assert len(candidates) > len(ids) + 100
    guesses = set()
    for value in candidates:
        data = value.encode()
        guesses |= {hashlib.sha256(data).hexdigest()[:20], hashlib.md5(data).hexdigest()[:20],
                    hashlib.sha1(data).hexdigest()[:20], hash_child_id(value, b"cs_pipeline-regional-key")}
    other_key = {i: hash_child_id(i, b"another-partnership-key!") for i in list(ids)[:200]}
    differs = all(other_key[i] != hash_child_id(i, HASH_KEY.encode()) for i in other_key)
    holds = shared <= with_key and not (shared & guesses) and differs
    property_case(AREA, "regional hash not reversible without the key", holds,
                  f"{len(shared)} hashed child ids in the copy: {len(shared & with_key)} reproduced with the key, "
                  f"{len(shared & guesses)} matched by {len(guesses)} keyless guesses over {len(candidates)} ids and "
                  f"NHS numbers; the same id under another key {'always' if differs else 'not always'} differs")


# -- SQL built only from quoted identifiers -----------------------------------------------------------------------
_SQL_START = re.compile(r"^\s*(select|insert|delete|update|create|drop|alter|with|copy|grant|revoke|comment|attach|"
                        r"detach|pragma|truncate|set|show|describe|checkpoint|vacuum|analy[sz]e)\b", re.I)
_SQL_CALLS = {"text", "execute", "query_frame", "scalar", "fetch_frame", "sql", "exec_driver_sql", "_exec", "_sql",
              "read_sql", "executemany", "copy_expert"}
_IDENTIFIER_POSITION = re.compile(r"\b(from|join|into|table|update|schema|view|exists|using)\s+([A-Za-z_]+\.)?$", re.I)
_IDENTIFIER = re.compile(r'^"?[A-Za-z_][A-Za-z0-9_]*"?$')


class _SqlScan:
    """The SQL a module builds with f-strings: each interpolation where an identifier goes (after FROM, JOIN, INTO,
    TABLE, UPDATE, SCHEMA, VIEW, EXISTS, USING) that cannot be shown to be quoted, and each interpolation inside a
    SQL string literal ('{...}': a value written into the SQL text instead of bound as a parameter).

    Quoted means: a call of quote_ident (or an alias of it), a name assigned only quoted things (in the module), a
    function of the module that returns only quoted things, a join of quoted things, or a code constant that is an
    identifier (a schema name such as RAW = "raw", in this module or imported from another)."""

    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.module_name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for name, value in zip(target.elts, node.value.elts):
                            if isinstance(name, ast.Name):
                                self.assigned.setdefault(name.id, []).append(value)
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}
        self.quoters = {"quote_ident"} | {a.asname for n in ast.walk(self.tree) if isinstance(n, ast.ImportFrom)
                                          for a in n.names if a.name == "quote_ident" and a.asname}
        self.imported = {a.asname or a.name: n.module for n in ast.walk(self.tree) if isinstance(n, ast.ImportFrom)
                         for a in n.names}

    def _constant(self, name: str):
        """A module-level constant's value, from this module or the one it is imported from (imported only then)."""
        import importlib

        module = self.imported.get(name) if name in self.imported else self.module_name
        return getattr(importlib.import_module(module), name, None) if module else None

    def quoted(self, e: ast.expr, depth: int = 0, seen: tuple = ()) -> bool:
        if depth > 8:
            return False
        if isinstance(e, ast.Call):
            func = e.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in self.quoters or name == "quote_identifier":  # SQLAlchemy's preparer quotes too
                return True
            if name == "join" and e.args and isinstance(e.args[0], (ast.GeneratorExp, ast.ListComp)):
                return self.quoted(e.args[0].elt, depth + 1, seen)
            if isinstance(func, ast.Name) and name in self.functions and name not in seen:
                returns = [r.value for r in ast.walk(self.functions[name]) if isinstance(r, ast.Return) and r.value]
                return bool(returns) and all(self.quoted(r, depth + 1, (*seen, name)) for r in returns)
            return False
        if isinstance(e, ast.JoinedStr):
            return all(self.quoted(v.value, depth + 1, seen) for v in e.values if isinstance(v, ast.FormattedValue))
        if isinstance(e, ast.Constant):
            return isinstance(e.value, str) and (e.value == "" or bool(_IDENTIFIER.match(e.value)))
        if isinstance(e, ast.Name):
            if e.id.isupper():
                value = self._constant(e.id)
                return isinstance(value, str) and bool(_IDENTIFIER.match(value))
            values = self.assigned.get(e.id)
            return bool(values) and all(self.quoted(v, depth + 1, seen) for v in values)
        if isinstance(e, ast.IfExp):
            return self.quoted(e.body, depth + 1, seen) and self.quoted(e.orelse, depth + 1, seen)
        return False

    def _is_sql(self, node: ast.JoinedStr) -> bool:
        if _SQL_START.search("".join(v.value for v in node.values if isinstance(v, ast.Constant))):
            return True
        parent = self.parents.get(node)
        while parent is not None and not isinstance(parent, ast.stmt):
            if isinstance(parent, ast.Call):
                func = parent.func
                return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) in _SQL_CALLS
            parent = self.parents.get(parent)
        return False

    def findings(self) -> tuple[set[str], set[str], int, int]:
        """(unquoted identifier expressions, expressions written into SQL literals, SQL f-strings, identifier
        interpolations)."""
        unquoted, literal, statements, identifiers = set(), set(), 0, 0
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.JoinedStr) or isinstance(self.parents.get(node), ast.FormattedValue) \
                    or not self._is_sql(node):
                continue
            statements += 1
            before = ""
            for i, value in enumerate(node.values):
                if isinstance(value, ast.Constant):
                    before += value.value
                    continue
                after = node.values[i + 1].value if i + 1 < len(node.values) and isinstance(
                    node.values[i + 1], ast.Constant) else ""
                expression = ast.unparse(value.value)
                if _IDENTIFIER_POSITION.search(before):
                    identifiers += 1
                    if not self.quoted(value.value):
                        unquoted.add(expression)
                if before.endswith("'") and after.startswith("'"):
                    literal.add(expression)
                before += "x"
        return unquoted, literal, statements, identifiers


_IN_MEMORY = "a table of the code's own in-memory DuckDB (never the warehouse), named by the code"
_RETURN_SPEC = ("a return table's name from the return's specification in the package, or the validator's in-memory "
                "table named after it")
# Interpolations the scan cannot prove quoted, each reviewed: none carries text from a source, a file or a user.
UNQUOTED_REVIEWED: dict[tuple[str, str], str] = {
    ("lib/extract.py", "prefix"): "the attached schema through SQLAlchemy's quote_identifier, or '' (the name is "
                                  "reused in the module, so the scan cannot follow it)",
    ("linkage/matching.py", "predicted.physical_name"): "Splink's name for its prediction table; " + _IN_MEMORY,
    ("linkage/standardise.py", "source"): "a node table or subquery composed by the linkage code",
    ("quality/engine.py", "r"): "f'{q(RAW)}.{q(table)}' (the scan follows names module-wide and r is reused)",
    ("quality/engine.py", "staged"): "the temporary table staged_values names from the quoted table name",
    ("returns/annex_a/workbook.py", "annex_list.table"): "annex_a_list_<n> of the Annex A spec in the package",
    ("returns/cin/publish.py", "name"): _RETURN_SPEC,
    ("returns/cin/publish.py", "table"): _RETURN_SPEC,
    ("returns/cin/rule_tables.py", "model_name(name)"): _RETURN_SPEC,
    ("returns/cin/rule_tables.py", "name"): _RETURN_SPEC,
    ("returns/cin/xml_message.py", "model_name(name)"): _RETURN_SPEC,
    ("returns/rule_results.py", "table"): "returns.dfe_rule_results / dfe_rule_runs, constants of the module",
    ("returns/rules.py", "t"): _RETURN_SPEC,
    ("returns/ssda903/files.py", "as_name"): _RETURN_SPEC,
    ("returns/ssda903/files.py", "header"): _RETURN_SPEC,
    ("returns/ssda903/files.py", "raw"): "raw_<table>: " + _RETURN_SPEC,
    ("returns/ssda903/providers.py", "name"): "Ofsted provider list tables; " + _IN_MEMORY,
    ("returns/ssda903/providers.py", "view"): "Ofsted provider list tables; " + _IN_MEMORY,
    ("returns/ssda903/publish.py", "header"): _RETURN_SPEC,
    ("returns/ssda903/publish.py", "model_name(table.name)"): _RETURN_SPEC,
    ("returns/ssda903/publish.py", "name"): _RETURN_SPEC,
    ("returns/ssda903/publish.py", "table.name"): _RETURN_SPEC,
}
# Values written into SQL text ('{...}') rather than bound: each reviewed, none from a source, a file or a user.
LITERAL_REVIEWED: dict[tuple[str, str], str] = {
    ("defs/linkage/checks.py", "as_at"): "a datetime.date (ISO digits)",
    ("linkage/matching.py", "ssd"): "the source dataset's constant name",
    ("linkage/pipeline.py", "memory_limit"): "a DuckDB setting from the warehouse URL (the operator's own "
                                             "configuration; SET takes no parameter)",
    ("linkage/pipeline.py", "run_id"): "the Dagster run id (a UUID)",
    ("linkage/pipeline.py", "ts"): "a timestamp the code formats",
    ("linkage/pipeline.py", "version"): "the match model's version (a digest)",
    ("linkage/sources.py", "path"): "a temporary file from tempfile.mkstemp",
    ("linkage/standardise.py", "kind"): "HEALTH_KINDS, constants",
    ("publish/exports.py", "target"): "the export's file path (COPY ... TO takes no parameter), quotes doubled",
    ("publish/report.py", "m.code"): "a measure's code, constants",
    ("publish/report.py", "t"): "a raw table name from the warehouse's catalogue of our own tables",
    ("returns/rules.py", "code"): "a DfE rule's code from the package's rule set",
    ("returns/rules.py", "t"): _RETURN_SPEC,
    ("returns/cin/rule_tables.py", "year"): "a CollectionYear (YYYY-YY, parsed)",
    ("returns/cin/xml_message.py", "year"): "a CollectionYear (YYYY-YY, parsed)",
    ("returns/ssda903/publish.py", "year"): "a CollectionYear (YYYY-YY, parsed)",
}


def test_sql_is_built_from_quoted_identifiers_and_bound_values():
    """Every f-string of the product that builds SQL: each identifier goes through quote_ident (or is a code
    constant), and no value is written into SQL text; the few exceptions are reviewed one by one above, so a new
    unquoted identifier or an interpolated value fails this test until it is quoted, bound or reviewed."""
    unquoted, literal, statements, identifiers, modules = set(), set(), 0, 0, 0
    for path in sorted((PROJECT_ROOT / "cs_pipeline").rglob("*.py")):
        u, l_, n, i = _SqlScan(path).findings()
        name = str(path.relative_to(PROJECT_ROOT / "cs_pipeline"))
        unquoted |= {(name, e) for e in u}
        literal |= {(name, e) for e in l_}
        statements, identifiers, modules = statements + n, identifiers + i, modules + bool(n)
    assert statements > 100 and identifiers > 100  # the scan sees the product's SQL
    new_unquoted, new_literal = unquoted - UNQUOTED_REVIEWED.keys(), literal - LITERAL_REVIEWED.keys()
    stale = (UNQUOTED_REVIEWED.keys() - unquoted) | (LITERAL_REVIEWED.keys() - literal)
    property_case(
        AREA, "SQL identifiers quoted, values bound", not new_unquoted and not new_literal and not stale,
        f"{statements} SQL f-strings in {modules} modules: {identifiers} identifier interpolations, "
        f"{identifiers - len(unquoted)} through quote_ident or constants, {len(unquoted)} reviewed code-built names; "
        f"{len(literal)} reviewed code values in SQL text"
        + (f"; NOT REVIEWED: identifiers {sorted(new_unquoted)}, values {sorted(new_literal)}"
           if new_unquoted or new_literal else "")
        + (f"; reviewed but gone (remove them): {sorted(stale)}" if stale else ""))
