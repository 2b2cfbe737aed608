"""The councils file: no secret in it, each council's settings and nothing of another's in its process."""
from __future__ import annotations

import textwrap

import pytest

from cs_pipeline.hub.councils import CouncilsFileError, MissingReference, load_councils


def write(tmp_path, text: str):
    path = tmp_path / "councils.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


TWO_COUNCILS = """
    regional:
      warehouse_url: duckdb:///regional/regional_set.duckdb
      output_dir: regional/out
      max_age_hours: 12
    defaults:
      env:
        CS_PIPELINE_SHARED_HASH_KEY: ${HUB_KEY}
    councils:
      - la_code: "201"
        name: First
        cms_url: sqlite:///201/ssd.sqlite
        health_dir: 201/health
        warehouse_url: postgresql://pipeline:${FIRST_WH_PASSWORD}@pg.hub/cs_201
        output_dir: /srv/201/output
      - la_code: 202
        name: Second
        cms_url: mssql+pyodbc://reader:${SECOND_CMS_PASSWORD}@cms/ssd?driver=ODBC+Driver+18+for+SQL+Server
        health_dir: 202/health
        warehouse_url: duckdb:///202/warehouse.duckdb
        output_dir: 202/output
        dagster_home: /srv/202/dagster
        env:
          CS_PIPELINE_LOCAL_STANDARDS: '{"cp_visit_working_days": 15}'
"""


def test_a_councils_file_is_read_with_paths_from_its_folder(tmp_path):
    hub = load_councils(write(tmp_path, TWO_COUNCILS))
    first, second = hub.councils
    assert (first.la_code, second.la_code) == ("201", "202")  # an unquoted 202 is still the code "202"
    assert first.cms_url == f"sqlite:///{tmp_path}/201/ssd.sqlite"
    assert first.health_dir == str(tmp_path / "201" / "health") and first.output_dir == "/srv/201/output"
    assert second.warehouse_url == f"duckdb:///{tmp_path}/202/warehouse.duckdb"
    assert first.dagster_home == str(tmp_path / "dagster_home" / "201") and second.dagster_home == "/srv/202/dagster"
    assert hub.regional.warehouse_url == f"duckdb:///{tmp_path}/regional/regional_set.duckdb"
    assert hub.regional.max_age_hours == 12 and hub.regional.on_refused == "skip"
    assert second.env["CS_PIPELINE_SHARED_HASH_KEY"] == "${HUB_KEY}"  # the defaults reach every council


def test_a_councils_process_gets_its_own_settings_and_no_other_councils_secret(tmp_path):
    hub = load_councils(write(tmp_path, TWO_COUNCILS))
    env = {"HUB_KEY": "k" * 20, "FIRST_WH_PASSWORD": "first-secret", "SECOND_CMS_PASSWORD": "second-secret",
           "PATH": "/usr/bin", "CS_PIPELINE_WAREHOUSE_URL": "duckdb:///the-hubs-own.duckdb", "DAGSTER_HOME": "/hub"}
    child = hub.child_environment(hub.council("201"), env)
    assert child["CS_PIPELINE_WAREHOUSE_URL"] == "postgresql://pipeline:first-secret@pg.hub/cs_201"
    assert child["CS_PIPELINE_LA_CODE"] == "201" and child["CS_PIPELINE_SHARED_HASH_KEY"] == "k" * 20
    assert child["DAGSTER_HOME"] == str(tmp_path / "dagster_home" / "201") and child["PATH"] == "/usr/bin"
    assert "second-secret" not in child.values()  # nor the referenced variables themselves
    assert not {"HUB_KEY", "FIRST_WH_PASSWORD", "SECOND_CMS_PASSWORD"} & set(child)
    assert "CS_PIPELINE_LOCAL_STANDARDS" not in child
    second = hub.child_environment(hub.council("202"), env)
    assert second["CS_PIPELINE_LOCAL_STANDARDS"] == '{"cp_visit_working_days": 15}'
    assert "first-secret" not in second.values()


def test_an_unset_reference_is_named_never_a_value(tmp_path):
    hub = load_councils(write(tmp_path, TWO_COUNCILS))
    with pytest.raises(MissingReference, match=r"council 201 \(First\): warehouse_url needs \$\{FIRST_WH_PASSWORD\}"):
        hub.child_environment(hub.council("201"), {"HUB_KEY": "k" * 20})


@pytest.mark.parametrize("entry, message", [
    ("warehouse_url: postgresql://pipeline:hunter2@pg/cs_201", "warehouse_url: the password must be a"),
    ("warehouse_url: 'mssql+pyodbc:///?odbc_connect=DRIVER%3Dx%3BUID%3Du%3BPWD%3Dhunter2'", "password must be"),
    ("env: {CS_PIPELINE_SHARED_HASH_KEY: a-key-written-in-clear}", "CS_PIPELINE_SHARED_HASH_KEY is a secret"),
    ("env: {CS_PIPELINE_WAREHOUSE_URL: duckdb:///x.duckdb}", "with the council's warehouse_url field"),
    ("env: {PGPASSWORD: x}", "CS_PIPELINE_\\* settings only"),
])
def test_secrets_in_clear_text_and_misplaced_settings_are_refused(tmp_path, entry, message):
    text = f"""
        councils:
          - la_code: "201"
            name: First
            cms_url: sqlite:///ssd.sqlite
            health_dir: health
            output_dir: out
            {entry}
    """
    if "warehouse_url" not in entry:
        text += "        warehouse_url: duckdb:///w.duckdb\n"
    with pytest.raises(CouncilsFileError, match=message):
        load_councils(write(tmp_path, text))


def test_councils_never_share_a_warehouse_or_the_regional_one(tmp_path):
    base = """
        regional: {{warehouse_url: {regional}}}
        councils:
          - {{la_code: "201", name: A, cms_url: "sqlite:///a.sqlite", health_dir: a, warehouse_url: "duckdb:///a.duckdb", output_dir: a}}
          - {{la_code: "202", name: B, cms_url: "sqlite:///b.sqlite", health_dir: b, warehouse_url: "{second}", output_dir: b}}
    """
    with pytest.raises(CouncilsFileError, match="201 and 202 have the same warehouse_url"):
        load_councils(write(tmp_path, base.format(regional="duckdb:///r.duckdb", second="duckdb:///a.duckdb")))
    with pytest.raises(CouncilsFileError, match="regional warehouse_url is council 202's"):
        load_councils(write(tmp_path, base.format(regional="duckdb:///b.duckdb", second="duckdb:///b.duckdb")))
    with pytest.raises(CouncilsFileError, match="la_code must be a 3-digit"):
        load_councils(write(tmp_path, base.format(regional="duckdb:///r.duckdb", second="x").replace('"202"', '"2020"')))


def test_the_hub_workspace_loads_with_dagster_cli(tmp_path):
    """regional_workspace.yaml as `dagster dev` loads it: the councils file named in the environment, a partition per
    council; nothing is run and no secret is needed to load."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cs_pipeline.config import PROJECT_ROOT
    from cs_pipeline.hub.synthetic import write_hub_instance

    path = write(tmp_path, TWO_COUNCILS)
    write_hub_instance(tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    env |= {"DAGSTER_HOME": str(tmp_path / "home"), "CS_PIPELINE_COUNCILS_FILE": str(path)}
    proc = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w",
                           "regional_workspace.yaml"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "All code locations passed validation" in proc.stdout + proc.stderr
