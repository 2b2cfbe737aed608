"""The code location loads as the UI loads it, with every stage's assets and checks in one lineage."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.lib.ssd_schema import ssd_tables


def test_workspace_loads_with_dagster_cli(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "All code locations passed validation" in proc.stdout + proc.stderr


def test_lineage_runs_from_sources_to_marts():
    from cs_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for table in ssd_tables():
        assert {f"raw/{table}", f"quarantine/{table}", f"staging/stg_ssd__{table.removeprefix('ssd_')}"} <= keys
    assert {"staging/dim_calendar", "linkage/child_link", "marts/iha_timeliness", "marts/timeliness_monthly"} <= keys
    # staging reads the quarantine asset, which reads raw: validation sits between extraction and dbt
    person = graph.get(dg.AssetKey(["staging", "stg_ssd__person"]))
    assert dg.AssetKey(["quarantine", "ssd_person"]) in person.parent_keys
    assert dg.AssetKey(["raw", "ssd_person"]) in person.parent_keys


def test_the_exclusions_the_dbt_step_passes_are_valid_dbt_selectors(tmp_path):
    """What the dbt step leaves out after a failed ERROR check (transform/dbt.py), as dbt itself resolves it: a broken
    crosswalk holds back the health measures and what reads them; the social care measures still build."""
    from cs_pipeline.config import Settings
    from cs_pipeline.defs.transform.dbt import DBT_PROJECT_DIR, dbt_build_args, dbt_selector_for
    from cs_pipeline.lib.dbt_env import dbt_env

    settings = Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'w.duckdb'}"})
    blocked = {dbt_selector_for(dg.AssetKey(["linkage", "child_link"])): ["linkage/child_link:check"],
               dbt_selector_for(dg.AssetKey(["quarantine", "ssd_cp_visits"])): ["quarantine/ssd_cp_visits:check"]}
    args = dbt_build_args(settings, blocked)
    assert args[:2] == ["build", "--vars"] and args[3:] == ["--exclude", "source:linkage+", "stg_ssd__cp_visits+"]
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "ls", "--resource-type", "model", "--output", "name", *args[1:], "--profiles-dir", ".",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--quiet"],
        cwd=DBT_PROJECT_DIR, env={**os.environ, **dbt_env(settings)}, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    built = set(proc.stdout.split())
    assert {"icpc_timeliness", "cla_review_timeliness", "core_group_timeliness", "stg_ssd__person"} <= built
    left_out = {"iha_timeliness", "rha_timeliness", "int_health__assessments", "cp_visit_timeliness",
                "stg_ssd__cp_visits", "timeliness_monthly"}
    assert not built & left_out


def test_dbt_runs_duckdb_with_the_settings_of_the_warehouse_url(tmp_path):
    """The profile's DuckDB settings come from the URL's query, as dbt itself connects (dbt show, real dbt-duckdb)."""
    from cs_pipeline.config import Settings
    from cs_pipeline.defs.transform.dbt import DBT_PROJECT_DIR
    from cs_pipeline.lib.dbt_env import dbt_env

    url = f"duckdb:///{tmp_path / 'w.duckdb'}?memory_limit=1GB&threads=1"
    env = {**os.environ, **dbt_env(Settings.from_env({"CS_PIPELINE_WAREHOUSE_URL": url}))}
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "show", "--inline", "select current_setting('memory_limit') as m, current_setting('threads') as t",
         "--profiles-dir", ".", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| 953.6 MiB | 1 |" in proc.stdout


def test_a_builds_parse_state_is_kept_for_the_next_run(tmp_path, monkeypatch):
    """The next invocation is seeded from the project's partial_parse.msgpack: it must be the last build's."""
    from types import SimpleNamespace

    from cs_pipeline.defs.transform import dbt as dbt_defs

    project_target, invocation_target = tmp_path / "target", tmp_path / "target" / "dbt_models-1"
    invocation_target.mkdir(parents=True)
    (project_target / "partial_parse.msgpack").write_bytes(b"parsed at setup")
    monkeypatch.setattr(dbt_defs, "dbt_project", SimpleNamespace(project_dir=tmp_path, target_path=Path("target")))
    dbt_defs.keep_parse_state(invocation_target)   # a build that left no state: the old one stays
    assert (project_target / "partial_parse.msgpack").read_bytes() == b"parsed at setup"
    (invocation_target / "partial_parse.msgpack").write_bytes(b"parsed by this build")
    dbt_defs.keep_parse_state(invocation_target)
    assert (project_target / "partial_parse.msgpack").read_bytes() == b"parsed by this build"
    assert sorted(p.name for p in project_target.iterdir()) == ["dbt_models-1", "partial_parse.msgpack"]
