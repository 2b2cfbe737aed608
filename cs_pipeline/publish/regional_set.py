"""The regional set: several councils' degraded copies (``returns_shared``) combined into one.

    python -m cs_pipeline.publish.regional_set --councils councils.yaml [--warehouse-url URL] [--out DIR]
                                               [--max-age-hours 36] [--on-refused skip|fail]

Reads each council's ``returns_shared`` tables from its own warehouse (read only; keyed-hash ids, months of birth,
postcode sectors: never a raw identifier) and writes ``regional.<schema>__<table>`` in the regional warehouse, each
row with its council's ``la_code``, plus ``<out>/<schema>__<table>.csv``, and ``regional.council_status`` /
``council_status.csv``: one row per council, combined or refused and why.

A council is refused, by name and with the reason, when its copy is missing (no warehouse, no copy, no manifest),
unreadable (a DuckDB file a run is writing), older than the maximum age, not its own (the manifest's LA code is
another's), changed since written (a table's rows differ from the manifest's count), hashed under a different key
from the other councils (the manifest's key fingerprint), or laid out differently (a table or column missing or
extra, against the layout most councils share; the first council in the file breaks a tie). With ``skip`` (the
default) the others are combined; with ``fail`` nothing is written and the previous regional set stays.

Exit status: 0 every council combined; 3 combined without the refused (``skip``); 1 nothing written.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url

from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline.publish.regional import MANIFEST_TABLE, SHARED_SCHEMA

REGIONAL_SCHEMA = "regional"
STATUS_TABLE = "council_status"
LA_COLUMN = "la_code"
_SHARED_NAME = re.compile(r"^[a-z0-9_]+__[A-Za-z0-9_]+$")
STATUS_COLUMNS = {"la_code": "TEXT", "name": "TEXT", "status": "TEXT", "reason": "TEXT", "written_at": "TEXT",
                  "as_at": "TEXT", "tables": "BIGINT", "rows": "BIGINT", "combined_at": "TEXT"}
SQL_TYPES = {"integer": "BIGINT", "float": "DOUBLE PRECISION", "boolean": "BOOLEAN", "date": "DATE",
             "timestamp": "TIMESTAMP", "text": "TEXT"}


class RegionalSetRefused(RuntimeError):
    """Nothing was combined (every council refused, or one refused under on_refused=fail); .report says why."""

    def __init__(self, message: str, report: "RegionalSetReport"):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class CopySource:
    """Where one council's copy is: its LA code and name, and its warehouse URL (may hold a password)."""

    la_code: str
    name: str
    warehouse_url: str = ""
    problem: str = ""  # set when the URL could not be built (a ${NAME} not set): refused with this reason


@dataclass
class CouncilCopy:
    source: CopySource
    status: str = "refused"  # combined | refused
    reason: str = ""
    written_at: str = ""
    as_at: str = ""
    key_fingerprint: str = ""
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows (the manifest's, checked)
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # table -> [(column, type family)]

    @property
    def la_code(self) -> str:
        return self.source.la_code

    def refuse(self, reason: str) -> "CouncilCopy":
        self.status, self.reason = "refused", reason
        return self

    def line(self) -> str:
        if self.status == "combined":
            return (f"council {self.la_code} ({self.source.name}): combined, {len(self.tables)} tables, "
                    f"{sum(self.tables.values())} rows (copy written {self.written_at}, as at {self.as_at or '-'})")
        return f"council {self.la_code} ({self.source.name}): REFUSED: {self.reason}"


@dataclass
class RegionalSetReport:
    councils: list[CouncilCopy]
    tables: dict[str, int] = field(default_factory=dict)  # regional table -> rows written
    written: bool = False
    combined_at: str = ""

    @property
    def combined(self) -> list[CouncilCopy]:
        return [c for c in self.councils if c.status == "combined"]

    @property
    def refused(self) -> list[CouncilCopy]:
        return [c for c in self.councils if c.status == "refused"]

    def lines(self) -> list[str]:
        out = [c.line() for c in self.councils]
        if self.written:
            out.append(f"regional set: {len(self.combined)} of {len(self.councils)} councils, {len(self.tables)} "
                       f"tables, {sum(self.tables.values())} rows")
        else:
            out.append("regional set: nothing written (the previous set, if any, is unchanged)")
        return out


# -- reading one council's copy ------------------------------------------------------------------------------------

def type_family(data_type: str) -> str:
    """DuckDB's and PostgreSQL's names for a column type, as one family (the two spell them differently)."""
    name = data_type.upper()
    if "INT" in name:
        return "integer"
    if any(word in name for word in ("DOUBLE", "FLOAT", "REAL", "NUMERIC", "DECIMAL")):
        return "float"
    if "BOOL" in name:
        return "boolean"
    if "TIMESTAMP" in name:
        return "timestamp"
    if name == "DATE":
        return "date"
    return "text"


def read_only_url(url: str) -> str:
    """The council's warehouse opened read only: the hub never writes it (DuckDB's access mode; PostgreSQL sessions
    whose transactions are read only)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("duckdb"):
        parsed = parsed.update_query_dict({"access_mode": "read_only"})
    else:
        options = " ".join(filter(None, [str(parsed.query.get("options", "")), "-c default_transaction_read_only=on"]))
        parsed = parsed.update_query_dict({"options": options})
    return parsed.render_as_string(hide_password=False)


def _error_text(exc: Exception) -> str:
    from cs_pipeline.publish.run_failures import safe_message

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return safe_message(f"{type(exc).__name__}: {first}", limit=300)


def inspect_copy(source: CopySource, *, now: dt.datetime, max_age: dt.timedelta) -> CouncilCopy:
    """One council's copy, checked on its own: present, readable, its own, recent and whole."""
    copy = CouncilCopy(source)
    if source.problem:
        return copy.refuse(source.problem)
    parsed = make_url(source.warehouse_url)
    if parsed.drivername.startswith("duckdb") and not (parsed.database and Path(parsed.database).exists()):
        return copy.refuse(f"missing: no warehouse file at {parsed.database}")
    try:
        warehouse = Warehouse(read_only_url(source.warehouse_url))
        try:
            return _inspect(copy, warehouse, now, max_age)
        finally:
            warehouse.engine.dispose()
    except Exception as exc:  # noqa: BLE001 - unreachable, a DuckDB file a run holds: this council only is refused
        return copy.refuse(f"warehouse unreadable: {_error_text(exc)}")


def _inspect(copy: CouncilCopy, warehouse: Warehouse, now: dt.datetime, max_age: dt.timedelta) -> CouncilCopy:
    if not warehouse.table_exists(SHARED_SCHEMA, MANIFEST_TABLE):
        if warehouse.tables(SHARED_SCHEMA):
            return copy.refuse(f"missing: {SHARED_SCHEMA} has no {MANIFEST_TABLE} (a copy that failed half way, or "
                               "one written before manifests): run the council again")
        return copy.refuse(f"missing: no regional copy in its warehouse (is CS_PIPELINE_SHARED_HASH_KEY set for it?)")
    manifest = warehouse.query_frame(
        f"SELECT table_name, row_count, la_code, written_at, as_at, key_fingerprint "
        f"FROM {SHARED_SCHEMA}.{MANIFEST_TABLE} ORDER BY table_name")
    if manifest.empty:
        return copy.refuse("missing: its copy's manifest lists no tables")
    codes = set(manifest["la_code"].fillna(""))
    if codes != {copy.la_code}:
        return copy.refuse(f"not its own: the copy in this warehouse is LA {', '.join(sorted(codes)) or '(none)'}'s, "
                           f"not {copy.la_code}'s (does warehouse_url point at another council's warehouse?)")
    copy.written_at = str(manifest["written_at"].iloc[0])
    copy.as_at = str(manifest["as_at"].iloc[0] or "")
    copy.key_fingerprint = str(manifest["key_fingerprint"].iloc[0] or "")
    try:
        written = dt.datetime.fromisoformat(copy.written_at)
    except ValueError:
        return copy.refuse(f"its manifest's written_at is not a time: {copy.written_at!r}")
    if written.tzinfo is None:
        written = written.replace(tzinfo=dt.timezone.utc)
    age = now - written
    if age > max_age:
        return copy.refuse(f"stale: copy written {copy.written_at}, {age.total_seconds() / 3600:.1f} h ago, older "
                           f"than {max_age.total_seconds() / 3600:g} h")
    columns = warehouse.query_frame(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = :s "
        "ORDER BY table_name, ordinal_position", s=SHARED_SCHEMA)
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in columns.itertuples(index=False, name=None):
        by_table.setdefault(table, []).append((column, type_family(str(data_type))))
    for table, expected in zip(manifest["table_name"], manifest["row_count"]):
        if table not in by_table:
            return copy.refuse(f"incomplete: {SHARED_SCHEMA}.{table} is in its manifest but not in its warehouse")
        rows = warehouse.row_count(SHARED_SCHEMA, table)
        if rows != int(expected):
            return copy.refuse(f"changed since written: {SHARED_SCHEMA}.{table} has {rows} rows, its manifest "
                               f"{int(expected)}")
        if any(column.lower() == LA_COLUMN for column, _ in by_table[table]):
            return copy.refuse(f"{SHARED_SCHEMA}.{table} has a column named {LA_COLUMN}, which the regional set adds")
        copy.tables[table] = rows
        copy.columns[table] = by_table[table]
    copy.status = "combined"  # so far: the councils are compared with each other next
    return copy


# -- comparing councils ---------------------------------------------------------------------------------------------

def _majority(values: list, order: list) -> object:
    """The value most councils have; a tie goes to the council first in the file."""
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in order if counts[v] == best)


def _layout(copy: CouncilCopy) -> tuple:
    return tuple(sorted((table, tuple(sorted(c for c, _ in cols))) for table, cols in copy.columns.items()))


def _differences(copy: CouncilCopy, reference: dict[str, list[str]], limit: int = 6) -> str:
    found = []
    mine = {t: [c for c, _ in cols] for t, cols in copy.columns.items()}
    for table in sorted(set(reference) - set(mine)):
        found.append(f"{table} missing")
    for table in sorted(set(mine) - set(reference)):
        found.append(f"{table} extra")
    for table in sorted(set(mine) & set(reference)):
        lacks = [c for c in reference[table] if c not in mine[table]]
        extra = [c for c in mine[table] if c not in reference[table]]
        if lacks:
            found.append(f"{table} lacks {', '.join(lacks)}")
        if extra:
            found.append(f"{table} has extra {', '.join(extra)}")
    more = f" (and {len(found) - limit} more)" if len(found) > limit else ""
    return "; ".join(found[:limit]) + more


def compare_councils(copies: list[CouncilCopy]) -> dict[str, list[str]]:
    """Refuse, among the councils still in, those hashed under another key or laid out differently; returns the
    reference layout (table -> columns in the first such council's order)."""
    candidates = [c for c in copies if c.status == "combined"]
    if not candidates:
        return {}
    fingerprint = _majority([c.key_fingerprint for c in candidates], [c.key_fingerprint for c in candidates])
    for copy in candidates:
        if copy.key_fingerprint != fingerprint:
            copy.refuse("hashed under a different key from the other councils' copies (its key fingerprint differs):"
                        " its ids would not join theirs")
    candidates = [c for c in candidates if c.status == "combined"]
    layout = _majority([_layout(c) for c in candidates], [_layout(c) for c in candidates])
    model = next(c for c in candidates if _layout(c) == layout)
    reference = {t: [c for c, _ in cols] for t, cols in model.columns.items()}
    for copy in candidates:
        if _layout(copy) != layout:
            copy.refuse(f"columns differ from the other councils': {_differences(copy, reference)}")
    return reference


def column_types(table: str, columns: list[str], copies: list[CouncilCopy]) -> dict[str, str]:
    """SQL type per column: the councils' type when they agree (integer and float make float), else TEXT. An empty
    table's types are pandas' guesses (all-empty columns come out DOUBLE), so they count only when all are empty."""
    types = {LA_COLUMN: "TEXT"}
    voters = [c for c in copies if c.tables.get(table, 0) > 0] or copies[:1]
    for column in columns:
        families = {dict(c.columns[table])[column] for c in voters}
        if len(families) == 1:
            family = families.pop()
        elif families == {"integer", "float"}:
            family = "float"
        else:
            family = "text"
        types[column] = SQL_TYPES[family]
    return types


# -- writing the regional set -----------------------------------------------------------------------------------------

def _is_missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def _coerce(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """Each column as its regional type, so one council's all-empty column or int-with-blanks loads on both engines."""
    out = {}
    for column, sql in types.items():
        series = frame[column]
        if sql == "BIGINT":
            out[column] = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif sql == "DOUBLE PRECISION":
            out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif sql == "BOOLEAN":
            out[column] = series.map(lambda v: None if _is_missing(v) else bool(v)).astype("boolean")
        elif sql == "TIMESTAMP":
            out[column] = pd.to_datetime(series, errors="coerce")
        elif sql == "DATE":
            out[column] = series.map(lambda v: None if _is_missing(v) else
                                     (v.date() if isinstance(v, dt.datetime) else v)).astype(object)
        else:
            out[column] = series.map(lambda v: None if _is_missing(v) else str(v)).astype(object)
    return pd.DataFrame(out, index=frame.index)


def _cell(value) -> str:
    return "" if _is_missing(value) else str(value)


def _council_frames(table: str, columns: list[str], types: dict[str, str], copies: list[CouncilCopy],
                    writer) -> Iterator[pd.DataFrame]:
    """The table's rows, council by council (memory: one council's table at a time), each also written to the CSV."""
    for copy in copies:
        warehouse = Warehouse(read_only_url(copy.source.warehouse_url))
        try:
            frame = warehouse.query_frame(f"SELECT * FROM {quote_ident(SHARED_SCHEMA)}.{quote_ident(table)}")
        finally:
            warehouse.engine.dispose()
        frame = frame[columns]
        frame.insert(0, LA_COLUMN, copy.la_code)
        frame = _coerce(frame, types)
        writer.writerows([_cell(v) for v in row] for row in frame.itertuples(index=False, name=None))
        yield frame


def combine(sources: list[CopySource], warehouse_url: str, output_dir: Path, *, max_age_hours: float = 36.0,
            on_refused: str = "skip", now: dt.datetime | None = None) -> RegionalSetReport:
    """Check every council's copy, then write the regional set from those accepted (see the module's docstring).
    Raises RegionalSetRefused, writing nothing, when no council can be combined or (on_refused=fail) any is refused."""
    if on_refused not in ("skip", "fail"):
        raise ValueError(f"on_refused must be skip or fail, got {on_refused!r}")
    target = make_url(warehouse_url)
    if target.drivername.startswith("duckdb") and target.database and Path(target.database).stem == REGIONAL_SCHEMA:
        # DuckDB names a file's catalog after it: regional.duckdb's "regional" would be ambiguous with the schema
        raise ValueError(f"the regional DuckDB file may not be called {Path(target.database).name}: "
                         f"DuckDB confuses its catalog with the schema {REGIONAL_SCHEMA} (try regional_set.duckdb)")
    now = now or dt.datetime.now(dt.timezone.utc)
    max_age = dt.timedelta(hours=max_age_hours)
    copies = [inspect_copy(s, now=now, max_age=max_age) for s in sources]
    reference = compare_councils(copies)
    report = RegionalSetReport(copies, combined_at=now.isoformat(timespec="seconds"))
    accepted = report.combined
    if not accepted:
        raise RegionalSetRefused("no council's copy can be combined: " + "; ".join(
            f"{c.la_code}: {c.reason}" for c in copies), report)
    if on_refused == "fail" and report.refused:
        raise RegionalSetRefused("on_refused is fail and councils were refused: " + "; ".join(
            f"{c.la_code}: {c.reason}" for c in report.refused), report)

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    regional = Warehouse(warehouse_url)
    for table in sorted(reference):
        columns = reference[table]
        types = column_types(table, columns, accepted)
        partial = output_dir / f".{table}.csv.partial"
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([LA_COLUMN, *columns])
            report.tables[table] = regional.replace_table(
                REGIONAL_SCHEMA, table, _council_frames(table, columns, types, accepted, writer), types)
        os.replace(partial, output_dir / f"{table}.csv")
    _drop_leftovers(regional, output_dir, set(reference))
    status = pd.DataFrame([{
        "la_code": c.la_code, "name": c.source.name, "status": c.status, "reason": c.reason,
        "written_at": c.written_at, "as_at": c.as_at, "tables": len(c.tables) if c.status == "combined" else 0,
        "rows": sum(c.tables.values()) if c.status == "combined" else 0, "combined_at": report.combined_at,
    } for c in copies], columns=list(STATUS_COLUMNS)).astype({"tables": "int64", "rows": "int64"})
    regional.replace_table(REGIONAL_SCHEMA, STATUS_TABLE, [status], STATUS_COLUMNS)
    partial = output_dir / f".{STATUS_TABLE}.csv.partial"
    status.to_csv(partial, index=False, encoding="utf-8")
    os.replace(partial, output_dir / f"{STATUS_TABLE}.csv")
    report.written = True
    return report


def _drop_leftovers(regional: Warehouse, output_dir: Path, tables: set[str]) -> None:
    """A table no council shares any more leaves the regional set (table and CSV), rather than linger stale."""
    for table in regional.tables(REGIONAL_SCHEMA):
        if _SHARED_NAME.match(table) and table not in tables:
            regional.execute(f"DROP TABLE IF EXISTS {quote_ident(REGIONAL_SCHEMA)}.{quote_ident(table)}")
    for path in output_dir.glob("*.csv"):
        if _SHARED_NAME.match(path.stem) and path.stem not in tables:
            path.unlink()


# -- from a councils file ---------------------------------------------------------------------------------------------

def sources_from_hub(hub, env: Mapping[str, str] | None = None) -> list[CopySource]:
    """Each council's copy source; a council whose warehouse URL needs an unset ${NAME} is refused, not fatal."""
    from cs_pipeline.hub.councils import MissingReference

    sources = []
    for council in hub.councils:
        try:
            sources.append(CopySource(council.la_code, council.name, council.resolved_warehouse_url(env)))
        except MissingReference as exc:
            sources.append(CopySource(council.la_code, council.name, problem=str(exc)))
    return sources


def combine_hub(hub, *, warehouse_url: str | None = None, output_dir: Path | str | None = None,
                max_age_hours: float | None = None, on_refused: str | None = None, now: dt.datetime | None = None,
                env: Mapping[str, str] | None = None) -> RegionalSetReport:
    """combine() for the councils of a councils file, with its regional settings unless given here."""
    url = warehouse_url or hub.regional.resolved_warehouse_url(env)
    out = output_dir or hub.regional.output_dir
    if not url or not out:
        raise ValueError(f"{hub.path}: regional warehouse_url and output_dir are needed (in the file or as options)")
    return combine(sources_from_hub(hub, env), url, Path(out),
                   max_age_hours=hub.regional.max_age_hours if max_age_hours is None else max_age_hours,
                   on_refused=on_refused or hub.regional.on_refused, now=now)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs_pipeline.publish.regional_set", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--councils", required=True, type=Path, help="the councils file (YAML)")
    parser.add_argument("--warehouse-url", help="the regional warehouse (default: the file's regional.warehouse_url)")
    parser.add_argument("--out", type=Path, help="folder of the regional CSVs (default: regional.output_dir)")
    parser.add_argument("--max-age-hours", type=float, help="refuse a copy older than this (default: the file's, 36)")
    parser.add_argument("--on-refused", choices=("skip", "fail"), help="skip: combine the others (default); "
                        "fail: write nothing if any council is refused")
    args = parser.parse_args(argv)

    from cs_pipeline.hub.councils import CouncilsFileError, MissingReference, load_councils

    try:
        hub = load_councils(args.councils)
        report = combine_hub(hub, warehouse_url=args.warehouse_url, output_dir=args.out,
                             max_age_hours=args.max_age_hours, on_refused=args.on_refused)
    except (CouncilsFileError, MissingReference, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except RegionalSetRefused as exc:
        print("\n".join(exc.report.lines()))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 3 if report.refused else 0


if __name__ == "__main__":
    sys.exit(main())
