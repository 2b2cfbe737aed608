"""Benchmark: the whole pipeline (every asset, as `python -m cs_pipeline.demo` runs it) per stage.

    python benchmarks/bench_pipeline.py --scale 1 [--seed 7] [--data-dir DIR] [--reuse] [--workers 2] [--incremental]
                                        [--warehouse-url postgresql://postgres@127.0.0.1:5432/cs_bench]
                                        [--pg-database cs_bench] [--duckdb-memory-limit 4GB] [--json PATH]

Generates the synthetic council at --scale under <data-dir>/demo (--reuse takes the set already there when its
scale and seed match), then materialises every asset in this process with the demo's own functions (DuckDB at
<data-dir>/warehouse.duckdb, made fresh for each run; or --warehouse-url: a fresh PostgreSQL database, dropped and
created, named --pg-database or the URL's database). Prints, per stage (extract, validate, link, transform,
returns, publish): wall time (the sum of its Dagster steps, from the run's step stats; steps run one at a time in
process), peak memory (RSS of the whole process tree, this process and every child such as dbt's, sampled every
0.2 s, maximum over the samples taken while one of the stage's steps ran), the source rows extracted per second
of the stage (rows in: the raw tables' rows) and the rows the stage wrote to its schemas; as a table and as JSON.

--incremental: the latest health-assessment delivery is held back from the full run; once it is done, the file
lands in the health folder and the health_drop_refresh job (what the health-drop sensor starts: the health
extracts and what is built on them) runs in this process; its wall time and stages are printed too.

Stage of a step: the group of its assets (or of the assets its checks are on): sources -> extract,
quality -> validate, linkage -> link, staging/intermediate/marts -> transform (dbt's one step builds the returns
models too, so it is transform), returns -> returns, publish -> publish. Targets (issue 13): scale 1 <= 60 s wall.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAGES = ("extract", "validate", "link", "transform", "returns", "publish")
GROUP_STAGE = {"sources": "extract", "quality": "validate", "linkage": "link", "staging": "transform",
               "intermediate": "transform", "marts": "transform", "returns": "returns", "publish": "publish"}
# the schemas each stage writes (rows out); publish writes files
STAGE_SCHEMAS = {"extract": ("raw",), "validate": ("quarantine",), "link": ("linkage",),
                 "transform": ("staging", "intermediate", "marts"), "returns": ("returns",), "publish": ()}
SAMPLE_SECONDS = 0.2
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# ---- memory of the process tree ------------------------------------------------------------------------------

def _tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, ()))
    return pids


def tree_rss_bytes(root: int) -> int:
    """RSS of a process and all its descendants (psutil if installed, else /proc/<pid>/statm)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            proc = psutil.Process(root)
            procs = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total
    total_kb = 0
    for pid in _tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total_kb += int(f.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            pass
    return total_kb * 1024


class TreeSampler(threading.Thread):
    """(unix time, tree RSS bytes) every SAMPLE_SECONDS until stopped."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.time(), tree_rss_bytes(self.root)))
            if self._stop_event.wait(SAMPLE_SECONDS):
                break
        self.samples.append((time.time(), tree_rss_bytes(self.root)))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak(self, intervals: list[tuple[float, float]]) -> int:
        """Largest sample taken inside any interval (or the sample nearest a too-short interval)."""
        best = 0
        for start, end in intervals:
            inside = [rss for t, rss in self.samples if start <= t <= end]
            if not inside and self.samples:  # a step shorter than the sampling interval: the nearest sample
                inside = [min(self.samples, key=lambda s: abs(s[0] - (start + end) / 2))[1]]
            best = max(best, *inside) if inside else best
        return best


# ---- stage of each step ----------------------------------------------------------------------------------------

def step_stages(defs) -> dict[str, str]:
    """Step key (op name) -> stage, from the groups of the step's assets or of the assets its checks are on."""
    graph = defs.resolve_asset_graph()
    stages: dict[str, str] = {}
    for ad in graph.assets_defs:
        if not ad.is_executable:
            continue
        groups = {ad.group_names_by_key.get(k) for k in ad.keys}
        groups |= {graph.get(ck.asset_key).group_name for ck in ad.check_keys if graph.has(ck.asset_key)}
        found = {GROUP_STAGE.get(g, "other") for g in groups if g}
        # dbt's one step builds staging to marts and the returns models: it is the transform stage
        stage = next((s for s in STAGES if s in found), "other")
        stages[ad.node_def.name] = stage
    return stages


def stage_steps(instance, run_id: str, stages: dict[str, str]) -> dict[str, list[tuple[str, float, float]]]:
    """Stage -> [(step key, start, end)] from the run's step stats (STEP_START / STEP_SUCCESS|FAILURE times)."""
    by_stage: dict[str, list[tuple[str, float, float]]] = {}
    for step in instance.get_run_step_stats(run_id):
        if step.start_time is None or step.end_time is None:
            continue
        stage = stages.get(step.step_key, stages.get(step.step_key.split(".")[0], "other"))
        by_stage.setdefault(stage, []).append((step.step_key, step.start_time, step.end_time))
    return by_stage


# ---- setup -----------------------------------------------------------------------------------------------------

def fresh_postgres(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; returns the URL of the new database."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url).set(database=name)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return target.render_as_string(hide_password=False)


def hold_back_latest_delivery(health_dir: Path, holding: Path) -> Path:
    """Move the newest health-assessment file out of the health folder (as if the provider had not sent it yet)."""
    latest = sorted(health_dir.glob("lac_health_assessments_*.csv"))[-1]
    holding.mkdir(parents=True, exist_ok=True)
    return latest.rename(holding / latest.name)


def schema_rows(warehouse, schemas) -> int:
    with warehouse.kept_open():
        return sum(warehouse.row_count(s, t) for s in schemas for t in warehouse.tables(s))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/cs_pipeline_bench_pipeline"))
    parser.add_argument("--reuse", action="store_true", help="take the sources already generated in --data-dir")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes generating the sources (the same sources, sooner: 2 at scale 150)")
    parser.add_argument("--warehouse-url", help="postgresql://... : run on a fresh PostgreSQL database instead")
    parser.add_argument("--duckdb-memory-limit", metavar="SIZE",
                        help="DuckDB's memory_limit for the warehouse, dbt and the linkage "
                             "(e.g. 4GB; default 80%% of RAM)")
    parser.add_argument("--pg-database", help="name of that database (default: the URL's, else cs_bench)")
    parser.add_argument("--incremental", action="store_true",
                        help="hold back the latest health delivery, then time the run it starts")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)

    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # the run's settings, before cs_pipeline.definitions reads them at import
    for key in [k for k in os.environ if k.startswith("CS_PIPELINE_")]:
        del os.environ[key]
    os.environ["CS_PIPELINE_DATA_DIR"] = str(data_dir)
    os.environ["DAGSTER_HOME"] = str(data_dir / "dagster_home")
    if args.warehouse_url:
        if not args.warehouse_url.startswith("postgresql"):
            parser.error("--warehouse-url takes a postgresql:// URL (DuckDB is the default)")
        from sqlalchemy.engine import make_url

        name = args.pg_database or make_url(args.warehouse_url).database or "cs_bench"
        warehouse_url = fresh_postgres(args.warehouse_url, name)
        os.environ["CS_PIPELINE_WAREHOUSE_URL"] = warehouse_url
    else:
        warehouse_url = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
        if args.duckdb_memory_limit:
            warehouse_url += f"?memory_limit={args.duckdb_memory_limit}"
            os.environ["CS_PIPELINE_WAREHOUSE_URL"] = warehouse_url
        for path in data_dir.glob("warehouse.duckdb*"):
            path.unlink()
    shutil.rmtree(data_dir / "output", ignore_errors=True)

    from cs_pipeline import demo
    from cs_pipeline.config import PROJECT_ROOT, demo_dir, redact_url

    demo.ensure_dagster_home()
    sampler = TreeSampler(os.getpid())
    sampler.start()

    manifest_path = demo_dir() / "ground_truth" / "manifest.json"
    reuse = args.reuse and manifest_path.exists()
    if reuse:
        found = json.loads(manifest_path.read_text())
        if float(found["scale"]) != args.scale or int(found["seed"]) != args.seed:
            parser.error(f"--reuse: {demo_dir()} holds scale {found['scale']} seed {found['seed']}, "
                         f"not scale {args.scale:g} seed {args.seed}")
    t0 = time.time()
    manifest = demo.generate_sources(args.scale, args.seed, regenerate=not reuse, workers=args.workers)
    generate = None if reuse else {"wall_s": time.time() - t0, "peak_rss_mb": sampler.peak([(t0, time.time())]) / 2**20}
    os.environ["CS_PIPELINE_AS_AT"] = manifest["as_at"]
    os.chdir(PROJECT_ROOT)

    import dagster as dg

    late = hold_back_latest_delivery(demo_dir() / "health", data_dir / "late_delivery") if args.incremental else None
    try:
        started = time.time()
        ok = demo.run_job().success
        run_wall = time.time() - started
        print(f"materialised every asset in {run_wall:.1f} s: {'success' if ok else 'FAILED'}")
        incremental = None
        if late is not None:
            delivered = late.rename(demo_dir() / "health" / late.name)
            late = None
            t0 = time.time()
            result = demo.run_job("health_drop_refresh")
            incremental = {"delivery": delivered.name, "run_id": result.run_id, "success": result.success,
                           "wall_s": time.time() - t0, "window": (t0, time.time())}
            ok = ok and result.success
            print(f"health_drop_refresh after {delivered.name}: {incremental['wall_s']:.1f} s")
    finally:
        if late is not None:   # put a held-back file back whatever happened, so --reuse finds the whole set
            late.rename(demo_dir() / "health" / late.name)
    sampler.stop()

    from cs_pipeline.definitions import defs
    from cs_pipeline.lib.warehouse import Warehouse

    instance = dg.DagsterInstance.get()
    stages_of_steps = step_stages(defs)
    run_id = instance.get_runs(limit=1, filters=dg.RunsFilter(job_name="__ASSET_JOB"))[0].run_id
    by_stage = stage_steps(instance, run_id, stages_of_steps)
    warehouse = Warehouse(warehouse_url)
    rows_in = schema_rows(warehouse, ("raw",))

    figures = {"scale": args.scale, "seed": args.seed, "warehouse": redact_url(warehouse_url),
               "sources_reused": reuse, "generate": generate, "run_id": run_id, "success": ok,
               "run_wall_s": run_wall, "run_peak_rss_mb": sampler.peak([(started, started + run_wall)]) / 2**20,
               "rows_in": rows_in, "stages": {}}
    for stage in (*STAGES, *sorted(set(by_stage) - set(STAGES))):
        steps = by_stage.get(stage, [])
        wall = sum(end - start for _, start, end in steps)
        figures["stages"][stage] = {
            "steps": len(steps),
            "wall_s": round(wall, 3),
            "peak_rss_mb": round(sampler.peak([(s, e) for _, s, e in steps]) / 2**20, 1),
            "rows_in_per_s": round(rows_in / wall) if wall else None,
            "rows_out": schema_rows(warehouse, STAGE_SCHEMAS.get(stage, ())),
        }
    in_steps = sum(v["wall_s"] for v in figures["stages"].values())
    figures["outside_steps_s"] = round(run_wall - in_steps, 3)

    print(f"\nscale {args.scale:g} seed {args.seed} on {figures['warehouse']}; rows in (raw tables): {rows_in:,}"
          + ("; sources reused" if reuse else f"; generated in {generate['wall_s']:.1f} s"
             f" (peak {generate['peak_rss_mb']:.0f} MB)"))
    print(f"{'stage':<10} {'steps':>5} {'wall s':>8} {'peak RSS MB':>12} {'rows in/s':>11} {'rows out':>11}")
    for stage, f in figures["stages"].items():
        rate = f"{f['rows_in_per_s']:,}" if f["rows_in_per_s"] else "-"
        print(f"{stage:<10} {f['steps']:>5} {f['wall_s']:>8.1f} {f['peak_rss_mb']:>12.0f} {rate:>11} "
              f"{f['rows_out']:>11,}")
    print(f"{'(between)':<10} {'':>5} {figures['outside_steps_s']:>8.1f}")
    print(f"{'run':<10} {sum(f['steps'] for f in figures['stages'].values()):>5} {run_wall:>8.1f} "
          f"{figures['run_peak_rss_mb']:>12.0f} {round(rows_in / run_wall):>11,}")
    target = 60 if args.scale <= 1 else None
    if target:
        print(f"full run {run_wall:.1f} s vs target {target} s: {'OK' if run_wall <= target else 'OVER'}")
    if incremental:
        start, end = incremental.pop("window")
        incremental["peak_rss_mb"] = round(sampler.peak([(start, end)]) / 2**20, 1)
        steps = stage_steps(instance, incremental["run_id"], stages_of_steps)
        incremental["stages"] = {stage: {"steps": len(v), "wall_s": round(sum(e - s for _, s, e in v), 3)}
                                 for stage, v in steps.items()}
        figures["incremental"] = incremental
        print(f"\nincremental run after one health delivery ({incremental['delivery']}): "
              f"{incremental['wall_s']:.1f} s wall, peak {incremental['peak_rss_mb']:.0f} MB; "
              + ", ".join(f"{k} {v['wall_s']:.1f} s ({v['steps']} steps)" for k, v in incremental["stages"].items()))
        print(f"incremental run {incremental['wall_s']:.1f} s vs target 15 s: "
              f"{'OK' if incremental['wall_s'] <= 15 else 'OVER'}")
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
