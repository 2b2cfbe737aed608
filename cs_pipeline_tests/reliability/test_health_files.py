"""Reliability: the health provider's CSV drops, from the file landing in the health folder to staging.

One delivery folder holds a file per case (each with its own record ids, so cases never meet in staging, where the
latest version of a record_id wins). The morning goes as it would in production: the health-drop sensor looks at the
folder while one file is still being uploaded, a run loads and validates what is there (the real loader and the
real quarantine assets in Dagster), the sensor asks for a second run once the upload has settled, and dbt builds
the health staging models. Each case then reads back its own file's rows from raw, quarantine and staging and
records what it saw in the reliability ledger.

Rows in are counted from the bytes written (never from the pipeline); staged rows are the staging rows whose
``source_file`` is the case's file; quarantined rows are the distinct ``_row_key``s of that file in quarantine.
"""
from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest

from cs_pipeline.defs.automation import SETTLE_SECONDS, health_drop_sensor
from cs_pipeline.defs.quality.assets import quarantine_assets
from cs_pipeline.defs.sources.health import health_assets
from cs_pipeline.lib.health_files import HEALTH_KINDS
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.marts.warehouse_fixture import run_dbt
from cs_pipeline_tests.reliability.outcomes import LOADED, QUARANTINED, REJECTED, CaseResult, record
from cs_pipeline_tests.sources.conftest import AS_AT, pipeline_settings
from cs_pipeline_tests.sources.test_health_assets import DENTAL, IMM, LAC, csv_text, lac_row, person

AREA = "health files"
USUAL_ROWS = 300  # a month's delivery of one kind for a small council
HEALTH_TABLES = {kind.table for kind in HEALTH_KINDS.values()}
STAGING = {kind.table: f"stg_health__{kind.name}" for kind in HEALTH_KINDS.values()}


def dental(record_id: str, check_date: str = "2026-01-10", **values) -> dict[str, str]:
    return person(record_id) | {"check_date": check_date} | values


# Two uploads not finished when the sensor first looks: one has just started (and pauses at a row boundary, where
# the half already there would parse as a whole file); one stalled over an hour ago and resumes while it is read.
ARRIVING = "dental_checks_20260120.csv"
ARRIVING_ROWS = [dental(f"W{i}") for i in range(80)]
STALLED = "dental_checks_20260121.csv"
STALLED_ROWS = [dental(f"V{i}") for i in range(60)]
SENSOR_TAGS = {"dagster/sensor_name": health_drop_sensor.name}  # what the daemon puts on the runs it launches
BIG = "lac_health_assessments_20260201.csv"
BIG_BAD = range(0, 3000, 100)  # 30 rows with an impossible request date
SAME = "dental_checks_20260110.csv"
SAME_COPY = "dental_checks_20260110 (1).csv"  # the provider sent it again under another name


def case_files() -> dict[str, bytes]:
    """Every case's file: name -> bytes as the provider delivered them."""
    files: dict[str, bytes] = {}
    files["dental_checks_20260101.csv"] = csv_text(DENTAL, [dental(f"U{i}") for i in range(USUAL_ROWS)]).encode()
    files["lac_health_assessments_20260101.csv"] = csv_text(
        LAC, [lac_row(f"LU{i}") for i in range(USUAL_ROWS)]).encode()
    big = [lac_row(f"L{i}") for i in range(10 * USUAL_ROWS)]
    for i in BIG_BAD:
        big[i]["request_received_date"] = "2026-02-30"
    files[BIG] = csv_text(LAC, big).encode()
    files["dental_checks_20260102.csv"] = b""  # empty
    files["dental_checks_20260103.csv"] = (",".join(DENTAL) + "\r\n").encode()  # header only
    whole = csv_text(DENTAL, [dental(f"T{i}") for i in range(5)])
    files["dental_checks_20260104.csv"] = whole[: whole.rindex("2026-01-10")].encode()  # cut off in the last row
    files["dental_checks_20260105.csv"] = csv_text(DENTAL, [dental(f"S{i}") for i in range(3)]).replace(
        ",", ";").encode()  # semicolons, as a European-locale Excel saves "CSV"
    accented = [person("A1", "Zoë") | {"family_name": "Müller"}, person("A2", "Siân") | {"family_name": "Ó Briain"},
                person("A3", "Renée") | {"family_name": "Núñez"}, person("A4", "Chloé") | {"family_name": "Dupré"}]
    files["immunisations_20260106.csv"] = csv_text(
        IMM, [p | {"date_of_birth": "01/03/2015", "status_date": "15/01/2026", "up_to_date": "Y"}
              for p in accented]).encode("cp1252")
    files["dental_checks_20260107.csv"] = codecs.BOM_UTF8 + csv_text(
        DENTAL, [dental("B1", given_name="Siân"), dental("B2")]).encode()
    files["dental_checks_20260108.csv"] = csv_text(
        DENTAL, [dental("X1", given_name="Zoë"), dental("X2")]).encode("utf-16")  # Excel's "Unicode text": a BOM
    files["dental_checks_20260108b.csv"] = csv_text(
        DENTAL, [dental("Y1", given_name="Zoë"), dental("Y2")]).encode("utf-16-le")  # no BOM
    files["dental_checks_20260109.csv"] = csv_text(  # ISO, but one check date and one birth date day-first
        DENTAL, [dental("M1"), dental("M2"), dental("M3", check_date="05/01/2026"), dental("M4"),
                 dental("M5") | {"date_of_birth": "01/03/2015"}]).encode()
    files[SAME] = csv_text(DENTAL, [dental(f"R{i}") for i in range(5)]).encode()
    files[SAME_COPY] = files[SAME]
    files["dental_checks_20260111.csv"] = csv_text(  # day-first file with impossible dates
        DENTAL, [dental("F1", "10/01/2026") | {"date_of_birth": "01/03/2015"},
                 dental("F2", "31/02/2026") | {"date_of_birth": "01/03/2015"},
                 dental("F3", "11/01/2026") | {"date_of_birth": "30/02/2015"}]).encode()
    future = [lac_row("FU1"), lac_row("FU2", "COMPLETED", "2026-12-01"), lac_row("FU3")]
    future[0]["appointment_date"] = "2026-10-14"  # booked for after the as-at date: a real appointment
    future[2]["date_of_birth"] = "2027-01-01"
    files["lac_health_assessments_20260112.csv"] = csv_text(LAC, future).encode()
    files["dental_checks_20260113.csv"] = csv_text(
        DENTAL, [dental("D1", "2026-01-10"), dental("D2"), dental("D1", "2026-01-11")]).encode()
    files["dental_checks_20260114.csv"] = csv_text(
        [c for c in DENTAL if c != "check_date"], [dental("N1"), dental("N2")]).encode()
    files["dental_checks_20260115.csv"] = csv_text(
        [*DENTAL, "clinic_ref"], [dental("E1", clinic_ref="C7"), dental("E2", clinic_ref="")]).encode()
    return files


def data_lines(data: bytes, encoding: str = "utf-8-sig") -> int:
    """Rows in, counted from the bytes: non-blank lines after the header (a cut-off last line counts)."""
    lines = [line for line in data.decode(encoding).splitlines() if line.strip()]
    return max(len(lines) - 1, 0)


@dataclass
class Morning:
    """What the delivery folder, the sensor, the runs and dbt left behind."""
    wh: Warehouse
    folder: Path
    files: dict[str, bytes]
    ticks: list = field(default_factory=list)  # (sensor result, cursor) in order
    cursor_before_upload_ended: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)  # dg.ExecuteInProcessResult of each run
    logs: list[list[str]] = field(default_factory=list)  # each run's log lines (what the console and UI show)
    dbt_output: str = ""

    def log_row(self, name: str) -> dict:
        frame = self.wh.query_frame("SELECT status, message, rows, encoding, date_format, extra_columns "
                                    "FROM raw.health_file_log WHERE name = :n", n=name)
        assert len(frame) == 1, f"{name}: {len(frame)} file log rows"
        return frame.iloc[0].to_dict()

    def count(self, sql: str, **params) -> int:
        return int(self.wh.query_frame(sql, **params).iloc[0, 0])

    def raw_rows(self, table: str, name: str) -> int:
        return self.count(f"SELECT count(*) FROM raw.{table} WHERE _file = :f", f=name)

    def staged(self, table: str, name: str) -> int:
        return self.count(f"SELECT count(*) FROM staging.{STAGING[table]} WHERE source_file = :f", f=name)

    def quarantined(self, table: str, name: str) -> int:
        return self.count(f"SELECT count(DISTINCT _row_key) FROM quarantine.{table} WHERE _file = :f", f=name)

    def reasons(self, table: str, name: str) -> list[str]:
        frame = self.wh.query_frame(f"SELECT message FROM quarantine.{table} WHERE _file = :f "
                                    "ORDER BY _row_key, rule_id, message", f=name)
        return frame["message"].tolist()

    def log_lines(self, text: str) -> list[str]:
        return [line for lines in self.logs for line in lines if text in line]


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _tick(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    return health_drop_sensor(context), context.cursor


def _run(morning: Morning, settings, request: dg.RunRequest) -> None:
    """The run the sensor asked for: the health extracts and their validation (the job goes on to linkage and the
    health measures, which these cases do not need)."""
    instance = dg.DagsterInstance.ephemeral()
    selected = [a for a in quarantine_assets if a.key.path[-1] in HEALTH_TABLES]
    result = dg.materialize([*health_assets, *selected], resources={"pipeline": settings}, instance=instance,
                            tags={**request.tags, **SENSOR_TAGS}, raise_on_error=False)
    assert result.success, [e.message for e in result.get_step_failure_events()]
    morning.runs.append(result)
    morning.logs.append([e.user_message for e in instance.all_logs(result.run_id) if e.user_message])


def _halves(rows: list[dict]) -> tuple[str, str]:
    """A file's text cut at a row boundary: the first half with the header, then the rest of its rows."""
    half = len(rows) // 2
    return csv_text(DENTAL, rows[:half]), csv_text(DENTAL, rows[half:]).split("\r\n", 1)[1]


@pytest.fixture(scope="module")
def morning(tmp_path_factory) -> Morning:
    root = tmp_path_factory.mktemp("health_reliability")
    folder = root / "health"
    folder.mkdir()
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    settings = pipeline_settings("sqlite://", url, folder, root / "output")
    files = case_files()
    for name, data in files.items():
        (folder / name).write_bytes(data)
        _age(folder / name, 3600)  # delivered an hour ago
    arriving, stalled = folder / ARRIVING, folder / STALLED
    (arriving_start, arriving_rest), (stalled_start, stalled_rest) = _halves(ARRIVING_ROWS), _halves(STALLED_ROWS)
    arriving.write_text(arriving_start)  # the upload has just started
    stalled.write_text(stalled_start)
    _age(stalled, 3600)
    files[ARRIVING], files[STALLED] = (arriving_start + arriving_rest).encode(), (stalled_start + stalled_rest).encode()
    m = Morning(Warehouse(url), folder, files)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CS_PIPELINE_HEALTH_DIR", str(folder))
        m.ticks.append(_tick(None))  # every file but the one just started has settled
        m.cursor_before_upload_ended = json.loads(m.ticks[-1][1])

        # The stalled upload resumes while the loader reads it: the provider appends the rest during the read.
        read_bytes = Path.read_bytes

        def read_during_upload(path: Path) -> bytes:
            data = read_bytes(path)
            if path == stalled and data == stalled_start.encode():
                with stalled.open("a", newline="") as f:
                    f.write(stalled_rest)
            return data

        mp.setattr(Path, "read_bytes", read_during_upload)
        _run(m, settings, m.ticks[-1][0])
        mp.setattr(Path, "read_bytes", read_bytes)
        with arriving.open("a", newline="") as f:  # the other upload finishes after the run
            f.write(arriving_rest)

        m.ticks.append(_tick(m.ticks[-1][1]))  # both just written: not settled yet
        _age(arriving, SETTLE_SECONDS + 5)
        _age(stalled, SETTLE_SECONDS + 5)
        m.ticks.append(_tick(m.ticks[-1][1]))  # settled: two new or changed files
        _run(m, settings, m.ticks[-1][0])
        m.ticks.append(_tick(m.ticks[-1][1]))  # nothing new

    result = run_dbt(url, dt.date.fromisoformat(AS_AT), "build", "--select", *STAGING.values(),
                     work="reliability_health_files")
    m.dbt_output = result.stdout
    assert result.returncode == 0, result.stdout[-4000:]
    return m


def observe(m: Morning, table: str, name: str) -> str:
    if m.log_row(name)["status"] == "rejected":
        return REJECTED
    return QUARANTINED if m.quarantined(table, name) else LOADED


def record_file(m: Morning, case: str, expected: str, table: str, name: str, message: str,
                rows_in: int | None = None, counted_as: str | None = None) -> CaseResult:
    """Record a case whose rows all come from one file (``counted_as``: the file its rows are loaded under)."""
    loaded_as = counted_as or name
    return record(CaseResult(
        AREA, case, expected, observe(m, table, loaded_as),
        rows_in=data_lines(m.files[name]) if rows_in is None else rows_in,
        staged=m.staged(table, loaded_as), quarantined=m.quarantined(table, loaded_as), message=message))


def loaded_line(m: Morning, name: str, status: str = "loaded") -> str:
    """The one line the runs printed for a file that loaded (or was a duplicate)."""
    lines = m.log_lines(f"{status} {name}:")
    assert len(lines) == 1, lines
    return lines[0]


def rejection_message(m: Morning, name: str) -> str:
    """The line the run printed for a rejected file, which is also the file log's message."""
    message = m.log_row(name)["message"]
    assert m.log_lines(f"rejected {message}") == [f"rejected {message}"]
    return message


# -- the cases ------------------------------------------------------------------------------------------------
def test_the_validation_of_every_health_table_is_structurally_sound(morning):
    """Row failures only: no table is held back from staging by a structural check (so every case reaches dbt)."""
    evaluations = [e for run in morning.runs for e in run.get_asset_check_evaluations()
                   if e.asset_key.path[0] == "quarantine"]
    structural = {(e.asset_key.path[-1], e.check_name): e.passed for e in evaluations
                  if e.check_name in ("structure_valid", "rows_conserved", "quarantine_share")}
    assert len(structural) == 9 and all(structural.values()), structural


def test_a_usual_delivery_loads_every_row(morning):
    name = "dental_checks_20260101.csv"
    message = loaded_line(morning, name)
    assert message == f"loaded {name}: {USUAL_ROWS} rows"
    record_file(morning, f"usual delivery ({USUAL_ROWS} rows)", LOADED, "health_dental_checks", name, message)


def test_an_empty_file_is_rejected_naming_it(morning):
    name = "dental_checks_20260102.csv"
    message = rejection_message(morning, name)
    assert message == f"{name}: empty file (no header row)"
    record_file(morning, "empty file (0 bytes)", REJECTED, "health_dental_checks", name, message)


def test_a_header_only_file_loads_no_rows_and_is_not_an_error(morning):
    name = "dental_checks_20260103.csv"
    log = morning.log_row(name)
    assert (log["status"], log["rows"]) == ("loaded", 0)
    message = loaded_line(morning, name)
    assert message == f"loaded {name}: 0 rows"
    record_file(morning, "header only", LOADED, "health_dental_checks", name, message)


def test_a_file_cut_off_mid_row_is_rejected_naming_the_row(morning):
    name = "dental_checks_20260104.csv"
    message = rejection_message(morning, name)
    # cut inside the last field, so the row still has eight fields: only the missing line break gives it away
    assert message == (f"{name}: truncated at data row 5 (line 6): the last row has no line ending, so the file "
                       "looks cut off; deliver it again")
    assert morning.raw_rows("health_dental_checks", name) == 0  # not the four complete rows either
    record_file(morning, "truncated mid-row", REJECTED, "health_dental_checks", name, message)


def test_a_semicolon_separated_file_is_rejected_as_not_comma_separated(morning):
    name = "dental_checks_20260105.csv"
    message = rejection_message(morning, name)
    assert message == (f"{name}: not comma-separated: its header is split by semicolons (';'); the provider's "
                       "extracts are comma-separated CSV")
    record_file(morning, "wrong delimiter (;)", REJECTED, "health_dental_checks", name, message)


def test_windows_1252_accents_are_decoded_not_mojibake(morning):
    name = "immunisations_20260106.csv"
    names = morning.wh.query_frame("SELECT record_id, given_name, family_name FROM staging.stg_health__immunisations "
                                   "WHERE source_file = :f ORDER BY record_id", f=name)
    assert names.values.tolist() == [["A1", "Zoë", "Müller"], ["A2", "Siân", "Ó Briain"],
                                     ["A3", "Renée", "Núñez"], ["A4", "Chloé", "Dupré"]]
    log = morning.log_row(name)
    assert (log["encoding"], log["date_format"]) == ("cp1252", "DD/MM/YYYY")
    dates = morning.wh.query_frame("SELECT DISTINCT status_date FROM staging.stg_health__immunisations "
                                   "WHERE source_file = :f", f=name)["status_date"].tolist()
    assert [str(d)[:10] for d in dates] == ["2026-01-15"]
    record_file(morning, "Windows-1252 with accents", LOADED, "health_immunisations", name,
                loaded_line(morning, name), rows_in=data_lines(morning.files[name], "cp1252"))


def test_a_utf8_bom_is_not_part_of_the_first_column_name(morning):
    name = "dental_checks_20260107.csv"
    assert morning.log_row(name)["encoding"] == "utf-8-sig"
    given = morning.wh.query_frame("SELECT record_id, given_name FROM staging.stg_health__dental_checks "
                                   "WHERE source_file = :f ORDER BY record_id", f=name)
    assert given.values.tolist() == [["B1", "Siân"], ["B2", "Ada"]]  # record_id found despite the BOM before it
    record_file(morning, "UTF-8 with BOM", LOADED, "health_dental_checks", name, loaded_line(morning, name))


@pytest.mark.parametrize("name,encoding,case", [
    ("dental_checks_20260108.csv", "utf-16", "UTF-16 (with BOM)"),
    ("dental_checks_20260108b.csv", "utf-16-le", "UTF-16 without BOM"),
])
def test_utf16_files_load_decoded(morning, name, encoding, case):
    assert morning.log_row(name)["encoding"] == encoding
    given = morning.wh.query_frame("SELECT given_name FROM staging.stg_health__dental_checks WHERE source_file = :f "
                                   "ORDER BY record_id", f=name)["given_name"].tolist()
    assert given == ["Zoë", "Ada"]
    record_file(morning, case, LOADED, "health_dental_checks", name, loaded_line(morning, name),
                rows_in=data_lines(morning.files[name], encoding))


def test_a_file_mixing_date_formats_quarantines_the_minority_rows(morning):
    name = "dental_checks_20260109.csv"
    log = morning.log_row(name)
    assert log["date_format"] == "YYYY-MM-DD"
    assert log["message"] == "2 date value(s) did not parse as YYYY-MM-DD; kept as text"
    reasons = morning.reasons("health_dental_checks", name)
    # never read as 1 May or 5 January: a day-first value in an ISO file is a data error, reported by row
    assert reasons == [
        f"raw.health_dental_checks row {name}#3 (record_id M3): check_date '05/01/2026' is not a date "
        "(rule date_parseable)",
        f"raw.health_dental_checks row {name}#5 (record_id M5): date_of_birth is not a date (rule date_parseable)",
    ]
    record_file(morning, "mixed date formats in one file", QUARANTINED, "health_dental_checks", name,
                "; ".join(reasons))


def test_impossible_dates_are_quarantined_naming_the_column_and_rule(morning):
    name = "dental_checks_20260111.csv"
    assert morning.log_row(name)["date_format"] == "DD/MM/YYYY"
    reasons = morning.reasons("health_dental_checks", name)
    assert reasons == [  # the birth date's value is never shown (privacy)
        f"raw.health_dental_checks row {name}#2 (record_id F2): check_date '31/02/2026' is not a date "
        "(rule date_parseable)",
        f"raw.health_dental_checks row {name}#3 (record_id F3): date_of_birth is not a date (rule date_parseable)",
    ]
    staged = morning.wh.query_frame("SELECT record_id, check_date FROM staging.stg_health__dental_checks "
                                    "WHERE source_file = :f", f=name)
    assert [(r, str(d)[:10]) for r, d in staged.values] == [("F1", "2026-01-10")]  # day-first read as such
    record_file(morning, "impossible dates (31/02)", QUARANTINED, "health_dental_checks", name, "; ".join(reasons))


def test_future_events_are_quarantined_but_a_future_appointment_is_kept(morning):
    name = "lac_health_assessments_20260112.csv"
    reasons = morning.reasons("health_lac_health_assessments", name)
    assert reasons == [
        f"raw.health_lac_health_assessments row {name}#2 (record_id FU2): assessment_date '2026-12-01' is after "
        f"the as-at date {AS_AT} (rule date_not_after_as_at)",
        f"raw.health_lac_health_assessments row {name}#3 (record_id FU3): date_of_birth is after the as-at date "
        f"{AS_AT} (rule date_not_after_as_at)",
        f"raw.health_lac_health_assessments row {name}#3 (record_id FU3): appointment_date '2025-01-20' is before "
        "the child's date of birth (rule date_not_before_birth)",
        f"raw.health_lac_health_assessments row {name}#3 (record_id FU3): request_received_date '2025-01-06' is "
        "before the child's date of birth (rule date_not_before_birth)",
    ]
    kept = morning.wh.query_frame("SELECT record_id, appointment_date FROM staging.stg_health__lac_health_assessments "
                                  "WHERE source_file = :f", f=name)
    assert [(r, str(d)[:10]) for r, d in kept.values] == [("FU1", "2026-10-14")]  # booked ahead: a real appointment
    record_file(morning, "future dates", QUARANTINED, "health_lac_health_assessments", name, "; ".join(reasons))


def test_a_record_id_twice_in_one_file_keeps_the_first_and_quarantines_the_other(morning):
    name = "dental_checks_20260113.csv"
    reasons = morning.reasons("health_dental_checks", name)
    assert reasons == [f"raw.health_dental_checks row {name}#3 (record_id D1): record_id 'D1' is also on row "
                       f"{name}#1, which is kept (rule key_unique)"]
    staged = morning.wh.query_frame("SELECT record_id, check_date FROM staging.stg_health__dental_checks "
                                    "WHERE source_file = :f ORDER BY record_id", f=name)
    assert [(r, str(d)[:10]) for r, d in staged.values] == [("D1", "2026-01-10"), ("D2", "2026-01-10")]
    record_file(morning, "duplicate record_id in one file", QUARANTINED, "health_dental_checks", name, reasons[0])


def test_the_same_file_delivered_twice_adds_nothing(morning):
    assert morning.log_row(SAME)["status"] == "loaded"
    copy = morning.log_row(SAME_COPY)
    assert (copy["status"], copy["rows"]) == ("duplicate", 0)
    assert copy["message"] == f"{SAME_COPY}: same content as {SAME} (already loaded); nothing added"
    assert morning.raw_rows("health_dental_checks", SAME) == 5 and morning.raw_rows("health_dental_checks",
                                                                                     SAME_COPY) == 0
    # the second run met the original again and logged nothing new
    second = morning.runs[1].get_asset_materialization_events()
    dental_meta = next(e.step_materialization_data.materialization.metadata for e in second
                       if e.asset_key.path[-1] == "health_dental_checks")
    assert SAME not in {f["name"] for f in dental_meta["files"].value}
    assert dental_meta["files_already_seen"].value >= 2
    message = loaded_line(morning, SAME_COPY, "duplicate")
    assert message == f"duplicate {SAME_COPY}: 0 rows; {copy['message']}"
    record_file(morning, "same file delivered twice", LOADED, "health_dental_checks", SAME_COPY, message,
                counted_as=SAME)


def test_a_file_missing_a_required_column_is_rejected_naming_the_column(morning):
    name = "dental_checks_20260114.csv"
    message = rejection_message(morning, name)
    assert message == f"{name}: missing required column(s): check_date"
    check = next(e for e in morning.runs[0].get_asset_check_evaluations()
                 if e.asset_key.path[-1] == "health_dental_checks" and e.check_name == "files_accepted")
    assert not check.passed and message in check.description
    record_file(morning, "required column missing", REJECTED, "health_dental_checks", name, message)


def test_an_unknown_extra_column_is_ignored_and_reported(morning):
    name = "dental_checks_20260115.csv"
    assert morning.log_row(name)["extra_columns"] == "clinic_ref"
    assert "clinic_ref" not in morning.wh.columns("raw", "health_dental_checks")
    dental_meta = next(e.step_materialization_data.materialization.metadata
                       for e in morning.runs[0].get_asset_materialization_events()
                       if e.asset_key.path[-1] == "health_dental_checks")
    assert dental_meta["extra_columns_ignored"].value == ["clinic_ref"]
    record_file(morning, "unknown extra column", LOADED, "health_dental_checks", name,
                f"{loaded_line(morning, name)}; extra_columns_ignored: {dental_meta['extra_columns_ignored'].value}")


def test_ten_times_the_usual_size_conserves_rows_and_logs_nothing_per_row(morning):
    rows_in = data_lines(morning.files[BIG])
    assert rows_in == 10 * USUAL_ROWS
    table = "health_lac_health_assessments"
    reasons = morning.reasons(table, BIG)
    assert len(reasons) == len(BIG_BAD) and all(
        "request_received_date '2026-02-30' is not a date (rule date_parseable)" in r for r in reasons)
    # nothing per row: one line for the file, and no row key of it in any log line of either run
    loaded = f"loaded {BIG}: {rows_in} rows; {len(BIG_BAD)} date value(s) did not parse as YYYY-MM-DD; kept as text"
    assert morning.log_lines(BIG) == [loaded]
    assert not morning.log_lines(f"{BIG}#")
    # the first run read 3,000 more rows than the second (80) yet printed at most a line more per file it met
    first, second = (len(lines) for lines in morning.logs)
    assert first - second <= len(morning.files), (first, second)
    assert f"{BIG}#" not in morning.dbt_output
    record_file(morning, f"10x the usual size ({rows_in:,} rows)", QUARANTINED, table, BIG,
                f"{loaded}; {len(reasons)} rows quarantined (rule date_parseable)")


def _files_of_first_run(morning: Morning) -> dict[str, tuple[str, int]]:
    meta = next(e.step_materialization_data.materialization.metadata
                for e in morning.runs[0].get_asset_materialization_events()
                if e.asset_key.path[-1] == "health_dental_checks")
    assert meta["files_still_arriving"].value == 2
    return {f["name"]: (f["status"], f["rows"]) for f in meta["files"].value}


def test_the_sensor_asks_for_a_run_only_for_settled_files(morning):
    (first, _), (second, _), (third, _), (fourth, _) = morning.ticks
    # a run for the settled files, not for the one being uploaded
    assert isinstance(first, dg.RunRequest) and ARRIVING not in morning.cursor_before_upload_ended
    assert first.tags["cs_pipeline/health_files"] == str(len(morning.files) - 1)
    # none while the two uploads are still changing; one for both once they have settled; none after that
    assert isinstance(second, dg.SkipReason) and second.skip_message == "no new or changed health extract"
    assert isinstance(third, dg.RunRequest) and third.tags["cs_pipeline/health_files"] == "2"
    assert isinstance(fourth, dg.SkipReason)


def test_a_paused_upload_is_left_for_the_sensor_not_loaded_half(morning):
    # the sensor's first run (for the other files) met it half written and left it: nothing loaded, nothing logged
    left = [line for line in morning.logs[0] if line.startswith(f"{ARRIVING}: changed ")]
    assert len(left) == 1 and left[0].endswith(
        "may still be being written; left until it has been unchanged for 120 s"), left
    assert _files_of_first_run(morning)[ARRIVING] == ("still_arriving", 0)
    assert morning.count("SELECT count(*) FROM raw.health_file_log WHERE load_id = :r AND name = :n",
                         r=morning.runs[0].run_id, n=ARRIVING) == 0
    log = morning.log_row(ARRIVING)  # the run it asked for once the upload had settled loaded it whole
    assert (log["status"], log["rows"]) == ("loaded", len(ARRIVING_ROWS))
    record_file(morning, "file still being written when the sensor looks", LOADED, "health_dental_checks",
                ARRIVING, f"{left[0]}; then {loaded_line(morning, ARRIVING)}")


def test_a_file_written_to_while_it_is_read_is_left_for_a_later_run(morning):
    left = f"{STALLED}: still being written (it changed while it was read); left for a later run"
    assert left in morning.logs[0]
    assert _files_of_first_run(morning)[STALLED] == ("still_arriving", 0)
    log = morning.log_row(STALLED)
    assert (log["status"], log["rows"]) == ("loaded", len(STALLED_ROWS))
    record_file(morning, "file written to while it is read", LOADED, "health_dental_checks", STALLED,
                f"{left}; then {loaded_line(morning, STALLED)}")
