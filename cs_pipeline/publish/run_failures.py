"""What failed in a failed run, as rows of ``ops.run_failures`` and a report a council's hook receives.

No Dagster here: the run-failure sensor (cs_pipeline/defs/operations.py) reads the run's event log into plain
:class:`RunEvent` s; this module turns them into a :class:`RunFailureReport`, writes its rows and calls the hook.

A failure is, in the run:
- a failed step (``STEP_FAILURE``): one row per asset the step was to build and did not (one row without an asset
  when it built none), with the error's class and message;
- a failed ERROR asset check (``ASSET_CHECK_EVALUATION``, passed false, severity ERROR): one row naming the asset
  and the check, with the check's description and its numeric metadata (counts);
- the run's own failure (``RUN_FAILURE``) when neither says why (a crashed or cancelled run): one row.

Messages never carry a password (every URL masked as :func:`cs_pipeline.config.redact_url` masks it), nor a value
from the data: no stack traces, no text or JSON metadata (samples of record ids live there), values quoted in
conversion errors masked, and cut to :data:`MAX_MESSAGE` characters.

The hook, ``CS_PIPELINE_FAILURE_HOOK=package.module:function``, is called with the :class:`RunFailureReport` after
the rows are written (docs/operating.md has an e-mail and a Teams example). A hook that raises is reported, never
retried: the rows are written whatever it does.
"""
from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.config import redact_text
from cs_pipeline.lib.warehouse import Warehouse, quote_ident

SCHEMA = "ops"
TABLE = "run_failures"
COLUMN_TYPES: dict[str, str] = {
    "run_id": "TEXT",
    "job_name": "TEXT",
    "failed_at": "TIMESTAMP",  # UTC
    "asset_key": "TEXT",  # raw/ssd_person (None: the step or run built no asset)
    "check_name": "TEXT",  # set on a failed ERROR check's row
    "step_key": "TEXT",
    "error_class": "TEXT",  # the exception's class on a failed step's row
    "message": "TEXT",
}
MAX_MESSAGE = 1000
HOOK_ENV = "CS_PIPELINE_FAILURE_HOOK"

# the event types read from the run's event log (Dagster's names)
STEP_FAILURE = "STEP_FAILURE"
ASSET_CHECK_EVALUATION = "ASSET_CHECK_EVALUATION"
ASSET_MATERIALIZATION_PLANNED = "ASSET_MATERIALIZATION_PLANNED"
ASSET_MATERIALIZATION = "ASSET_MATERIALIZATION"
RUN_FAILURE = "RUN_FAILURE"

# a value a database quotes back in a conversion error ("Could not convert string 'x' to DATE", "invalid input
# syntax for type date: "x"", "... value 'x' ...") may be a name or an NHS number
_QUOTED_VALUE = re.compile(
    r"(?i)((?:string|value|input syntax for type \w+:?|for input|literal)\s*)('[^']*'|\"[^\"]*\")"
)
_LONG_NUMBER = re.compile(r"(?<![\w-])\d{10,}(?![\w-])")  # NHS numbers, UPN digits


@dataclass(frozen=True)
class RunEvent:
    """One event of a run's log, as much of it as reporting needs (plain values, no Dagster types)."""

    event_type: str  # one of the names above
    timestamp: float  # seconds since the epoch
    step_key: str | None = None
    asset_key: str | None = None  # "raw/ssd_person"
    check_name: str | None = None
    passed: bool | None = None  # a check evaluation's result
    severity: str | None = None  # "ERROR" or "WARN"
    error_class: str | None = None  # a step failure's innermost user error ("ValueError", "DbtCliInvocationError")
    message: str = ""  # the error's message, the check's description, the run failure's message
    numbers: dict[str, float] = field(default_factory=dict)  # a check's numeric metadata (counts, shares)


@dataclass(frozen=True)
class RunFailure:
    """One row of ops.run_failures."""

    run_id: str
    job_name: str
    failed_at: dt.datetime  # UTC, naive
    asset_key: str | None
    check_name: str | None
    step_key: str | None
    error_class: str | None
    message: str

    @property
    def what(self) -> str:
        """``asset:check``, ``asset``, or the step (the run) when no asset is named."""
        if self.asset_key and self.check_name:
            return f"{self.asset_key}:{self.check_name}"
        return self.asset_key or (f"step {self.step_key}" if self.step_key else "the run")


@dataclass(frozen=True)
class RunFailureReport:
    """What a council's failure hook receives: the failed run, its failures, and what it did not build."""

    run_id: str
    job_name: str
    failed_at: dt.datetime  # UTC, naive: when the run failed
    failures: tuple[RunFailure, ...]
    not_materialised: tuple[str, ...] = ()  # every asset the run was to build and did not (failed or never run)

    @property
    def failed_steps(self) -> list[str]:
        return sorted({f.step_key for f in self.failures if f.step_key and not f.check_name})

    @property
    def failed_assets(self) -> list[str]:
        """Assets a failed step did not build."""
        return sorted({f.asset_key for f in self.failures if f.asset_key and not f.check_name})

    @property
    def failed_checks(self) -> list[str]:
        """Failed ERROR checks, as ``asset:check``."""
        return sorted({f.what for f in self.failures if f.check_name})

    def summary(self, limit: int = 5) -> str:
        """One line naming the failing assets and checks (the first ``limit`` of each)."""

        def listed(items: list[str]) -> str:
            more = f" and {len(items) - limit} more" if len(items) > limit else ""
            return ", ".join(items[:limit]) + more

        parts = []
        step_rows = [f for f in self.failures if not f.check_name]
        if self.failed_assets:
            errors = sorted({f.error_class for f in step_rows if f.error_class})
            parts.append(f"failed asset(s) {listed(self.failed_assets)}"
                         + (f" ({', '.join(errors)})" if errors else ""))
        elif step_rows:
            parts.append(f"failed {listed(sorted({f.what for f in step_rows}))}: {step_rows[0].message[:200]}")
        if self.failed_checks:
            parts.append(f"failed ERROR check(s) {listed(self.failed_checks)}")
        others = len(set(self.not_materialised) - set(self.failed_assets))
        if others:
            parts.append(f"{others} other asset(s) not built")
        return f"run {self.run_id} of {self.job_name} failed: " + ("; ".join(parts) or "no reason recorded")

    def lines(self) -> list[str]:
        """The report as lines of text (an e-mail's body): the summary, then one line per failure."""
        out = [self.summary(), f"failed at {self.failed_at:%Y-%m-%d %H:%M:%S} UTC"]
        for f in self.failures:
            detail = f"{f.error_class}: {f.message}" if f.error_class else f.message
            out.append(f"- {f.what}" + (f" [{f.step_key}]" if f.step_key and f.asset_key else "") + f": {detail}")
        return out


def safe_message(text: str | None, limit: int = MAX_MESSAGE) -> str:
    """A message fit for ops.run_failures and a hook: passwords and quoted values masked, whitespace collapsed, cut
    to ``limit`` characters (masked first, so a cut never leaves half a password)."""
    text = redact_text(text or "")
    text = _QUOTED_VALUE.sub(r"\1'***'", text)
    text = _LONG_NUMBER.sub("***", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)


def _check_message(event: RunEvent) -> str:
    numbers = ", ".join(f"{k}={v:g}" for k, v in sorted(event.numbers.items()))
    text = event.message or f"{event.check_name} failed"
    return f"{text} ({numbers})" if numbers else text


def build_report(run_id: str, job_name: str, events: Iterable[RunEvent]) -> RunFailureReport:
    """The report of a failed run from its events (in log order)."""
    events = list(events)
    planned: dict[str, list[str]] = {}  # step -> assets it was to build, in order
    for e in events:
        if e.event_type == ASSET_MATERIALIZATION_PLANNED and e.asset_key:
            planned.setdefault(e.step_key or "", []).append(e.asset_key)
    built = {e.asset_key for e in events if e.event_type == ASSET_MATERIALIZATION and e.asset_key}
    run_failure = next((e for e in reversed(events) if e.event_type == RUN_FAILURE), None)
    failed_at = _utc(run_failure.timestamp if run_failure else max((e.timestamp for e in events), default=0.0))

    def row(e: RunEvent, asset_key: str | None, message: str, check_name: str | None = None) -> RunFailure:
        return RunFailure(run_id=run_id, job_name=job_name, failed_at=_utc(e.timestamp), asset_key=asset_key,
                          check_name=check_name, step_key=e.step_key, error_class=e.error_class,
                          message=safe_message(message))

    failures: list[RunFailure] = []
    for e in events:
        if e.event_type == STEP_FAILURE:
            missing = [a for a in dict.fromkeys(planned.get(e.step_key or "", [])) if a not in built]
            for asset_key in missing or [None]:
                failures.append(row(e, asset_key, e.message))
        elif e.event_type == ASSET_CHECK_EVALUATION and e.passed is False and (e.severity or "").upper() == "ERROR":
            failures.append(row(e, e.asset_key, _check_message(e), check_name=e.check_name))
    if not failures and run_failure is not None:
        failures.append(row(run_failure, None, run_failure.message or "the run failed"))
    not_built = sorted({a for assets in planned.values() for a in assets} - built)
    return RunFailureReport(run_id=run_id, job_name=job_name, failed_at=failed_at, failures=tuple(failures),
                            not_materialised=tuple(not_built))


def failures_frame(report: RunFailureReport) -> pd.DataFrame:
    rows = [{c: getattr(f, c) for c in COLUMN_TYPES} for f in report.failures]
    frame = pd.DataFrame(rows, columns=list(COLUMN_TYPES))
    frame["failed_at"] = pd.to_datetime(frame["failed_at"])
    return frame


def write_failures(warehouse: Warehouse, report: RunFailureReport) -> int:
    """Replace the run's rows in ops.run_failures (created when missing) in one transaction: reporting a run twice
    leaves one set of rows. Returns rows written."""
    target = f"{quote_ident(SCHEMA)}.{quote_ident(TABLE)}"
    with warehouse.begin() as conn:
        warehouse.create_table(conn, SCHEMA, TABLE, COLUMN_TYPES)
        conn.execute(sa.text(f"DELETE FROM {target} WHERE run_id = :run_id"), {"run_id": report.run_id})
        warehouse.append_frame(conn, failures_frame(report), SCHEMA, TABLE)
    return len(report.failures)


def load_hook(spec: str) -> Callable[[RunFailureReport], object]:
    """``package.module:function`` -> the function (a ValueError names CS_PIPELINE_FAILURE_HOOK when it is not one)."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"{HOOK_ENV} must name a function as module:function, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"{HOOK_ENV}={spec}: cannot import {module_name}: {exc}") from exc
    hook = getattr(module, function_name, None)
    if not callable(hook):
        raise ValueError(f"{HOOK_ENV}={spec}: {module_name} has no function {function_name}")
    return hook


@dataclass
class ReportOutcome:
    """What reporting a failed run did (the sensor logs it)."""

    rows_written: int = 0
    write_error: str | None = None
    hook: str = ""
    hook_called: bool = False
    hook_error: str | None = None


def report_run_failure(report: RunFailureReport, warehouse: Warehouse | None, hook_spec: str = "") -> ReportOutcome:
    """Write the report's rows, then call the hook with it. A failure of either is caught and named in the
    outcome (passwords masked), so one never stops the other."""
    outcome = ReportOutcome(hook=hook_spec)
    if warehouse is not None:
        try:
            outcome.rows_written = write_failures(warehouse, report)
        except Exception as exc:  # e.g. a DuckDB file another run holds: the hook still hears of the failure
            outcome.write_error = safe_message(f"{type(exc).__name__}: {exc}")
    if hook_spec:
        try:
            load_hook(hook_spec)(report)
            outcome.hook_called = True
        except Exception as exc:
            outcome.hook_error = safe_message(f"{type(exc).__name__}: {exc}")
    return outcome
