"""The dbt project in dbt_style_sql/, wired in with dagster-dbt.

Model asset keys are `<schema>/<model>` (e.g. `marts/iha_timeliness`); sources keep dagster-dbt's
`<source>/<table>` keys, which are exactly the keys of the extract and quality assets (`raw/ssd_person`,
`quarantine/ssd_person`), so lineage runs straight through.
"""

import os
import sys
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.dbt_env import dbt_env, prepare_manifest

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_style_sql"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
prepare_manifest(DBT_PROJECT_DIR)


class CsDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            schema = dbt_resource_props.get("config", {}).get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "transform"


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python, so a venv works without being activated.
    dbt_executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
    )


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=CsDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineSettings):
    # The dbt subprocess inherits our environment: point it at this run's warehouse and as-at date.
    os.environ.update(dbt_env(pipeline.settings()))
    yield from dbt.cli(["build"], context=context).stream()
