"""SSDA903 in Dagster: the upload files, DfE's rules on the built return, and one WARN check per rule.

The return tables are dbt models (``returns/ssda903_<table>``); dbt builds the run's collection year (see
PipelineSettings). Every asset here is unpartitioned, because Dagster's ``asset materialize --select '*'`` refuses a
selection mixing partitioned and unpartitioned assets, and the whole-pipeline command must keep building the
default year. Past years are rebuilt by ``rebuild_ssda903_year``, a job partitioned by collection year: its run
carries the year as the ``cs_pipeline/collection_year`` tag, which every returns step reads.
"""

import dagster as dg

from cs_pipeline.defs.resources import COLLECTION_YEAR_TAG, PipelineSettings
from cs_pipeline.returns.collection_year import return_tables, supported_years
from cs_pipeline.returns.rules import all_rules
from cs_pipeline.returns.rule_results import RESULTS_TABLE, RUNS_TABLE
from cs_pipeline.returns.ssda903.publish import RETURN_NAME, model_name, validate_in_warehouse, write_upload_files

YEARS = supported_years(RETURN_NAME)
TABLES = sorted({name for year in YEARS for name in return_tables(RETURN_NAME, year)})
TABLE_KEYS = {name: dg.AssetKey(["returns", model_name(name)]) for name in TABLES}
RULE_RESULTS_KEY = dg.AssetKey(["returns", RESULTS_TABLE])


@dg.asset(
    key=["returns", "ssda903_files"],
    deps=list(TABLE_KEYS.values()),
    group_name="returns",
    description="DfE's SSDA903 upload CSVs for the run's collection year (returns/ssda903/<year>/ under "
    "CS_PIPELINE_OUTPUT_DIR): DfE's headers, dates DD/MM/YYYY, UTF-8, stable row order.",
)
def ssda903_files(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    year = settings.collection_year
    written = write_upload_files(pipeline.warehouse(), year, settings.output_dir)
    context.log.info(f"SSDA903 {year}: {sum(written.values())} rows in {len(written)} files")
    return dg.MaterializeResult(
        metadata={
            "collection_year": str(year),
            "folder": dg.MetadataValue.path(str(settings.output_dir / "returns" / RETURN_NAME / str(year))),
            **{f"rows_{name.removesuffix('.csv')}": rows for name, rows in written.items()},
        }
    )


@dg.asset(
    key=RULE_RESULTS_KEY,
    deps=list(TABLE_KEYS.values()),
    group_name="returns",
    description="DfE's validation rules run on the built return: one row per flag (return_name, collection_year, "
    "rule_code, table_name, child_id, row_id, message); returns.dfe_rule_runs says which rules ran.",
)
def dfe_rule_results(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    year = pipeline.settings().collection_year
    run, rules = validate_in_warehouse(pipeline.warehouse(), year)
    for code, error in sorted(run.failed.items()):
        context.log.error(f"rule {code} failed to run: {error}")
    return dg.MaterializeResult(
        metadata={
            "collection_year": str(year),
            "rules_run": len(run.ran),
            "rules_skipped": len(run.skipped),
            "rules_failed": len(run.failed),
            "flags": len(run.flags),
            "children_flagged": int(run.flags["child_id"].nunique()),
            "rules_flagging": int(run.flags["rule_code"].nunique()),
        }
    )


def _check_name(code: str) -> str:
    return f"dfe_{code}"


def _rule_specs() -> list[dg.AssetCheckSpec]:
    specs: dict[str, dg.AssetCheckSpec] = {}
    for rule in all_rules(RETURN_NAME):
        if rule.code in specs:
            continue
        table = next(t for t in rule.tables if not t.endswith("_last"))
        specs[rule.code] = dg.AssetCheckSpec(
            name=_check_name(rule.code),
            asset=TABLE_KEYS[table],
            additional_deps=[RULE_RESULTS_KEY],
            description=f"DfE {rule.code}: {rule.message}"[:1000],
            blocking=False,
        )
    return list(specs.values())


@dg.multi_asset_check(specs=_rule_specs(), can_subset=True, name="ssda903_dfe_rules")
def ssda903_rule_checks(context: dg.AssetCheckExecutionContext, pipeline: PipelineSettings):
    """One WARN result per DfE rule, read from the rule results of the run's year (counts only)."""
    year = str(pipeline.settings().collection_year)
    wh = pipeline.warehouse()
    runs = wh.query_frame(
        f"select rule_code, status, detail, flags from returns.{RUNS_TABLE} "
        "where return_name = :r and collection_year = :y",
        r=RETURN_NAME, y=year,
    ).set_index("rule_code")
    children = wh.query_frame(
        f"select rule_code, count(distinct child_id) as children from returns.{RESULTS_TABLE} "
        "where return_name = :r and collection_year = :y group by rule_code",
        r=RETURN_NAME, y=year,
    ).set_index("rule_code")["children"].to_dict()
    not_run = []
    for key in context.selected_asset_check_keys:
        code = key.name.removeprefix("dfe_")
        if code not in runs.index or runs.loc[code, "status"] == "skipped":
            # not applicable to the year, or its tables (last year's) not supplied: no result, so the UI shows the
            # check as not executed in this run rather than passed
            not_run.append(code)
            continue
        status, detail, flags = runs.loc[code, ["status", "detail", "flags"]]
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=status == "ran" and int(flags) == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "collection_year": year,
                "status": status,
                "detail": str(detail or ""),
                "flags": int(flags),
                "children": int(children.get(code, 0)),
            },
        )
    if not_run:
        context.log.info(f"{len(not_run)} DfE rules not run for {year} (not in the year, or last year's tables not "
                         f"built): {' '.join(sorted(not_run))}")


returns_selection = (
    dg.AssetSelection.assets(*TABLE_KEYS.values()) | dg.AssetSelection.assets(ssda903_files, dfe_rule_results)
)

rebuild_ssda903_year = dg.define_asset_job(
    "rebuild_ssda903_year",
    selection=returns_selection,
    description="Rebuild one collection year's SSDA903 (tables, files, DfE's rules): launch it with the tag "
    f"{COLLECTION_YEAR_TAG}=<year> (e.g. 2024-25; without it, the default year); the year's rows replace only "
    "that year's rows.",
)
