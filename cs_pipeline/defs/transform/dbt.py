"""The dbt project in dbt_style_sql/, wired in with dagster-dbt.

All models run in one dbt step, so Dagster's own blocking would let one broken source stop every mart. Instead
the source stages report structural failures as ERROR checks, and this step leaves out exactly the staging models
of sources that failed one in this run, and everything built on them (`dbt build --exclude stg_x+`): the rest of
the council's morning figures are still built, and the blocked models keep their previous tables. A failed linkage
ERROR check likewise leaves out every model reading the crosswalk (`--exclude source:linkage+`).

The marts are built aside (schema marts_build) and published into ``marts`` in one transaction once the whole
build has succeeded (cs_pipeline/publish/marts.py): a BI reader never meets a half-built set, and a failed build
leaves the last good marts published.

Model asset keys are `<schema>/<model>` (e.g. `marts/iha_timeliness`); sources keep dagster-dbt's
`<source>/<table>` keys, which are exactly the keys of the extract and quality assets (`raw/ssd_person`,
`quarantine/ssd_person`), so lineage runs straight through.
"""

import importlib.metadata
import json
import os
import shutil
import sys
from pathlib import Path
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from cs_pipeline.config import PROJECT_ROOT, Settings
from cs_pipeline.defs.operations import FRESH_KEY_PREFIXES, NIGHTLY_FRESHNESS, OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.dbt_env import dbt_env, prepare_manifest
from cs_pipeline.lib.lineage import MART_ITEM_KEYS, write_lineage
from cs_pipeline.publish.marts import BUILD_SCHEMA, PUBLISHED_SCHEMA, publish_marts
from cs_pipeline.quality.engine import staging_model_for

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_style_sql"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
prepare_manifest(DBT_PROJECT_DIR)


# the asset group of each model schema (the folder under models/); marts_build is where the marts are built, never a
# group: a mart's configured schema is marts
MODEL_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts", BUILD_SCHEMA: "marts",
                "returns": "returns"}


class CsDbtTranslator(DagsterDbtTranslator):
    """Keys ``<schema>/<model>``; group = the model's stage; the team's owners; the marts and returns due by the
    nightly deadline. Descriptions come from the models' ``_*__models.yml``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            schema = dbt_resource_props.get("config", {}).get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema") or "transform"
        return MODEL_GROUPS.get(schema, schema)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return [*OWNERS, *[o for o in super().get_owners(dbt_resource_props) or [] if o not in OWNERS]]

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("model.") and spec.key.path[0] in FRESH_KEY_PREFIXES:
            return spec.replace_attributes(freshness_policy=NIGHTLY_FRESHNESS)
        return spec


class CsDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs it pays at every invocation that this project has no use for
    (3.4 s of a 12 s health-drop dbt step, measured): `dbt --version` in a subprocess (2.9 s) when the dbt is the
    one installed beside this Python, whose version the package metadata gives; and a dbt adapter built in this
    process (profile, project, macros), which dagster-dbt needs only to fetch column metadata or row counts."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == BUNDLED_DBT:
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        return None


# The dbt installed beside this Python, so a venv works without being activated.
BUNDLED_DBT = Path(sys.executable).parent / "dbt"


def dbt_resource() -> DbtCliResource:
    return CsDbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(BUNDLED_DBT) if BUNDLED_DBT.exists() else "dbt",
    )


def dbt_selector_for(asset_key: dg.AssetKey) -> str | None:
    """The dbt models that read what an asset wrote: raw/ssd_person or quarantine/ssd_person -> stg_ssd__person;
    raw/health_x -> stg_health__x; any linkage/* table -> source:linkage (every model reading the crosswalk)."""
    if len(asset_key.path) != 2:
        return None
    schema, table = asset_key.path
    if schema in ("raw", "quarantine") and table.startswith(("ssd_", "health_")):
        return staging_model_for(table)
    if schema == "linkage":
        return "source:linkage"
    return None


def blocked_dbt_selectors(evaluations) -> dict[str, list[str]]:
    """dbt selectors whose upstream asset failed an ERROR check in this run -> the failed checks (`asset:check`)."""
    blocked: dict[str, list[str]] = {}
    for evaluation in evaluations:
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        selector = dbt_selector_for(evaluation.asset_key)
        if selector:
            blocked.setdefault(selector, []).append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return blocked


def check_evaluations_of_this_run(context: dg.AssetExecutionContext) -> list:
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]


def dbt_build_args(settings: Settings, blocked: dict[str, list[str]]) -> list[str]:
    """`dbt build` with the council's local standards as vars (the run's dates are in dbt_env), the marts built
    aside for publishing, leaving out what failed an ERROR check upstream."""
    args = ["build", "--vars", json.dumps({**settings.local_standards, "marts_schema": BUILD_SCHEMA})]
    if blocked:
        args += ["--exclude", *(f"{selector}+" for selector in sorted(blocked))]
    return args


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=CsDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineSettings):
    settings = pipeline.settings()
    # The dbt subprocess inherits our environment: point it at this run's warehouse and as-at date.
    os.environ.update(dbt_env(settings))
    blocked = blocked_dbt_selectors(check_evaluations_of_this_run(context))
    for selector, checks in sorted(blocked.items()):
        context.log.error(f"{selector} and everything built on it not run: failed {', '.join(checks)}")
    if settings.local_standards:
        context.log.info(f"local standards: {json.dumps(settings.local_standards)}")
    with pipeline.warehouse_released():
        invocation = dbt.cli(dbt_build_args(settings, blocked), context=context)
        yield from invocation.stream()  # raises when any model or ERROR test failed: nothing is then published
    keep_parse_state(Path(invocation.target_path))
    published = publish_marts(pipeline.warehouse(), built_marts(invocation.get_artifact("run_results.json"),
                                                                invocation.manifest))
    context.log.info(f"published {len(published.rows)} marts in one transaction ({published.seconds:.1f} s)"
                     + (f"; new: {', '.join(published.created)}" if published.created else "")
                     + (f"; created again (columns changed): {', '.join(published.recreated)}"
                        if published.recreated else ""))
    lineage = write_lineage(pipeline.warehouse(), PUBLISHED_SCHEMA,
                            [mart for mart in published.rows if mart in MART_ITEM_KEYS], context.run.run_id)
    context.log.info(f"lineage of {len(lineage)} timeliness marts: {sum(lineage.values())} (due item, source row) "
                     "pairs in ops.lineage")


def keep_parse_state(invocation_target: Path) -> None:
    """This build's partial-parse state, for the next: dagster-dbt seeds each invocation from the project's, so the
    next run with the same settings and as-at date (a health-drop run after the nightly) parses only what changed,
    where a full parse of the project takes about 10 s."""
    built = invocation_target / "partial_parse.msgpack"
    if built.exists():
        kept = Path(dbt_project.project_dir, dbt_project.target_path, "partial_parse.msgpack")
        staged = kept.with_suffix(".msgpack.tmp")
        shutil.copyfile(built, staged)
        os.replace(staged, kept)   # whole or not at all: a run starting meanwhile reads the old or the new


def built_marts(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[str]:
    """The mart models this dbt invocation built (the ones to publish; a model left out keeps its published table)."""
    nodes = manifest["nodes"]
    return sorted(
        nodes[r["unique_id"]]["name"] for r in run_results["results"]
        if r["unique_id"].startswith("model.") and r["status"] == "success"
        and nodes[r["unique_id"]].get("config", {}).get("schema") == PUBLISHED_SCHEMA
    )
