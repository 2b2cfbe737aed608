"""Several synthetic councils and their councils file: the regional hub's demo and benchmark.

Council i (from 0) gets LA code ``first_la_code + i``, seed ``seed + i`` and its own folder ``<out>/<la_code>/``:
``sources/`` (the SSD SQLite database and health drops the generator writes), ``warehouse.duckdb``, ``output/`` and
``dagster_home/``. The regional set goes to ``<out>/regional/``; the hub's own Dagster instance is
``<out>/hub_dagster_home``. The councils file uses paths relative to itself and no secret: the shared hash key is
the reference ``${CS_HUB_SHARED_HASH_KEY}``, set in the hub's environment.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

KEY_REFERENCE_VARIABLE = "CS_HUB_SHARED_HASH_KEY"
# The hub's instance: several councils at once, but never two runs of one council (its DuckDB has one writer).
HUB_INSTANCE_CONFIG = """# written by cs_pipeline.hub for the regional hub's own runs
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: {max_runs}
    tag_concurrency_limits:
      - key: dagster/partition
        value:
          applyLimitPerUniqueValue: true
        limit: 1
"""


def write_hub_instance(home: Path, max_runs: int = 2) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(HUB_INSTANCE_CONFIG.format(max_runs=max_runs))
    return config


def generate_councils(out: str | Path, n: int, *, scale: float = 0.02, seed: int = 7, first_la_code: int = 201,
                      regenerate: bool = False) -> Path:
    """Write n synthetic councils under out and the councils file out/councils.yaml; returns its path.
    A council whose sources exist with the same scale and seed is not generated again (unless regenerate)."""
    from cs_pipeline.synthetic import generate

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if first_la_code < 100 or first_la_code + n - 1 > 999:
        raise ValueError("LA codes must stay three digits")
    councils, as_at = [], None
    for i in range(n):
        la_code = str(first_la_code + i)
        sources = out / la_code / "sources"
        manifest_path = sources / "ground_truth" / "manifest.json"
        found = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
        if regenerate or not found or float(found["scale"]) != scale or int(found["seed"]) != seed + i \
                or found.get("la_code") != la_code:
            generate(sources, scale=scale, seed=seed + i, la_code=la_code)
            found = json.loads(manifest_path.read_text())
        as_at = found["as_at"]
        councils.append({
            "la_code": la_code,
            "name": f"Synthetic council {la_code}",
            "cms_url": f"sqlite:///{la_code}/sources/ssd.sqlite",
            "health_dir": f"{la_code}/sources/health",
            "warehouse_url": f"duckdb:///{la_code}/warehouse.duckdb",
            "output_dir": f"{la_code}/output",
            "dagster_home": f"{la_code}/dagster_home",
        })
    document = {
        "regional": {"warehouse_url": "duckdb:///regional/regional_set.duckdb", "output_dir": "regional/output",
                     "max_age_hours": 36, "on_refused": "skip"},
        # measures relative to the day the synthetic extracts were taken, as the single-council demo does
        "defaults": {"env": {"CS_PIPELINE_SHARED_HASH_KEY": "${" + KEY_REFERENCE_VARIABLE + "}",
                             "CS_PIPELINE_AS_AT": as_at}},
        "councils": councils,
    }
    path = out / "councils.yaml"
    header = ("# Synthetic councils for the regional hub demo (python -m cs_pipeline.hub synthetic).\n"
              f"# Set {KEY_REFERENCE_VARIABLE} (16+ characters) in the environment: the partnership's shared key.\n")
    path.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    write_hub_instance(out / "hub_dagster_home")
    return path
