"""SSDA903 validation at national size: cs_pipeline's rules against csc-validator-be-903 0.1.17, in one run.

    python benchmarks/bench_903_rules.py [--copies 40] [--skip-public] [--work DIR]

Scales the public validator's own fake data (../shared/reference/csc-validator-be-903/tests/fake_data) to national
size: COPIES copies with new child ids and UPNs (a valid UPN stays valid, with its check letter recomputed; an
invalid one stays invalid), about 107,000 children and 1 million rows at 40. Then times, each in its own process:
- cs_pipeline: rules only (`validate_ssda903_folder`), then rules and the XLSX/HTML report;
- csc-validator-be-903 0.1.17 (installed by this script into its own venv with pandas 1.5, as it requires):
  rules only (`LacValidator`), then its report (`Report`), which may run out of memory.
Prints wall time, peak memory (max RSS of the process) and rows/s of each, and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FAKE_DATA = ROOT.parent / "shared" / "reference" / "csc-validator-be-903" / "tests" / "fake_data"
PUBLIC_VALIDATOR = "csc-validator-be-903==0.1.17"
TABLE_FILES = [
    "header.csv", "episodes.csv", "reviews.csv", "uasc.csv", "oc2.csv", "oc3.csv", "ad1.csv",
    "placed_for_adoption.csv", "previous_permanence.csv", "missing.csv", "sw_episodes.csv",
]


def _new_upn(upn: str, copy: int) -> str:
    from cs_pipeline.lib.upn import is_valid_upn, upn_check_letter

    if not isinstance(upn, str) or len(upn) != 13 or not upn[1:12].isdigit():
        return upn
    body = upn[1:4] + f"{(int(upn[4:8]) + copy * 211) % 10000:04d}" + upn[8:]
    return (upn_check_letter("A" + body) if is_valid_upn(upn) else upn[0]) + body


def scale_fake_data(target: Path, copies: int) -> int:
    """COPIES copies of every table, child ids prefixed by the copy number; returns rows written."""
    target.mkdir(parents=True, exist_ok=True)
    rows = 0
    for name in TABLE_FILES:
        frame = pd.read_csv(FAKE_DATA / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        parts = []
        for copy in range(copies):
            part = frame.copy()
            part["CHILD"] = [f"{copy + 1:02d}{c}" for c in part["CHILD"]]
            if "UPN" in part:
                part["UPN"] = [_new_upn(u, copy) for u in part["UPN"]]
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        out.to_csv(target / name, index=False)
        rows += len(out)
    return rows


OURS = """
import json, resource, sys, time
from pathlib import Path
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.validate import validate_ssda903_folder
from cs_pipeline.returns.report import write_report
folder, report_dir, with_report = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
t0 = time.perf_counter()
v = validate_ssda903_folder(folder, CollectionYear.parse("2025-26"))
rules_s = time.perf_counter() - t0
if with_report:
    write_report(v, report_dir)
print(json.dumps({"seconds": time.perf_counter() - t0, "rules_seconds": rules_s, "flags": len(v.run.flags),
                  "rules_run": len(v.run.ran), "rules_failed": len(v.run.failed),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

THEIRS = """
import json, logging, resource, sys, time
from pathlib import Path
logging.disable(logging.INFO)
from lac_validator import lac_validator
from lac_validator.rules.lac2025_26 import registry
from lac_validator.utils import process_uploaded_files
folder, with_report = Path(sys.argv[1]), sys.argv[2] == "1"
files = process_uploaded_files({"This year": [str(p) for p in sorted(folder.glob("*.csv"))]})
t0 = time.perf_counter()
v = lac_validator.LacValidator(metadata={"collectionYear": "2026", "localAuthority": "E09000030"},
                               files=files, registry=registry, selected_rules=None)
rules_s = time.perf_counter() - t0
if with_report:
    from lac_validator.report import Report
    Report(v.ds_results, registry)
print(json.dumps({"seconds": time.perf_counter() - t0, "rules_seconds": rules_s, "rules_run": len(v.dones),
                  "rules_failed": len(v.fails),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def public_validator_python(work: Path) -> Path:
    venv = work / "venv-csc-validator-be-903"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PUBLIC_VALIDATOR, "numpy<2"], check=True)
    return python


def timed(cmd: list[str], env: dict | None = None, timeout: int = 3600, memory_gb: float | None = None) -> dict:
    """Run one side in its own process; with memory_gb, its address space is capped so a runaway report fails
    alone (MemoryError) instead of taking the machine down."""
    def cap():
        if memory_gb:
            import resource

            limit = int(memory_gb * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=cap)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}", "wall_seconds": wall}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench_903")
    parser.add_argument("--skip-public", action="store_true", help="time cs_pipeline only")
    parser.add_argument("--skip-public-report", action="store_true", help="skip the public validator's report")
    parser.add_argument("--public-memory-gb", type=float, default=12,
                        help="address-space cap for the public validator's runs (its report exhausted 24 GB here)")
    args = parser.parse_args()

    folder = args.work / f"fake903_x{args.copies}"
    rows = scale_fake_data(folder, args.copies)
    children = sum(1 for _ in open(folder / "header.csv", encoding="utf-8")) - 1
    print(f"data: {args.copies} copies of the public fake data: {children:,} children, {rows:,} rows in {folder}")

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = {
        "cs_pipeline rules": timed([sys.executable, "-c", OURS, str(folder), str(args.work / "report"), "0"], env),
        "cs_pipeline rules + report": timed(
            [sys.executable, "-c", OURS, str(folder), str(args.work / "report"), "1"], env
        ),
    }
    if not args.skip_public:
        python = public_validator_python(args.work)
        cap = args.public_memory_gb
        results["csc-validator-be-903 rules"] = timed([str(python), "-c", THEIRS, str(folder), "0"], memory_gb=cap)
        if not args.skip_public_report:
            results["csc-validator-be-903 rules + report"] = timed(
                [str(python), "-c", THEIRS, str(folder), "1"], memory_gb=cap
            )

    print(f"{'run':38} {'wall s':>8} {'rules s':>8} {'peak MB':>8} {'rows/s':>10}  notes")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:38} {r['wall_seconds']:8.1f} {'':>8} {'':>8} {'':>10}  FAILED {r['error']}")
            continue
        notes = f"rules run {r.get('rules_run')}, failed {r.get('rules_failed')}"
        if "flags" in r:
            notes += f", flags {r['flags']:,}"
        print(
            f"{name:38} {r['wall_seconds']:8.1f} {r['rules_seconds']:8.1f} {r['peak_mb']:8.0f} "
            f"{rows / r['rules_seconds']:10,.0f}  {notes}"
        )
    ours, theirs = results["cs_pipeline rules"], results.get("csc-validator-be-903 rules")
    if theirs and "error" not in theirs and "error" not in ours:
        print(f"rules only: cs_pipeline is {theirs['rules_seconds'] / ours['rules_seconds']:.1f} times faster "
              f"({theirs['rules_seconds']:.1f} s against {ours['rules_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
