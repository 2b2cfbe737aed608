"""The dbt resource: what it skips of dagster-dbt's per-invocation set-up, and that a dbt build still runs."""
from __future__ import annotations

import importlib.metadata
import subprocess

from cs_pipeline.defs.transform.dbt import BUNDLED_DBT, DBT_PROJECT_DIR, CsDbtCliResource, dbt_resource


def test_the_bundled_dbts_version_comes_from_the_package_not_a_subprocess(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ran {args[0]}")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    resource = dbt_resource()
    assert resource.dbt_executable == str(BUNDLED_DBT)
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_another_dbt_executable_is_still_asked_its_version(monkeypatch, tmp_path):
    asked = []

    def fake_version(args, **kwargs):
        asked.append(args)
        return b"Core:\n  - installed: 1.11.3\n"

    other = tmp_path / "dbt"   # a dbt of its own, not the one beside this Python
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", fake_version)
    resource = CsDbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(other))
    assert str(resource._cli_version) == "1.11.3" and asked == [[str(other), "--version"]]


def test_a_dbt_command_runs_through_the_resource_without_an_adapter_in_process():
    invocation = dbt_resource().cli(["ls", "--select", "stg_ssd__person", "--output", "name", "--quiet"])
    assert invocation.is_successful() and invocation.adapter is None
