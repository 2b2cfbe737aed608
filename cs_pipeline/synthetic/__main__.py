"""python -m cs_pipeline.synthetic --scale 1 --seed 7 --out DIR [--cms-url URL] [--as-at 2026-09-30]
[--iha-on-time-rate 0.22]"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from .generator import DEFAULT_AS_AT, generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cs_pipeline.synthetic", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="1 = one average council; 150 = England")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--cms-url", default=None, help="SQLAlchemy URL for the SSD tables (default DIR/ssd.sqlite)")
    ap.add_argument("--as-at", type=dt.date.fromisoformat, default=DEFAULT_AS_AT)
    ap.add_argument("--iha-on-time-rate", type=float, default=0.22)
    ap.add_argument("--la-code", default="211")
    ap.add_argument("--workers", type=int, default=1, help="processes simulating units (output is the same)")
    ap.add_argument("--progress", action="store_true")
    a = ap.parse_args(argv)
    t = time.time()
    m = generate(a.out, scale=a.scale, seed=a.seed, cms_url=a.cms_url, as_at=a.as_at,
                 iha_on_time_rate=a.iha_on_time_rate, la_code=a.la_code, workers=a.workers,
                 progress=a.progress)
    rows = sum(v for k, v in m.counts.items() if k.startswith("ssd_"))
    print(f"wrote {rows} SSD rows, {m.counts['health_records']} health records, {m.counts['defects']} defects "
          f"to {a.out} in {time.time() - t:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
