"""Whole-pipeline runs the security, idempotence and lineage cases share, and how such a case is recorded.

A run is the demo command (``python -m cs_pipeline.demo``: generate a synthetic council once, materialise every
asset, record the run in DAGSTER_HOME) in a subprocess, on the smallest council the end-to-end tests use.
A property case records ``loaded`` when the property holds and ``failed cleanly`` (with what broke it) when not, so
the ledger's own assertion fails the test.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from cs_pipeline.lib.warehouse import Warehouse, quote_ident
from cs_pipeline_tests.reliability.outcomes import FAILED_CLEANLY, LOADED, CaseResult, record

SCALE = 0.05  # the end-to-end fixtures' small council (cs_pipeline_tests/test_end_to_end.py)
SEED = 7


@dataclasses.dataclass
class PipelineRun:
    data_dir: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def output_dir(self) -> Path:
        return self.data_dir / "output"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def sources(self) -> Path:
        return self.data_dir / "demo"


def run_pipeline(data_dir: Path, env: dict[str, str] | None = None, *, check: bool = True) -> PipelineRun:
    """Every asset over the synthetic council under ``data_dir`` (generated on the first call)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    base |= {"CS_PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    proc = subprocess.run([sys.executable, "-m", "cs_pipeline.demo", "--scale", str(SCALE), "--seed", str(SEED)],
                          env=base | (env or {}), capture_output=True, text=True, timeout=1200)
    if check:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return PipelineRun(data_dir, proc.returncode, proc.stdout, proc.stderr)


def dagster_runs(dagster_home: Path) -> dict[str, str]:
    """{run id: status} of every run the instance in ``dagster_home`` recorded."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return {run.run_id: run.status.value for run in instance.get_runs()}


def event_log_text(dagster_home: Path) -> list[str]:
    """Every event of every run in the instance, serialised whole (messages, metadata, check results, errors)."""
    import dagster as dg
    from dagster._serdes import serialize_value

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        texts = []
        for run in instance.get_runs():
            texts += [serialize_value(entry) for entry in instance.all_logs(run.run_id)]
        return texts


def property_case(area: str, case: str, holds: bool, message: str, **counts) -> CaseResult:
    """A property of the pipeline as a ledger case: loaded when it holds, else failed with ``message``."""
    return record(CaseResult(area, case, LOADED, LOADED if holds else FAILED_CLEANLY, message=message, **counts))


# Columns that are by design the run's own id or time, left out of the comparison of two runs' tables (a column
# added later that is must be named here). The marts have none: their dates are the as-at date's and the sources',
# never the clock's. returns.dfe_rule_runs says how long each DfE rule took.
RUN_COLUMNS: dict[str, frozenset[str]] = {"returns.dfe_rule_runs": frozenset({"seconds"})}
RETURN_FILES = ("returns/ssda903", "returns/cin", "returns/annex_a")


def tables_now(warehouse: Warehouse) -> dict:
    """Each marts and returns table as text (NULL as None), sorted on every column: compared as a multiset."""
    out = {}
    for schema in ("marts", "returns"):
        for table in warehouse.tables(schema):
            frame = warehouse.query_frame(f"select * from {quote_ident(schema)}.{quote_ident(table)}")
            frame = frame[[c for c in frame.columns if c not in RUN_COLUMNS.get(f"{schema}.{table}", ())]]
            frame = frame.astype(object).where(frame.notna(), None).map(lambda v: None if v is None else str(v))
            frame = frame.sort_values(list(frame.columns), na_position="first")
            out[f"{schema}.{table}"] = frame.reset_index(drop=True)
    return out


def return_files(output_dir: Path) -> dict[str, str]:
    """sha256 of every file DfE and Ofsted receive, by path under the output folder."""
    files = {}
    for folder in RETURN_FILES:
        for path in sorted((output_dir / folder).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(output_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@dataclasses.dataclass
class TwoRuns:
    """The same council run twice into one DuckDB warehouse, with what each run left behind."""
    data_dir: Path
    warehouse: Warehouse
    tables: list[dict]  # tables_now after each run
    files: list[dict]  # return_files after each run


_TWO_RUNS: dict[str, TwoRuns] = {}


def council_run_twice(tmp_path_factory) -> TwoRuns:
    """One pair of runs per test process, shared by the idempotence and lineage modules."""
    if "duckdb" not in _TWO_RUNS:
        data_dir = tmp_path_factory.mktemp("council_twice")
        warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
        tables, files = [], []
        for _ in range(2):
            run = run_pipeline(data_dir)
            tables.append(tables_now(warehouse))
            files.append(return_files(run.output_dir))
        _TWO_RUNS["duckdb"] = TwoRuns(data_dir, warehouse, tables, files)
    return _TWO_RUNS["duckdb"]
