"""Validate one raw table: run its GX suite and SQL rules, write ``quarantine.<raw table>``, check conservation.

No Dagster here (``cs_pipeline/defs/quality`` wraps :func:`validate_table` in one asset per raw table, and the
benchmark and tests call it directly).

What is written:
- ``quarantine.<raw table>``: always (re)created, empty when nothing is rejected. One row per rejected row and
  failed ERROR rule: ``_row_key, rule_id, severity, message, run_id, quarantined_at`` + the row's original columns
  (as text). WARN findings never land here: those rows go on to staging.
- ``quarantine.validation_findings``: every finding (ERROR and WARN, and structural problems), ids only, no
  values of sensitive columns; the validation report reads it. Replaced per raw table.
- ``quarantine.validation_rule_results``: one row per table and rule (passing ones too), for the report.
"""
from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse, quote_ident as q
from cs_pipeline.quality import code_lists
from cs_pipeline.quality.rules import ERROR, RULES, WARN
from cs_pipeline.quality.sql_rules import (
    cross_rule_for,
    foreign_key_sql,
    key_not_null_sql,
    key_unique_sql,
    not_before_birth_sql,
)
from cs_pipeline.quality.suite_spec import ExpectationSpec, TableSuite, load_suite

RAW = "raw"
QUARANTINE = "quarantine"
# above this many keys or values a lookup joins on a staged table instead of a bound IN list
LARGE_IN_LIST = 20_000
FINDINGS_TABLE = "validation_findings"
RULE_RESULTS_TABLE = "validation_rule_results"
QUARANTINE_META_COLUMNS = ("_row_key", "rule_id", "severity", "message", "run_id", "quarantined_at")
DEFAULT_MAX_QUARANTINED_SHARE = 0.20
DEFAULT_MIN_ROWS_FOR_SHARE = 20
SAMPLE_SIZE = 10

# Values of these columns never appear in messages, metadata or reports (architecture.md, Privacy).
SENSITIVE_COLUMNS = frozenset({
    "pers_forename", "pers_surname", "pers_dob", "pers_expected_dob", "pers_common_child_id", "pers_legacy_id",
    "moth_childs_dob", "addr_address_json", "addr_address_postcode", "link_identifier_value",
    "prof_professional_name", "prof_social_worker_registration_no", "clap_cla_placement_postcode",
    "given_name", "family_name", "date_of_birth", "nhs_number", "postcode",
})

FINDING_COLUMNS = {
    "raw_table": "TEXT", "_row_key": "TEXT", "record_id": "TEXT", "rule_id": "TEXT", "check_name": "TEXT",
    "severity": "TEXT", "column_name": "TEXT", "message": "TEXT", "run_id": "TEXT", "validated_at": "TIMESTAMP",
}
RULE_RESULT_COLUMNS = {
    "raw_table": "TEXT", "check_name": "TEXT", "rule_id": "TEXT", "severity": "TEXT", "column_name": "TEXT",
    "description": "TEXT", "structural": "BOOLEAN", "evaluated": "BOOLEAN", "passed": "BOOLEAN",
    "failing_rows": "BIGINT", "sample_row_keys": "TEXT", "sample_record_ids": "TEXT", "note": "TEXT",
    "raw_rows": "BIGINT", "quarantined_rows": "BIGINT", "run_id": "TEXT", "validated_at": "TIMESTAMP",
}


@dataclass
class RuleResult:
    check_name: str
    rule_id: str
    severity: str
    column: str
    description: str
    structural: bool = False
    evaluated: bool = True
    passed: bool = True
    failing_rows: int = 0
    sample_row_keys: list[str] = field(default_factory=list)
    sample_record_ids: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class TableValidation:
    table: str
    run_id: str
    as_at: dt.date
    code_list_year: int
    raw_rows: int = 0
    quarantined_rows: int = 0  # distinct raw rows rejected
    warned_rows: int = 0  # distinct raw rows with WARN findings only kept
    eligible_rows: int = 0  # raw minus quarantined: what staging reads
    results: list[RuleResult] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def structural_failures(self) -> list[RuleResult]:
        return [r for r in self.results if r.structural and not r.passed]

    @property
    def blocked(self) -> bool:
        return bool(self.structural_failures)

    def result(self, check_name: str) -> RuleResult:
        return next(r for r in self.results if r.check_name == check_name)


# -- reading ----------------------------------------------------------------------------------------------------
def read_sql_frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    """A query's rows as text (None for NULL) by each engine's fast path (DuckDB: fetch_df; PostgreSQL: COPY)."""
    frame = wh.fetch_frame(sql)
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def trimmed(column: str) -> str:
    """A raw column as staging reads it: trimmed text, blank as NULL."""
    return f"NULLIF(trim(CAST({q(column)} AS TEXT)), '')"


DATE_RULES = frozenset({"date_parseable", "date_not_after_as_at", "end_not_before_start", "date_not_before_birth"})


def date_key(column: str) -> str:
    """A date value with the digits of any time part zeroed: the date rules' verdict depends only on the day and on
    the time part's shape, so timestamps (a million contacts at different minutes) collapse to few distinct keys."""
    v = trimmed(column)
    return f"(substr({v}, 1, 10) || regexp_replace(substr({v}, 11), '[0-9]', '0', 'g'))"


def value_expr(column: str, dates: bool) -> str:
    return date_key(column) if dates else trimmed(column)


def distinct_values(wh: Warehouse, table: str, group: tuple[str, ...], required: tuple[str, ...],
                    dates: bool = False) -> pd.DataFrame:
    """Distinct trimmed value tuples of a column group, where the required columns are filled in."""
    cols = ", ".join(f"{value_expr(c, dates)} AS {q(c)}" for c in group)
    where = " AND ".join(f"{trimmed(c)} IS NOT NULL" for c in required) or "1 = 1"
    return read_sql_frame(wh, f"SELECT DISTINCT {cols} FROM {q(RAW)}.{q(table)} WHERE {where}")


def rows_with_values(wh: Warehouse, table: str, record_id: str | None, group: tuple[str, ...],
                     failing: pd.DataFrame, dates: bool = False) -> pd.DataFrame:
    """The raw rows holding failing value tuples: ``_row_key``, ``record_id``, the group's values as validated
    (matching keys) and ``<column>__shown``, the trimmed values for messages."""
    target = group[0]
    values = sorted({str(v) for v in failing[target].dropna()})
    select = ", ".join(["_row_key", f"{trimmed(record_id)} AS record_id" if record_id else "NULL AS record_id",
                        *(f"{value_expr(c, dates)} AS {q(c)}" for c in group),
                        *(f"{trimmed(c)} AS {q(c + '__shown')}" for c in group)])
    base = f"SELECT {select} FROM {q(RAW)}.{q(table)}"
    if len(values) > LARGE_IN_LIST:
        # many values: join on them in the warehouse rather than read a table of millions of rows into memory
        with staged_values(wh, f"{table}__{target}", values) as staged:
            rows = read_sql_frame(wh, f"{base} WHERE {value_expr(target, dates)} IN (SELECT v FROM {staged})")
    else:
        stmt = sa.text(f"{base} WHERE {value_expr(target, dates)} IN :vals").bindparams(
            sa.bindparam("vals", expanding=True))
        frames = []
        with wh.engine.connect() as conn:
            for i in range(0, len(values), 5000):
                result = conn.execute(stmt, {"vals": values[i : i + 5000]})
                frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
        rows = pd.concat(frames, ignore_index=True)
    key = failing[list(group)].astype(object).where(failing[list(group)].notna(), "\0").drop_duplicates()
    probe = rows[list(group)].astype(object).where(rows[list(group)].notna(), "\0")
    matched = probe.merge(key.assign(_hit=True), on=list(group), how="left")["_hit"].notna().to_numpy()
    rows = rows[matched]
    return rows.astype(object).where(rows.notna(), None)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Trimmed text, blanks as None: what staging's to_text()/to_date() will see (vectorised)."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if not pd.api.types.is_string_dtype(s) or not pd.api.types.is_object_dtype(s):
            s = s.astype("string").astype(object)
        mask = s.notna()
        stripped = s[mask].astype(str).str.strip()
        s = s.astype(object).copy()
        s[mask] = stripped
        s[mask & (s == "")] = None
        out[col] = s.where(s.notna(), None)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


@contextmanager
def staged_values(wh: Warehouse, name: str, values: list[str]):
    """A warehouse table ``quarantine."<name>__staged"`` (one TEXT column ``v``) holding the values while the block
    runs: a large IN list becomes a join, so memory stays at the size of the answer, not of the raw table."""
    table = f"{name}__staged"
    wh.replace_table(QUARANTINE, table, [pd.DataFrame({"v": pd.Series(values, dtype="object")})], {"v": "TEXT"})
    try:
        yield f"{q(QUARANTINE)}.{q(table)}"
    finally:
        wh.execute(f"DROP TABLE IF EXISTS {q(QUARANTINE)}.{q(table)}")


def fetch_rows(wh: Warehouse, table: str, keys: list[str]) -> pd.DataFrame:
    """Full raw rows (as text) for the given _row_keys."""
    if len(keys) > LARGE_IN_LIST:
        with staged_values(wh, f"{table}___row_key", keys) as staged:
            frame = wh.fetch_frame(f"SELECT * FROM {q(RAW)}.{q(table)} WHERE _row_key IN (SELECT v FROM {staged})")
        return _as_text(frame)
    stmt = sa.text(f"SELECT * FROM {q(RAW)}.{q(table)} WHERE _row_key IN :keys").bindparams(
        sa.bindparam("keys", expanding=True)
    )
    frames = []
    with wh.engine.connect() as conn:
        for i in range(0, len(keys), 5000):
            result = conn.execute(stmt, {"keys": keys[i : i + 5000]})
            frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame.astype(object).where(frame.notna(), None).map(lambda v: None if v is None else str(v))


# -- messages ---------------------------------------------------------------------------------------------------
def row_label(table: str, row_key: str | None, record_col: str | None, record_id) -> str:
    label = f"raw.{table} row {row_key}"
    if record_col and record_id not in (None, ""):
        label += f" ({record_col} {record_id})"
    return label


def _shown(column: str, value) -> str:
    if column in SENSITIVE_COLUMNS or value is None:
        return ""
    return f" '{value}'"


def describe(spec: ExpectationSpec, f: dict, *, year: int, as_at: dt.date) -> str:
    col, v = spec.target_column, f.get("value")
    r = spec.rule_id
    if r == "key_not_null":
        return f"{col} is blank"
    if r == "key_unique":
        return f"{col}{_shown(col, v)} is also on row {f.get('other_value')}, which is kept"
    if r == "code_in_list":
        return f"{col}{_shown(col, v)} is not in code list {spec.code_list} ({year})"
    if r == "flag_readable":
        return f"{col}{_shown(col, v)} is not a readable flag (Y/N, 1/0, true/false)"
    if r == "date_parseable":
        return f"{col}{_shown(col, v)} is not a date"
    if r == "date_not_after_as_at":
        return f"{col}{_shown(col, v)} is after the as-at date {as_at.isoformat()}"
    if r == "end_not_before_start":
        return f"{spec.end}{_shown(spec.end, v)} is before {spec.start}{_shown(spec.start, f.get('other_value'))}"
    if r == "date_not_before_birth":
        return f"{col}{_shown(col, v)} is before the child's date of birth"
    if r == "nhs_number_valid":
        return f"{col} is not a valid NHS number (10 digits, Modulus 11, not a placeholder); row kept"
    if r == "upn_valid":
        from cs_pipeline.lib.upn import upn_problem

        return f"{col} is not a valid UPN ({upn_problem(v) or 'invalid'}); row kept"
    if r == "foreign_key_resolves":
        return f"{col}{_shown(col, v)} has no matching {spec.references}"
    return RULES[r].description


# -- the validation -----------------------------------------------------------------------------------------------
def validate_table(wh: Warehouse, table: str, **kwargs) -> TableValidation:
    """Validate one raw table (see :func:`_validate_table` for the arguments)."""
    with wh.kept_open():
        return _validate_table(wh, table, **kwargs)


def _validate_table(
    wh: Warehouse,
    table: str,
    *,
    as_at: dt.date,
    run_id: str,
    suite: TableSuite | None = None,
    max_quarantined_share: float | None = None,
    min_rows_for_share: int = DEFAULT_MIN_ROWS_FOR_SHARE,
    raw_tables: set[str] | None = None,
    write: bool = True,
) -> TableValidation:
    suite = suite or load_suite(table)
    year = code_lists.collection_year(as_at)
    out = TableValidation(table=table, run_id=run_id, as_at=as_at, code_list_year=year)
    t0 = time.perf_counter()
    raw_tables = raw_tables if raw_tables is not None else set(wh.tables(RAW))
    columns_of: dict[str, set[str]] = {}

    def cols(t: str) -> set[str]:
        if t not in columns_of:
            columns_of[t] = set(wh.columns(RAW, t)) if t in raw_tables else set()
        return columns_of[t]

    # 1. structure: the table is there and has every contract column
    structure = RuleResult("structure_valid", "structure_valid", ERROR, "", RULES["structure_valid"].description,
                           structural=True)
    out.results.append(structure)
    present = cols(table)
    if table not in raw_tables:
        structure.passed, structure.note = False, f"raw.{table} does not exist (not extracted, or extraction failed)"
    else:
        missing = [c for c in (*suite.required_columns, "_row_key") if c not in present]
        if missing:
            structure.passed = False
            structure.note = f"raw.{table}: missing column(s) {', '.join(missing)} (rule column_present)"
        try:
            out.raw_rows = wh.row_count(RAW, table)
        except Exception as exc:  # noqa: BLE001 - an unreadable table is a structural finding
            structure.passed = False
            structure.note = f"raw.{table} could not be read: {type(exc).__name__}: {str(exc)[:300]}"
    readable = table in raw_tables and "_row_key" in present and structure.note.find("could not be read") < 0
    out.seconds["read"] = time.perf_counter() - t0

    findings: list[dict] = []
    record_col = suite.record_id if suite.record_id in present else None

    def add(spec_rule: str, check_name: str, severity: str, column: str, rows: pd.DataFrame, text) -> None:
        for f in rows.to_dict("records"):
            findings.append({
                "_row_key": f.get("_row_key"), "record_id": f.get("record_id"), "rule_id": spec_rule,
                "check_name": check_name, "severity": severity, "column_name": column,
                "message": f"{row_label(table, f.get('_row_key'), record_col, f.get('record_id'))}: {text(f)} "
                           f"(rule {spec_rule})",
            })

    results_by_check: dict[str, RuleResult] = {}
    for spec in suite.expectations:
        rr = RuleResult(spec.check_name, spec.rule_id, spec.effective_severity, spec.target_column,
                        RULES[spec.rule_id].description)
        results_by_check[spec.check_name] = rr
        out.results.append(rr)

    # 2. row-level rules in GX, on each distinct value tuple once; failing tuples are traced to rows in SQL
    t1 = time.perf_counter()
    if readable and out.raw_rows > 0:
        from cs_pipeline.quality.gx_suite import group_of, run_suite

        distinct: dict[tuple[str, ...], pd.DataFrame] = {}
        # a group read as date keys only when every rule on it is a date rule (else exact values: always right)
        date_group: dict[tuple[str, ...], bool] = {}
        for spec in suite.by_engine("gx"):
            date_group[group_of(spec)] = date_group.get(group_of(spec), True) and spec.rule_id in DATE_RULES
        try:
            for spec in suite.by_engine("gx"):
                group = group_of(spec)
                if group in distinct or not set(group) <= present:
                    continue
                when_cols = {c for c, _ in spec.when}
                distinct[group] = distinct_values(wh, table, group, tuple(c for c in group if c not in when_cols),
                                                  dates=date_group[group])
        except Exception as exc:  # noqa: BLE001
            structure.passed = False
            structure.note = f"raw.{table} could not be read: {type(exc).__name__}: {str(exc)[:300]}"
            distinct = {}
        out.seconds["read"] = out.seconds.get("read", 0.0) + time.perf_counter() - t1
        t1 = time.perf_counter()
        for outcome in run_suite(suite, distinct, as_at=as_at, year=year):
            spec = outcome.spec
            rr = results_by_check[spec.check_name]
            rr.evaluated = outcome.evaluated
            if not outcome.evaluated:
                rr.note = "not evaluated: column(s) missing"
                continue
            if outcome.error:
                rr.evaluated, rr.note = False, f"GX could not evaluate: {outcome.error[:300]}"
                structure.passed = False
                structure.note = (structure.note + "; " if structure.note else "") + f"{rr.check_name}: {rr.note}"
                continue
            if outcome.failing_values.empty:
                continue
            group = group_of(spec)
            rows = rows_with_values(wh, table, record_col, group, outcome.failing_values,
                                    dates=date_group[group])
            rows = rows.assign(value=rows[group[0] + "__shown"])
            other = spec.start if spec.rule_id == "end_not_before_start" else None
            rows["other_value"] = rows[other + "__shown"] if other else None
            add(spec.rule_id, spec.check_name, spec.effective_severity, spec.target_column, rows,
                lambda f, spec=spec: describe(spec, f, year=year, as_at=as_at))
    elif table in raw_tables and "_row_key" in present:
        for spec in suite.by_engine("gx"):
            results_by_check[spec.check_name].evaluated = set(spec.columns) <= present
    out.seconds["gx"] = time.perf_counter() - t1

    # 3. set-based rules in SQL (references, birth dates) and cross-table rules
    t2 = time.perf_counter()
    if readable and out.raw_rows > 0:
        for spec in suite.by_engine("sql"):
            rr = results_by_check[spec.check_name]
            if spec.rule_id in ("key_not_null", "key_unique"):
                missing = [c for c in (spec.column, spec.within) if c and c not in present]
                if missing:
                    rr.evaluated, rr.note = False, f"not evaluated: {', '.join(missing)} missing"
                    continue
                sql = (key_not_null_sql(table, spec.column) if spec.rule_id == "key_not_null"
                       else key_unique_sql(table, spec.column, spec.within))
            elif spec.rule_id == "foreign_key_resolves":
                ptable, pcol = spec.parent
                if spec.column not in present or pcol not in cols(ptable):
                    rr.evaluated, rr.note = False, f"not evaluated: {spec.column} or raw.{spec.references} missing"
                    continue
                sql = foreign_key_sql(table, spec.column, record_col, ptable, pcol)
            elif spec.rule_id == "date_not_before_birth":
                if (spec.column not in present or not suite.person_id or suite.person_id not in present
                        or not {"pers_person_id", "pers_dob"} <= cols("ssd_person")):
                    rr.evaluated, rr.note = False, "not evaluated: column or raw.ssd_person missing"
                    continue
                sql = not_before_birth_sql(table, spec.column, record_col, suite.person_id)
            else:
                raise ValueError(f"{spec.rule_id} has no SQL implementation")
            rows = _run_sql(wh, sql)
            add(spec.rule_id, spec.check_name, spec.effective_severity, spec.target_column, rows,
                lambda f, spec=spec: describe(spec, f, year=year, as_at=as_at))
        for rule_id in suite.cross_rules:
            cross = cross_rule_for(rule_id, table)
            severity = RULES[rule_id].default_severity
            rr = RuleResult(rule_id, rule_id, severity, "", RULES[rule_id].description)
            out.results.append(rr)
            missing = [f"{t}.{c}" for t, cs in cross.needs.items() for c in cs if c not in cols(t)]
            if missing:
                rr.evaluated, rr.note = False, f"not evaluated: missing {', '.join(missing)}"
                continue
            rows = _run_sql(wh, cross.sql(raw_tables))
            add(rule_id, rule_id, severity, "", rows, cross.message)
    else:
        for rule_id in suite.cross_rules:
            out.results.append(RuleResult(rule_id, rule_id, RULES[rule_id].default_severity, "",
                                          RULES[rule_id].description, evaluated=out.raw_rows == 0 and
                                          table in raw_tables))
    out.seconds["sql"] = time.perf_counter() - t2

    # 4. findings -> per-rule results
    out.findings = pd.DataFrame(findings, columns=["_row_key", "record_id", "rule_id", "check_name", "severity",
                                                   "column_name", "message"])
    for rr in out.results:
        if rr.structural:
            continue
        mine = out.findings[out.findings["check_name"] == rr.check_name]
        rr.failing_rows = int(mine["_row_key"].nunique())
        rr.passed = rr.failing_rows == 0
        rr.sample_row_keys = [str(k) for k in mine["_row_key"].drop_duplicates().head(SAMPLE_SIZE)]
        rr.sample_record_ids = [str(k) for k in mine["record_id"].dropna().drop_duplicates().head(SAMPLE_SIZE)]
    rejected = out.findings[out.findings["severity"] == ERROR]
    out.quarantined_rows = int(rejected["_row_key"].nunique())
    warned = set(out.findings.loc[out.findings["severity"] == WARN, "_row_key"]) - set(rejected["_row_key"])
    out.warned_rows = len(warned)

    # 5. write quarantine (always) and the findings
    t3 = time.perf_counter()
    if write:
        write_quarantine(wh, table, suite, rejected, run_id=run_id, present=present)
    out.seconds["write"] = time.perf_counter() - t3

    # 6. conservation and the quarantined share (structural)
    conserved = RuleResult("rows_conserved", "rows_conserved", ERROR, "", RULES["rows_conserved"].description,
                           structural=True)
    out.results.append(conserved)
    if write and table in raw_tables and "_row_key" in present:
        counts = conservation_counts(wh, table)
        out.eligible_rows = counts["eligible"]
        conserved.passed = (counts["eligible"] + counts["quarantined"] == counts["raw"]
                            and counts["orphan_quarantine_keys"] == 0 and counts["null_row_keys"] == 0)
        conserved.note = (f"raw {counts['raw']} = staging-eligible {counts['eligible']} + quarantined "
                          f"{counts['quarantined']}; quarantine keys not in raw: {counts['orphan_quarantine_keys']}; "
                          f"raw rows without _row_key: {counts['null_row_keys']}")
        conserved.failing_rows = abs(counts["raw"] - counts["eligible"] - counts["quarantined"])
    else:
        out.eligible_rows = out.raw_rows - out.quarantined_rows
        conserved.evaluated = write is False
        conserved.passed = table in raw_tables and "_row_key" in present
        conserved.note = "not evaluated" if not conserved.passed else "not written (dry run)"

    share = RuleResult("quarantine_share", "quarantine_share", ERROR, "", RULES["quarantine_share"].description,
                       structural=True)
    out.results.append(share)
    limit = (max_quarantined_share if max_quarantined_share is not None
             else suite.max_quarantined_share if suite.max_quarantined_share is not None
             else DEFAULT_MAX_QUARANTINED_SHARE)
    ratio = out.quarantined_rows / out.raw_rows if out.raw_rows else 0.0
    share.failing_rows = out.quarantined_rows
    share.note = (f"{out.quarantined_rows} of {out.raw_rows} rows quarantined ({ratio:.1%}); limit {limit:.0%}"
                  + (f", applied from {min_rows_for_share} rows" if out.raw_rows < min_rows_for_share else ""))
    share.passed = not (out.raw_rows >= min_rows_for_share and ratio > limit)

    structural_findings = [
        {"_row_key": None, "record_id": None, "rule_id": r.rule_id, "check_name": r.check_name, "severity": ERROR,
         "column_name": "", "message": f"raw.{table}: {r.note} (rule {r.rule_id})"}
        for r in out.results if r.structural and not r.passed
    ]
    if structural_findings:
        out.findings = pd.concat([out.findings, pd.DataFrame(structural_findings)], ignore_index=True)
    if write:
        write_findings(wh, out)
    out.seconds["total"] = time.perf_counter() - t0
    return out


def _run_sql(wh: Warehouse, sql: str) -> pd.DataFrame:
    frame = wh.query_frame(sql)
    frame = frame.astype(object).where(frame.notna(), None)
    for c in ("_row_key", "record_id", "value", "other_value", "other_id"):
        if c in frame:
            frame[c] = frame[c].map(lambda v: None if v is None else str(v))
    return frame


def quarantine_column_types(present_columns: list[str]) -> dict[str, str]:
    types = {c: "TEXT" for c in QUARANTINE_META_COLUMNS}
    types["quarantined_at"] = "TIMESTAMP"
    for c in present_columns:
        if c not in types:
            types[c] = "TEXT"
    return types


def write_quarantine(wh: Warehouse, table: str, suite: TableSuite, rejected: pd.DataFrame, *, run_id: str,
                     present: set[str]) -> int:
    """(Re)create ``quarantine.<table>``: one row per rejected row and ERROR rule, with the original columns."""
    original = wh.columns(RAW, table) if present else [*suite.required_columns, "_row_key"]
    types = quarantine_column_types(original)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    if rejected.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in types})
    else:
        meta = rejected[["_row_key", "rule_id", "severity", "message"]].copy()
        meta["run_id"] = run_id
        meta["quarantined_at"] = now
        rows = fetch_rows(wh, table, sorted(set(meta["_row_key"])))
        rows = rows[[c for c in rows.columns]]
        frame = meta.merge(rows, on="_row_key", how="left")
        frame = frame[[c for c in types if c in frame.columns]]
    return wh.replace_table(QUARANTINE, table, [frame], types)


def write_findings(wh: Warehouse, out: TableValidation) -> None:
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    findings = out.findings.copy()
    findings.insert(0, "raw_table", out.table)
    findings["run_id"] = out.run_id
    findings["validated_at"] = now
    findings = findings[list(FINDING_COLUMNS)]
    results = pd.DataFrame([
        {"raw_table": out.table, "check_name": r.check_name, "rule_id": r.rule_id, "severity": r.severity,
         "column_name": r.column, "description": r.description, "structural": r.structural,
         "evaluated": r.evaluated, "passed": r.passed, "failing_rows": r.failing_rows,
         "sample_row_keys": ", ".join(r.sample_row_keys), "sample_record_ids": ", ".join(r.sample_record_ids),
         "note": r.note, "raw_rows": out.raw_rows, "quarantined_rows": out.quarantined_rows,
         "run_id": out.run_id, "validated_at": now}
        for r in out.results
    ], columns=list(RULE_RESULT_COLUMNS))
    for name, frame, types in ((FINDINGS_TABLE, findings, FINDING_COLUMNS),
                               (RULE_RESULTS_TABLE, results, RULE_RESULT_COLUMNS)):
        for attempt in range(3):
            try:
                with wh.begin() as conn:
                    wh.create_table(conn, QUARANTINE, name, types)
                    conn.execute(sa.text(f"DELETE FROM {q(QUARANTINE)}.{q(name)} WHERE raw_table = :t"),
                                 {"t": out.table})
                    wh.append_frame(conn, frame, QUARANTINE, name)
                break
            except sa.exc.DBAPIError:
                if attempt == 2:
                    raise
                time.sleep(0.5 * (attempt + 1))


def conservation_counts(wh: Warehouse, table: str) -> dict[str, int]:
    r, qt = f"{q(RAW)}.{q(table)}", f"{q(QUARANTINE)}.{q(table)}"
    frame = wh.query_frame(f"""
        SELECT
            (SELECT count(*) FROM {r}) AS raw,
            (SELECT count(*) FROM {r} AS x
              WHERE NOT EXISTS (SELECT 1 FROM {qt} AS y WHERE y._row_key = x._row_key)) AS eligible,
            (SELECT count(DISTINCT _row_key) FROM {qt}) AS quarantined,
            (SELECT count(DISTINCT _row_key) FROM {qt} AS y
              WHERE NOT EXISTS (SELECT 1 FROM {r} AS x WHERE x._row_key = y._row_key)) AS orphan_quarantine_keys,
            (SELECT count(*) FROM {r} WHERE _row_key IS NULL) AS null_row_keys
    """)
    return {k: int(v) for k, v in frame.iloc[0].items()}


def staging_model_for(table: str) -> str:
    """The dbt staging model that reads a raw table (dbt_style_sql/models/staging)."""
    if table.startswith("ssd_"):
        return f"stg_ssd__{table[4:]}"
    return f"stg_health__{table[len('health_'):]}"


def validate_all(
    wh: Warehouse, *, as_at: dt.date, run_id: str, tables: list[str] | None = None, **kwargs
) -> dict[str, TableValidation]:
    """Validate every raw table with a suite (what one in-process run of the quarantine assets does)."""
    from cs_pipeline.quality.suite_spec import suite_tables

    with wh.kept_open():
        raw_tables = set(wh.tables(RAW))
        return {
            t: validate_table(wh, t, as_at=as_at, run_id=run_id, raw_tables=raw_tables, **kwargs)
            for t in (tables or suite_tables())
        }
