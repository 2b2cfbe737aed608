"""The regional hub's command line (docs/regional.md).

    python -m cs_pipeline.hub synthetic --councils 3 --scale 0.02 --out data/hub [--seed 7] [--first-la-code 201]
    python -m cs_pipeline.hub run --councils data/hub/councils.yaml [--la 201 --la 202] [--parallel 2]
                                  [--as-at YYYY-MM-DD] [--combine]
    python -m cs_pipeline.hub ui --councils data/hub/councils.yaml --la 201 [--port 3001]
    python -m cs_pipeline.hub demo [--councils 3] [--scale 0.02] [--out data/hub] [--parallel 1]

``run`` runs each council's whole pipeline in its own process (its environment from the file, its own Dagster
instance) and, with --combine, the regional set after. ``ui`` opens one council's own Dagster UI over its runs.
``demo`` = synthetic + run --combine, with a random shared key for the session if CS_HUB_SHARED_HASH_KEY is unset.
Exit status: 0 every council ran (and was combined); 3 some council failed or was refused; 1 nothing combined.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

from cs_pipeline.config import PROJECT_ROOT, data_dir


def _run(args) -> int:
    from cs_pipeline.hub.councils import load_councils
    from cs_pipeline.hub.run import run_councils

    hub = load_councils(args.councils)
    chosen = [hub.council(code) for code in args.la] if args.la else list(hub.councils)
    started = time.perf_counter()
    results = run_councils(hub, chosen, parallel=args.parallel, as_at=args.as_at,
                           timeout_s=hub.regional.timeout_minutes * 60, on_done=lambda r: print(r.line(), flush=True))
    print(f"{sum(r.success for r in results)} of {len(results)} councils ran in {time.perf_counter() - started:.1f} s")
    status = 0 if all(r.success for r in results) else 3
    if args.combine:
        from cs_pipeline.publish.regional_set import RegionalSetRefused, combine_hub

        try:
            report = combine_hub(hub)
        except RegionalSetRefused as exc:
            print("\n".join(exc.report.lines()))
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print("\n".join(report.lines()))
        if report.refused:
            status = 3
    return status


def _ui(args) -> int:
    from cs_pipeline.hub.councils import load_councils
    from cs_pipeline.hub.run import ensure_council_instance

    hub = load_councils(args.councils)
    council = hub.council(args.la)
    env = hub.child_environment(council)
    ensure_council_instance(Path(env["DAGSTER_HOME"]))
    dagster = str(Path(sys.executable).with_name("dagster"))
    os.chdir(PROJECT_ROOT)
    # the council's own code location and instance: its runs, assets and checks as its data team sees them
    os.execve(dagster, [dagster, "dev", "-m", "cs_pipeline.definitions", "-p", str(args.port)], env)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs_pipeline.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    synthetic = commands.add_parser("synthetic", help="generate synthetic councils and their councils file")
    synthetic.add_argument("--councils", type=int, default=3)
    synthetic.add_argument("--scale", type=float, default=0.02)
    synthetic.add_argument("--seed", type=int, default=7)
    synthetic.add_argument("--first-la-code", type=int, default=201)
    synthetic.add_argument("--out", type=Path, required=True)
    synthetic.add_argument("--regenerate", action="store_true")
    run = commands.add_parser("run", help="run councils' pipelines, each in its own process")
    run.add_argument("--councils", type=Path, required=True, help="the councils file")
    run.add_argument("--la", action="append", default=[], help="only this council (repeatable)")
    run.add_argument("--parallel", type=int, default=1, help="councils at once (each is its own process)")
    run.add_argument("--as-at", default=None, help="the runs' as-at date (unless a council fixes its own)")
    run.add_argument("--combine", action="store_true", help="then combine the regional set")
    ui = commands.add_parser("ui", help="one council's own Dagster UI (dagster dev in its environment)")
    ui.add_argument("--councils", type=Path, required=True)
    ui.add_argument("--la", required=True)
    ui.add_argument("--port", type=int, default=3001)
    demo = commands.add_parser("demo", help="synthetic councils, run them all, combine")
    demo.add_argument("--councils", type=int, default=3)
    demo.add_argument("--scale", type=float, default=0.02)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--out", type=Path, default=None, help="default <data>/hub")
    demo.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args(argv)

    if args.command == "synthetic":
        from cs_pipeline.hub.synthetic import generate_councils

        path = generate_councils(args.out, args.councils, scale=args.scale, seed=args.seed,
                                 first_la_code=args.first_la_code, regenerate=args.regenerate)
        print(f"councils file: {path}")
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "ui":
        return _ui(args)

    from cs_pipeline.hub.synthetic import KEY_REFERENCE_VARIABLE, generate_councils

    path = generate_councils(args.out or data_dir() / "hub", args.councils, scale=args.scale, seed=args.seed)
    print(f"councils file: {path}")
    if len(os.environ.get(KEY_REFERENCE_VARIABLE, "")) < 16:
        # never written anywhere: this session's councils share it through the environment only
        os.environ[KEY_REFERENCE_VARIABLE] = secrets.token_urlsafe(32)
        print(f"{KEY_REFERENCE_VARIABLE} is unset: a random key for this session (set it to keep hashes stable)")
    return _run(argparse.Namespace(councils=path, la=[], parallel=args.parallel, as_at=None, combine=True))


if __name__ == "__main__":
    sys.exit(main())
