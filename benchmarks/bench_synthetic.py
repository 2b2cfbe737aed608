"""Benchmark the synthetic council generator: wall time, CPU time, peak memory and rows/s per scale.

    python benchmarks/bench_synthetic.py --scales 1 10 150 [--workers 2] [--workdir /tmp/bench_synthetic]
        [--cms-url postgresql://...]

Each scale runs in its own subprocess, so the peak resident memory (``resource.getrusage`` max RSS of that
process and its worker processes) belongs to that scale alone.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from cs_pipeline.synthetic import generate
scale, out, workers, cms_url = float(sys.argv[1]), sys.argv[2], int(sys.argv[3]), (sys.argv[4] or None)
t = time.time()
m = generate(out, scale=scale, seed=7, workers=workers, cms_url=cms_url)
wall = time.time() - t
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
ssd_rows = sum(v for k, v in m.counts.items() if k.startswith("ssd_"))
health_rows = sum(f["rows"] for f in m.health_files if not f.get("duplicate_of"))
print(json.dumps(dict(scale=scale, wall_s=wall, cpu_s=me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                      peak_rss_mb=max(me.ru_maxrss, kids.ru_maxrss) / 1024, ssd_rows=ssd_rows,
                      health_rows=health_rows, defects=m.counts["defects"])))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 10, 150])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/bench_synthetic")
    ap.add_argument("--cms-url", default="")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders")
    a = ap.parse_args()
    print(f"{'scale':>6} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'SSD rows':>11} {'health rows':>11} "
          f"{'rows/s':>9}", flush=True)
    results = []
    for scale in a.scales:
        out = Path(a.workdir) / f"scale_{scale:g}"
        if out.exists():
            shutil.rmtree(out)
        t = time.time()
        proc = subprocess.run([sys.executable, "-c", CHILD, str(scale), str(out), str(a.workers), a.cms_url],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows = r["ssd_rows"] + r["health_rows"]
        r["rows_per_s"] = rows / r["wall_s"]
        results.append(r)
        print(f"{scale:>6g} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_rss_mb']:>8.0f} {r['ssd_rows']:>11,} "
              f"{r['health_rows']:>11,} {r['rows_per_s']:>9,.0f}   (subprocess total {time.time() - t:.1f}s)",
              flush=True)
        if not a.keep:
            shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
