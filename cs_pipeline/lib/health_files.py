"""The health provider's CSV drops (INTERFACE.md section 2) into ``raw.health_<kind>``: pure parsing + append-only load.

No Dagster here: ``cs_pipeline/defs/sources/health.py`` wraps :func:`ingest_health_folder` in one asset per kind.

Delivery realities and what happens to them:

- **file names** ``<kind>_YYYYMMDD[anything].csv`` (case-insensitive); ``_file_date`` comes from the 8 digits.
  Files are taken oldest first (file date, then shorter name, then name), so within one run the earlier
  delivery loads first.
- **encoding**: a UTF-8 BOM (or UTF-16 BOM) decides; NUL bytes (which no CSV text holds) mean UTF-16 without
  a BOM; otherwise strict UTF-8, then Windows-1252, then Latin-1.
- **delimiter**: commas. A file whose header is one field split by ``;``, a tab or ``|`` is rejected as not
  comma-separated (naming the file and the delimiter seen), not as missing every column.
- **header**: names are matched after trimming, lower-casing and turning spaces/hyphens into ``_``, in any order.
  Every contract column of the kind is required: a file missing one is *rejected* (nothing of it is loaded; the
  message names the file and the column). Extra columns are ignored and listed in the log and the asset metadata.
- **dates**: the file's date format is decided once per file from the shapes of all its non-blank date values
  (``YYYY-MM-DD`` or ``DD/MM/YYYY``, an optional time part allowed; the majority wins, ISO on a tie). Values that
  parse under that format are written as ``YYYY-MM-DD``; anything else (``31/02/2024``, the other format in a
  mixed file, free text) is kept as its original text so validation quarantines that row.
- **values**: trimmed; blank becomes NULL. A row whose fields are all blank is skipped.
- **duplicates**: a file is identified by its sha256. Content already loaded (under any name) is logged once as
  ``duplicate`` and adds no rows; a (name, sha256) already in the log is skipped silently (re-running on the same
  folder adds nothing). A *different* content under a name already loaded is rejected (``_row_key`` is
  ``<file name>#<row number>`` and must stay unique): the provider should resend it under a new name.
- **empty / truncated**: a 0-byte file or one without a header is rejected; a header-only file loads 0 rows; a row
  with a different number of fields than the header (a cut-off last line), a last row without a line break (cut
  inside its last field) or broken quoting rejects the file, naming the row number, so the complete re-delivery
  can load cleanly later.
- **still arriving**: a file whose size or modification time changes while it is read, or (with
  ``settle_seconds``, which runs started by the sensor or the schedule use) one changed less than that long ago,
  is left for a later run (``still_arriving``, not logged): a run started while the provider is still uploading,
  or has paused mid-upload, never loads half a file.
- **history**: raw tables are append-only; a later delivery repeating a ``record_id`` adds a new version (staging
  keeps the latest). Each file is written in one transaction together with its ``raw.health_file_log`` row, so a
  failure mid-file leaves nothing half-loaded and nothing loaded before is touched.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cs_pipeline.lib.warehouse import Warehouse

RAW_SCHEMA = "raw"
SETTLE_SECONDS = 120  # a file unchanged this long is taken to be completely delivered
FILE_LOG_TABLE = "health_file_log"

_PERSON = ("record_id", "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "postcode")


@dataclass(frozen=True)
class HealthKind:
    name: str  # file name prefix, e.g. "immunisations"
    columns: tuple[str, ...]  # contract columns, in contract order
    date_columns: frozenset[str]

    @property
    def table(self) -> str:
        return f"health_{self.name}"


HEALTH_KINDS: dict[str, HealthKind] = {
    k.name: k
    for k in (
        HealthKind(
            "lac_health_assessments",
            _PERSON
            + (
                "la_child_id",
                "assessment_type",
                "request_received_date",
                "appointment_date",
                "assessment_date",
                "report_sent_date",
                "status",
                "practitioner_type",
                "provider_code",
            ),
            frozenset(
                {"date_of_birth", "request_received_date", "appointment_date", "assessment_date", "report_sent_date"}
            ),
        ),
        HealthKind(
            "immunisations", _PERSON + ("status_date", "up_to_date"), frozenset({"date_of_birth", "status_date"})
        ),
        HealthKind("dental_checks", _PERSON + ("check_date",), frozenset({"date_of_birth", "check_date"})),
    )
}

LOAD_COLUMN_TYPES = {
    "_row_key": "TEXT",  # <file name>#<row number>
    "_file": "TEXT",
    "_file_date": "DATE",
    "_row_number": "INTEGER",  # 1 = first data row after the header
    "_extracted_at": "TEXT",
    "_load_id": "TEXT",
}

FILE_LOG_COLUMN_TYPES = {
    "name": "TEXT",
    "sha256": "TEXT",
    "status": "TEXT",  # loaded | duplicate | rejected
    "message": "TEXT",
    "rows": "INTEGER",
    "file_kind": "TEXT",
    "file_date": "DATE",
    "encoding": "TEXT",
    "date_format": "TEXT",
    "extra_columns": "TEXT",
    "logged_at": "TEXT",
    "load_id": "TEXT",
}

ISO_FORMAT = "YYYY-MM-DD"
DMY_FORMAT = "DD/MM/YYYY"

_FILE_NAME = re.compile(
    r"^(?P<kind>" + "|".join(HEALTH_KINDS) + r")_(?P<date>\d{8})(?P<rest>.*)\.csv$", re.IGNORECASE
)
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$")


def raw_column_types(kind: str) -> dict[str, str]:
    return {c: "TEXT" for c in HEALTH_KINDS[kind].columns} | LOAD_COLUMN_TYPES


# -- pure parsing ------------------------------------------------------------------------------------------------
def parse_file_name(name: str) -> tuple[str, dt.date | None] | None:
    """(kind, file date) for a health file name, or None when it is not one. An impossible date gives None."""
    m = _FILE_NAME.match(name)
    if not m:
        return None
    try:
        file_date = dt.datetime.strptime(m["date"], "%Y%m%d").date()
    except ValueError:
        file_date = None
    return m["kind"].lower(), file_date


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name): BOMs first, then strict UTF-8, then Windows-1252, then Latin-1 (never fails)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM: ASCII characters have a zero high byte (little-endian: the odd bytes)
        encoding = "utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def detect_date_format(values: Iterable[str]) -> str | None:
    """ISO_FORMAT or DMY_FORMAT by the majority of value shapes (ISO on a tie); None when no value has either."""
    iso = dmy = 0
    for v in values:
        if _ISO_DATE.match(v):
            iso += 1
        elif _DMY_DATE.match(v):
            dmy += 1
    if not iso and not dmy:
        return None
    return DMY_FORMAT if dmy > iso else ISO_FORMAT


def normalise_date(value: str, date_format: str | None) -> tuple[str, bool]:
    """(text, parsed): ``YYYY-MM-DD`` when the value is a real date in the file's format, else the value unchanged."""
    if date_format == ISO_FORMAT:
        m = _ISO_DATE.match(value)
        parts = (m.group(1), m.group(2), m.group(3)) if m else None
    elif date_format == DMY_FORMAT:
        m = _DMY_DATE.match(value)
        parts = (m.group(3), m.group(2), m.group(1)) if m else None
    else:
        parts = None
    if parts is None:
        return value, False
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat(), True
    except ValueError:
        return value, False


@dataclass
class ParsedFile:
    name: str
    kind: str
    sha256: str
    file_date: dt.date | None
    encoding: str = ""
    date_format: str | None = None
    columns: dict[str, list[str | None]] = field(default_factory=dict)  # contract column -> values
    row_numbers: list[int] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    unparsed_dates: int = 0
    error: str | None = None  # set when the whole file is rejected

    @property
    def rows(self) -> int:
        return len(self.row_numbers)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_health_file(name: str, data: bytes, kind: str | None = None) -> ParsedFile:
    """Parse one delivered file. Never raises for bad content: ``error`` says why the file is rejected."""
    parsed_name = parse_file_name(name)
    kind = kind or (parsed_name[0] if parsed_name else None)
    if kind not in HEALTH_KINDS:
        raise ValueError(f"{name}: not a health file name ({', '.join(HEALTH_KINDS)})")
    spec = HEALTH_KINDS[kind]
    out = ParsedFile(name, kind, sha256_of(data), parsed_name[1] if parsed_name else None)
    if not data.strip():
        out.error = f"{name}: empty file (no header row)"
        return out
    text, out.encoding = decode_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            out.error = f"{name}: no header row"
            return out
        delimiter = _other_delimiter(header, spec)
        if delimiter:
            out.error = (f"{name}: not comma-separated: its header is split by {delimiter}; "
                         "the provider's extracts are comma-separated CSV")
            return out
        header = [normalise_header(h) for h in header]
        duplicated = sorted(h for h, n in Counter(header).items() if n > 1 and h)
        if duplicated:
            out.error = f"{name}: column(s) named more than once: {', '.join(duplicated)}"
            return out
        missing = [c for c in spec.columns if c not in header]
        if missing:
            out.error = f"{name}: missing required column(s): {', '.join(missing)}"
            return out
        out.extra_columns = [h for h in header if h and h not in spec.columns]
        positions = {c: header.index(c) for c in spec.columns}
        width = len(header)
        raw_rows: list[list[str]] = []
        for row in reader:
            data_row = reader.line_num  # only for messages below
            if not row or not any(v.strip() for v in row):
                continue  # blank line, or a line of empty fields
            if len(row) != width:
                out.error = (
                    f"{name}: truncated or malformed at data row {len(raw_rows) + 1} (line {data_row}): "
                    f"{len(row)} fields, header has {width}"
                )
                return out
            raw_rows.append(row)
            last_line = reader.line_num
    except csv.Error as exc:
        out.error = f"{name}: unreadable CSV near line {reader.line_num}: {exc}"
        return out

    if raw_rows and not text.rstrip(" \t\x1a").endswith(("\n", "\r")):  # \x1a: an old DOS end-of-file mark
        # an extract ends its last row with a line break; without one the row may have been cut inside its last
        # field, which still gives the header's number of fields
        out.error = (f"{name}: truncated at data row {len(raw_rows)} (line {last_line}): the last row has no line "
                     "ending, so the file looks cut off; deliver it again")
        return out
    columns = {c: [(r[i].strip() or None) for r in raw_rows] for c, i in positions.items()}
    out.date_format = detect_date_format(v for c in spec.date_columns for v in columns[c] if v is not None)
    for c in spec.date_columns:
        values = columns[c]
        for i, v in enumerate(values):
            if v is None:
                continue
            values[i], ok = normalise_date(v, out.date_format)
            out.unparsed_dates += not ok
    out.columns = columns
    out.row_numbers = list(range(1, len(raw_rows) + 1))
    return out


_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _other_delimiter(header: list[str], spec: HealthKind) -> str | None:
    """How the header is separated when it is one field that another delimiter splits into contract columns."""
    if len(header) != 1:
        return None
    for delimiter, label in _OTHER_DELIMITERS.items():
        if len({normalise_header(h) for h in header[0].split(delimiter)} & set(spec.columns)) >= 2:
            return f"{label} ({delimiter!r})"
    return None


def raw_frame(parsed: ParsedFile, *, load_id: str, extracted_at: str) -> pd.DataFrame:
    """The rows of a parsed file as the raw table's columns (contract columns, then load metadata)."""
    spec = HEALTH_KINDS[parsed.kind]
    n = parsed.rows
    data: dict[str, list] = {c: parsed.columns.get(c, [None] * n) for c in spec.columns}
    data["_row_key"] = [f"{parsed.name}#{i}" for i in parsed.row_numbers]
    data["_file"] = [parsed.name] * n
    data["_file_date"] = [parsed.file_date] * n
    data["_row_number"] = parsed.row_numbers
    data["_extracted_at"] = [extracted_at] * n
    data["_load_id"] = [load_id] * n
    frame = pd.DataFrame(data, columns=list(raw_column_types(parsed.kind)), dtype=object)
    frame["_row_number"] = frame["_row_number"].astype("int64")
    return frame


# -- loading -----------------------------------------------------------------------------------------------------
@dataclass
class FileOutcome:
    name: str
    status: str  # loaded | duplicate | rejected | already_seen | still_arriving
    rows: int = 0
    message: str = ""
    extra_columns: list[str] = field(default_factory=list)
    unparsed_dates: int = 0
    encoding: str = ""
    date_format: str | None = None


@dataclass
class IngestReport:
    kind: str
    files: list[FileOutcome] = field(default_factory=list)
    not_matching: int = 0  # files in the folder that are no kind's

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.files if f.status == "loaded")

    @property
    def rejected(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "rejected"]


def list_health_files(folder: Path, kind: str) -> tuple[list[Path], int]:
    """This kind's files in the folder, oldest delivery first; and how many files match no kind at all."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"health folder not found: {folder}")
    mine: list[tuple[dt.date, int, str, Path]] = []
    unmatched = 0
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        parsed = parse_file_name(path.name)
        if parsed is None:
            unmatched += 1
        elif parsed[0] == kind:
            # the plain name before its copies ("x_20250131.csv" before "x_20250131 (1).csv")
            mine.append((parsed[1] or dt.date.max, len(path.name), path.name, path))
    return [p for *_, p in sorted(mine)], unmatched


def ensure_tables(warehouse: Warehouse, kind: str) -> None:
    """The kind's raw table and the file log exist (empty until a file loads), so readers always find them."""
    with warehouse.begin() as conn:
        warehouse.create_table(conn, RAW_SCHEMA, HEALTH_KINDS[kind].table, raw_column_types(kind))
        warehouse.create_table(conn, RAW_SCHEMA, FILE_LOG_TABLE, FILE_LOG_COLUMN_TYPES)


def _log_frame(parsed: ParsedFile, status: str, message: str, rows: int, load_id: str, at: str) -> pd.DataFrame:
    row = {
        "name": parsed.name,
        "sha256": parsed.sha256,
        "status": status,
        "message": message,
        "rows": rows,
        "file_kind": parsed.kind,
        "file_date": parsed.file_date,
        "encoding": parsed.encoding or None,
        "date_format": parsed.date_format,
        "extra_columns": ",".join(parsed.extra_columns) or None,
        "logged_at": at,
        "load_id": load_id,
    }
    frame = pd.DataFrame([row], columns=list(FILE_LOG_COLUMN_TYPES), dtype=object)
    frame["rows"] = frame["rows"].astype("int64")
    return frame


def ingest_health_folder(
    warehouse: Warehouse, folder: Path, kind: str, *, load_id: str, now: dt.datetime | None = None,
    settle_seconds: float = 0,
) -> IngestReport:
    """Append every new file of ``kind`` in ``folder`` to ``raw.health_<kind>``, logging each file once; a file
    changed less than ``settle_seconds`` ago is left for a later run."""
    spec = HEALTH_KINDS[kind]
    now = now or dt.datetime.now(dt.timezone.utc)
    at = now.isoformat(timespec="seconds")
    ensure_tables(warehouse, kind)
    log = warehouse.query_frame(
        f'SELECT name, sha256, status FROM {RAW_SCHEMA}.{FILE_LOG_TABLE} WHERE file_kind = :k', k=kind
    )
    seen = set(zip(log["name"], log["sha256"]))
    loaded = log[log["status"] == "loaded"]
    loaded_by_sha = dict(zip(loaded["sha256"], loaded["name"]))
    loaded_names = set(loaded["name"])

    paths, unmatched = list_health_files(folder, kind)
    report = IngestReport(kind, not_matching=unmatched)
    for path in paths:
        before = path.stat()
        age = now.timestamp() - before.st_mtime
        if age < settle_seconds:
            report.files.append(FileOutcome(
                path.name, "still_arriving",
                message=f"{path.name}: changed {max(age, 0):.0f} s ago, may still be being written; left until it "
                        f"has been unchanged for {settle_seconds:.0f} s"))
            continue
        data = path.read_bytes()
        after = path.stat()
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
            # the provider is still writing it: not logged, so a later run (the sensor's, once settled) loads it whole
            report.files.append(FileOutcome(
                path.name, "still_arriving",
                message=f"{path.name}: still being written (it changed while it was read); left for a later run"))
            continue
        sha = sha256_of(data)
        if (path.name, sha) in seen:
            report.files.append(FileOutcome(path.name, "already_seen"))
            continue
        # Two empty (header-only) deliveries are byte-identical but are not a re-delivery of the same data.
        header_only = len(data.strip().splitlines()) <= 1
        if sha in loaded_by_sha and not header_only:
            parsed = ParsedFile(path.name, kind, sha, (parse_file_name(path.name) or (kind, None))[1])
            message = f"{path.name}: same content as {loaded_by_sha[sha]} (already loaded); nothing added"
            _write_log_only(warehouse, _log_frame(parsed, "duplicate", message, 0, load_id, at))
            report.files.append(FileOutcome(path.name, "duplicate", message=message))
            seen.add((path.name, sha))
            continue
        parsed = parse_health_file(path.name, data, kind)
        if parsed.error is None and path.name in loaded_names:
            parsed.error = (
                f"{path.name}: a different file with this name was already loaded; "
                "deliver the corrected file under a new name"
            )
        outcome = FileOutcome(
            path.name,
            "rejected" if parsed.error else "loaded",
            extra_columns=parsed.extra_columns,
            unparsed_dates=parsed.unparsed_dates,
            encoding=parsed.encoding,
            date_format=parsed.date_format,
        )
        if parsed.error:
            outcome.message = parsed.error
            _write_log_only(warehouse, _log_frame(parsed, "rejected", parsed.error, 0, load_id, at))
        else:
            outcome.rows = parsed.rows
            outcome.message = (
                f"{parsed.unparsed_dates} date value(s) did not parse as {parsed.date_format}; kept as text"
                if parsed.unparsed_dates
                else ""
            )
            frame = raw_frame(parsed, load_id=load_id, extracted_at=at)
            with warehouse.begin() as conn:  # the file's rows and its log row commit together, or not at all
                warehouse.append_frame(conn, frame, RAW_SCHEMA, spec.table)
                warehouse.append_frame(
                    conn,
                    _log_frame(parsed, "loaded", outcome.message, parsed.rows, load_id, at),
                    RAW_SCHEMA,
                    FILE_LOG_TABLE,
                )
            loaded_by_sha[sha] = path.name
            loaded_names.add(path.name)
        seen.add((path.name, sha))
        report.files.append(outcome)
    return report


def _write_log_only(warehouse: Warehouse, frame: pd.DataFrame) -> None:
    with warehouse.begin() as conn:
        warehouse.append_frame(conn, frame, RAW_SCHEMA, FILE_LOG_TABLE)
