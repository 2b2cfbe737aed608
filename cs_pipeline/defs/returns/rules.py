"""DfE's validation rules in Dagster: one asset running every return's rules on the run's collection year
(``returns/dfe_rule_results``), and one WARN asset check per rule on the return table it is about.

One asset rather than one per return: both write ``returns.dfe_rule_results``, and one writer at a time keeps
DuckDB's single-writer lock out of the way. A return whose year has not been built is left out (logged); when
none has been, the asset fails rather than publish an empty result.
"""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

from cs_pipeline.defs.operations import NIGHTLY_FRESHNESS, OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.returns.keys import return_table_keys
from cs_pipeline.returns.cin import publish as cin_publish
from cs_pipeline.returns.cin.xml_message import model_name as cin_model
from cs_pipeline.returns.rule_results import RESULTS_TABLE, RUNS_TABLE
from cs_pipeline.returns.rules import all_rules
from cs_pipeline.returns.ssda903 import publish as ssda903_publish

RULE_RESULTS_KEY = dg.AssetKey(["returns", RESULTS_TABLE])


@dataclass(frozen=True)
class ReturnRules:
    name: str
    model_name: Callable[[str], str]
    validate: Callable  # (warehouse, year, settings) -> (RuleRun, rules)

    @property
    def table_keys(self) -> dict[str, dg.AssetKey]:
        return return_table_keys(self.name, self.model_name)


RETURNS = (
    ReturnRules("ssda903", ssda903_publish.model_name,
                lambda wh, year, settings: ssda903_publish.validate_in_warehouse(wh, year)),
    ReturnRules("cin", cin_model,
                lambda wh, year, settings: cin_publish.validate_in_warehouse(wh, year, settings.la_code)),
)


@dg.asset(
    key=RULE_RESULTS_KEY,
    deps=[key for r in RETURNS for key in r.table_keys.values()],
    group_name="returns",
    kinds={"python", "duckdb"},
    owners=OWNERS,
    freshness_policy=NIGHTLY_FRESHNESS,
    description="DfE's validation rules (SSDA903 and CIN census) run on the built returns of the run's collection "
    "year: one row per flag (return_name, collection_year, rule_code, table_name, child_id, row_id, message); "
    "returns.dfe_rule_runs says which rules ran.",
)
def dfe_rule_results(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    year, wh = settings.collection_year, pipeline.warehouse()
    metadata: dict = {"collection_year": str(year)}
    not_built = {}
    for ret in RETURNS:
        try:
            run, _rules = ret.validate(wh, year, settings)
        except ValueError as exc:  # the year of this return was not built
            not_built[ret.name] = str(exc)
            context.log.warning(str(exc))
            continue
        for code, error in sorted(run.failed.items()):
            context.log.error(f"{ret.name} rule {code} failed to run: {error}")
        metadata |= {
            f"{ret.name}_rules_run": len(run.ran),
            f"{ret.name}_rules_skipped": len(run.skipped),
            f"{ret.name}_rules_failed": len(run.failed),
            f"{ret.name}_flags": len(run.flags),
            f"{ret.name}_children_flagged": int(run.flags["child_id"].nunique()),
            f"{ret.name}_rules_flagging": int(run.flags["rule_code"].nunique()),
        }
    if len(not_built) == len(RETURNS):
        raise dg.Failure(f"no return has been built for {year}: " + "; ".join(not_built.values()))
    return dg.MaterializeResult(metadata=metadata)


def _rule_checks(ret: ReturnRules) -> dg.AssetChecksDefinition:
    keys = ret.table_keys
    specs: dict[str, dg.AssetCheckSpec] = {}
    for rule in all_rules(ret.name):
        table = next((t for t in rule.tables if t in keys), None)
        if rule.code in specs or table is None:
            continue
        specs[rule.code] = dg.AssetCheckSpec(
            name=f"dfe_{rule.code}",
            asset=keys[table],
            additional_deps=[RULE_RESULTS_KEY],
            description=f"DfE {rule.code}: {rule.message}"[:1000],
            blocking=False,
        )

    @dg.multi_asset_check(specs=list(specs.values()), can_subset=True, name=f"{ret.name}_dfe_rules")
    def checks(context: dg.AssetCheckExecutionContext, pipeline: PipelineSettings):
        """One WARN result per DfE rule, read from the rule results of the run's year (counts only)."""
        year = str(pipeline.settings().collection_year)
        wh = pipeline.warehouse()
        runs = wh.query_frame(
            f"select rule_code, status, detail, flags from returns.{RUNS_TABLE} "
            "where return_name = :r and collection_year = :y", r=ret.name, y=year,
        ).set_index("rule_code") if wh.table_exists("returns", RUNS_TABLE) else None
        children = wh.query_frame(
            f"select rule_code, count(distinct child_id) as children from returns.{RESULTS_TABLE} "
            "where return_name = :r and collection_year = :y group by rule_code", r=ret.name, y=year,
        ).set_index("rule_code")["children"].to_dict() if runs is not None else {}
        not_run = []
        for key in context.selected_asset_check_keys:
            code = key.name.removeprefix("dfe_")
            if runs is None or code not in runs.index or runs.loc[code, "status"] == "skipped":
                # not in the year, its tables (last year's) not supplied, or the return not built: no result, so
                # the UI shows the check as not executed in this run rather than passed
                not_run.append(code)
                continue
            status, detail, flags = runs.loc[code, ["status", "detail", "flags"]]
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=status == "ran" and int(flags) == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"collection_year": year, "status": status, "detail": str(detail or ""),
                          "flags": int(flags), "children": int(children.get(code, 0))},
            )
        if not_run:
            context.log.info(f"{len(not_run)} DfE {ret.name} rules not run for {year} (not in the year, or their "
                             f"tables not built): {' '.join(sorted(not_run))}")

    return checks


ssda903_rule_checks, cin_rule_checks = (_rule_checks(r) for r in RETURNS)
