"""The demo, end to end on the embedded defaults: synthetic council -> every asset -> a short summary.

    python -m cs_pipeline.demo [--scale 1] [--seed 7] [--regenerate]

Sources are generated under <data>/demo (once; --regenerate makes them again), the warehouse is the default
DuckDB file, and runs are recorded in DAGSTER_HOME so `dagster dev -w workspace.yaml` shows them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from cs_pipeline.config import PROJECT_ROOT, data_dir, demo_dir, redact_url

SCHEMAS = ("raw", "quarantine", "staging", "linkage", "intermediate", "marts", "returns")


# One run at a time: a nightly run and a health-drop run must not write the warehouse together (DuckDB takes one
# writer process; on PostgreSQL both would replace the same tables). No telemetry: nothing leaves the machine.
# The run history is Dagster's SQLite event log with engines kept and WAL commits unsynced (lib/run_history.py).
INSTANCE_CONFIG = """# written by cs_pipeline.demo
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
"""


# what the demo wrote before it had a first line of its own
EARLIER_INSTANCE_CONFIG = INSTANCE_CONFIG.split("\n", 1)[1]


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME (default <data>/dagster_home) with our instance settings, unless it has a dagster.yaml of its own
    (one without our first line: a council's production instance)."""
    from cs_pipeline.lib.run_history import instance_storage_config

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir() / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    ours = INSTANCE_CONFIG + instance_storage_config(str(home / "history" / "runs"))
    found = config.read_text() if config.exists() else None
    if found is None or found.startswith(INSTANCE_CONFIG.splitlines()[0]) or found == EARLIER_INSTANCE_CONFIG:
        config.write_text(ours)
    return home


def generate_sources(scale: float, seed: int, regenerate: bool, workers: int = 1) -> dict:
    from cs_pipeline.synthetic import generate

    manifest_path = demo_dir() / "ground_truth" / "manifest.json"
    if regenerate or not manifest_path.exists():
        started = time.perf_counter()
        generate(demo_dir(), scale=scale, seed=seed, workers=workers)
        print(f"generated synthetic council (scale {scale}, seed {seed}) in {time.perf_counter() - started:.1f} s")
    return json.loads(manifest_path.read_text())


def materialise_everything() -> bool:
    return run_job().success


def run_job(job_name: str | None = None):
    """One job in this process (default: every asset), recorded in DAGSTER_HOME; prints checks and stage times."""
    import dagster as dg

    from cs_pipeline.definitions import defs

    job = defs.resolve_job_def(job_name) if job_name else defs.get_implicit_global_asset_job_def()
    # INFO on the console: step starts and ends, counts and timings; the DEBUG event stream is in the UI.
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    for step in failed:
        print(f"  step failed: {step}")
    evaluations = result.get_asset_check_evaluations()
    errors = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    warnings = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.WARN]
    print(f"asset checks: {len(evaluations) - len(errors) - len(warnings)} passed, {len(warnings)} warnings "
          f"(rows quarantined or flagged), {len(errors)} errors")
    for e in errors:
        print(f"  ERROR {e.asset_key.to_user_string()}:{e.check_name}")
    print_stage_times(dg.DagsterInstance.get(), result.run_id)
    return result


STAGES = (("raw__", "extract"), ("staging__dim_calendar", "extract"), ("quarantine__", "validate"),
          ("quality__", "validate"), ("linkage", "link"), ("dbt_models", "dbt build"),
          ("staging_rows_conserved", "staging checks"),
          ("staging__", "staging checks"))


def print_stage_times(instance, run_id: str) -> None:
    """Seconds per stage of the flow (steps run one after another in the demo), from the run's step stats."""
    totals: dict[str, float] = {}
    for step in instance.get_run_step_stats(run_id):
        if step.start_time is None or step.end_time is None:
            continue
        stage = next((name for prefix, name in STAGES if step.step_key.startswith(prefix)), "other")
        totals[stage] = totals.get(stage, 0.0) + step.end_time - step.start_time
    print("stage times: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in totals.items()))


def summary() -> None:
    from cs_pipeline.config import Settings
    from cs_pipeline.lib.warehouse import Warehouse

    settings = Settings.from_env()
    print(f"\nwarehouse: {redact_url(settings.warehouse_url)}")
    with Warehouse(settings.warehouse_url).kept_open() as warehouse:
        for schema in SCHEMAS:
            tables = warehouse.tables(schema)
            rows = sum(warehouse.row_count(schema, t) for t in tables)
            print(f"  {schema:<13} {len(tables):>3} tables {rows:>12,} rows")
    print(f"outputs:   {settings.output_dir}")
    print(f"as at:     {settings.as_at}")
    print(f"open the UI: DAGSTER_HOME={os.environ['DAGSTER_HOME']} .venv/bin/dagster dev -w workspace.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)

    ensure_dagster_home()
    manifest = generate_sources(args.scale, args.seed, args.regenerate)
    # Measures are relative to the date the synthetic extract was taken, so the demo is reproducible.
    os.environ.setdefault("CS_PIPELINE_AS_AT", manifest["as_at"])
    os.chdir(PROJECT_ROOT)
    started = time.perf_counter()
    ok = materialise_everything()
    print(f"materialised every asset in {time.perf_counter() - started:.1f} s: {'success' if ok else 'FAILED'}")
    summary()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
