"""Running councils' pipelines from a regional hub: each in a process of its own, with its own environment.

A council's process gets the hub's environment without any CS_PIPELINE_* variable and without any variable the
councils file refers to, plus that council's settings (references resolved) and its own DAGSTER_HOME. So the
same code (``cs_pipeline.definitions``) runs for every council, each run writes only that council's warehouse,
output folder and Dagster instance, and one council's crash, timeout or bad setting leaves the others alone.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.hub.councils import Council, Hub, MissingReference

# A council's own instance: one run at a time (its DuckDB takes one writer), no telemetry.
COUNCIL_INSTANCE_CONFIG = """# written by cs_pipeline.hub for one council's runs
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
"""


@dataclass
class CouncilRun:
    """What one council's run did: counts, names of failed steps and checks, ids; never a child's data."""

    la_code: str
    name: str
    success: bool
    wall_s: float = 0.0
    returncode: int | None = None
    run_id: str = ""
    failed_steps: list[str] = field(default_factory=list)
    error_checks: list[str] = field(default_factory=list)
    warn_checks: int = 0
    shared_tables: int = 0
    shared_rows: int = 0
    message: str = ""
    log_path: str = ""

    def line(self) -> str:
        state = "ok" if self.success else "FAILED"
        text = (f"council {self.la_code} ({self.name}): {state} in {self.wall_s:.1f} s; regional copy "
                f"{self.shared_tables} tables, {self.shared_rows} rows")
        if self.error_checks:
            text += f"; {len(self.error_checks)} ERROR checks"
        if self.message:
            text += f"; {self.message}"
        return text

    def as_dict(self) -> dict:
        return asdict(self)


def ensure_council_instance(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():  # a council's own settings, if it has some, are kept
        config.write_text(COUNCIL_INSTANCE_CONFIG)
    return home


def _kill_tree(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: dbt's subprocess goes too
    except ProcessLookupError:
        pass


def _last_error_line(log_path: Path) -> str:
    """The last line of a log that looks like an error (an import-time configuration error, say), with passwords,
    quoted values and long numbers masked as ops.run_failures masks them."""
    from cs_pipeline.publish.run_failures import safe_message

    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return safe_message(line, limit=300)
    return ""


def run_council(hub: Hub, council: Council, *, as_at: str | None = None, timeout_s: float | None = None,
                env: Mapping[str, str] | None = None, on_start: Callable[[int], None] | None = None) -> CouncilRun:
    """Run every asset of one council in its own process and wait for it. Never raises for the council's own
    failure (a missing ${NAME}, a failed step, a timeout): the CouncilRun says what happened."""
    started = time.perf_counter()
    outcome = CouncilRun(la_code=council.la_code, name=council.name, success=False)
    try:
        child_env = hub.child_environment(council, env)
    except MissingReference as exc:
        outcome.message = str(exc)
        return outcome
    home = ensure_council_instance(Path(child_env["DAGSTER_HOME"]))
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    logs = home / "hub_logs"
    logs.mkdir(exist_ok=True)
    log_path, summary_path = logs / f"run_{stamp}.log", logs / f"run_{stamp}.json"
    command = [sys.executable, "-m", "cs_pipeline.hub.council_run", "--summary", str(summary_path)]
    if as_at:
        command += ["--as-at", as_at]
    outcome.log_path = str(log_path)
    with log_path.open("w", encoding="utf-8") as log:
        # cwd: the dbt project is found from the project root, as the demo runs it
        process = subprocess.Popen(command, env=child_env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        if on_start:
            on_start(process.pid)
        try:
            outcome.returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            process.wait()
            outcome.wall_s = time.perf_counter() - started
            outcome.message = f"stopped after {timeout_s / 60:.0f} min (timeout)"
            return outcome
    outcome.wall_s = time.perf_counter() - started
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        for name in ("run_id", "failed_steps", "error_checks", "warn_checks", "shared_tables", "shared_rows"):
            setattr(outcome, name, summary.get(name, getattr(outcome, name)))
        outcome.success = bool(summary.get("success")) and outcome.returncode == 0
        if not outcome.success:
            outcome.message = (f"run {outcome.run_id} failed: {len(outcome.failed_steps)} failed steps "
                               f"({', '.join(outcome.failed_steps[:5])})")
    else:  # the code did not load or the process died: say why, from its log
        reason = _last_error_line(log_path)
        outcome.message = (f"the council's process exited with status {outcome.returncode} before its run ended"
                           + (f": {reason}" if reason else ""))
    return outcome


def run_councils(hub: Hub, councils: list[Council] | None = None, *, parallel: int = 1, as_at: str | None = None,
                 timeout_s: float | None = None, env: Mapping[str, str] | None = None,
                 on_done: Callable[[CouncilRun], None] | None = None) -> list[CouncilRun]:
    """Several councils, up to `parallel` at once, each in its own process; results in the councils' order."""
    councils = list(hub.councils if councils is None else councils)

    def one(council: Council) -> CouncilRun:
        result = run_council(hub, council, as_at=as_at, timeout_s=timeout_s, env=env)
        if on_done:
            on_done(result)
        return result

    if parallel <= 1:
        return [one(c) for c in councils]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, councils))
