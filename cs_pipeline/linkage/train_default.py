"""Rebuild the packaged default model from synthetic data.

    python -m cs_pipeline.linkage.train_default [--scale 1] [--seed 101] [--out PATH]

(``--out`` defaults to ``cs_pipeline/linkage/models/default_model.json``.)

Generates a synthetic council (seed 101: not the seed the tests and benchmarks measure on), extracts what linkage
reads with the pipeline's own extractors into a scratch DuckDB warehouse, trains, and writes the bundle. Training
is seeded, so the same generator and seed give the same ``model_version``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage import model as lm
from cs_pipeline.linkage.evaluation import load_synthetic_sources
from cs_pipeline.linkage.pipeline import new_connection
from cs_pipeline.linkage.sources import load_raw
from cs_pipeline.linkage.standardise import build_nodes, persons_sql, splink_input_sql

DEFAULT_OUT = Path(__file__).parent / "models" / "default_model.json"


def train_on_synthetic(scale: float, seed: int, work_dir: Path) -> lm.ModelBundle:
    from cs_pipeline.synthetic import generate

    generate(work_dir / "council", scale=scale, seed=seed)
    wh = Warehouse(f"duckdb:///{work_dir / 'warehouse.duckdb'}")
    load_synthetic_sources(work_dir / "council", wh, load_id="train_default")
    con = new_connection()
    load_raw(wh, con)
    counts = build_nodes(con)
    con.execute(f"CREATE TABLE train_persons AS {splink_input_sql(f'({persons_sql()}) AS p')}")
    con.execute(f"CREATE TABLE train_health AS {splink_input_sql('health_patient_nodes')}")
    bundle = lm.train(con, "train_persons", "train_health", seed=seed, source="default")
    bundle.training.update(synthetic_scale=scale, synthetic_seed=seed, health_records=counts["health_records"])
    con.close()
    return bundle


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cs_pipeline.linkage.train_default", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="cs_linkage_train_") as tmp:
        bundle = train_on_synthetic(a.scale, a.seed, Path(tmp))
    a.out.write_text(bundle.to_json() + "\n", encoding="utf-8")
    print(f"wrote {bundle.model_version} to {a.out} in {time.time() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
