"""One asset per raw table, ``quarantine/<raw table>``: runs its suite and cross rules, writes the quarantine table.

Every suite entry, cross rule and structural check is an asset check on that asset:
- row-level rules: the failing rows are quarantined (ERROR rules) or kept (WARN rules) and the check *fails with
  WARN severity*, so the run goes on and the UI shows what was found;
- structural checks (``structure_valid``, ``rows_conserved``, ``quarantine_share``) are ERROR: when one fails, the
  dbt step leaves out the table's staging model and everything below it (see ``defs/transform/dbt.py``), while
  other tables go on.

Check metadata: the rule, its severity, the failing-row count and a sample of ``_row_key``s and record ids (never
names, NHS numbers or dates of birth).
"""

import os

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.quality.engine import (
    DEFAULT_MAX_QUARANTINED_SHARE,
    DEFAULT_MIN_ROWS_FOR_SHARE,
    RuleResult,
    TableValidation,
    conservation_counts,
    staging_model_for,
    validate_table,
)
from cs_pipeline.quality.rules import RULES, STRUCTURAL_RULES
from cs_pipeline.quality.suite_spec import TableSuite, all_suites

GROUP = "quality"
MAX_SHARE_ENV = "CS_PIPELINE_QUARANTINE_MAX_SHARE"


class QuarantineConfig(dg.Config):
    """Run config of a quarantine asset."""

    max_quarantined_share: float | None = None  # None: the suite's value, else $CS_PIPELINE_QUARANTINE_MAX_SHARE, else 0.2
    min_rows_for_share: int = DEFAULT_MIN_ROWS_FOR_SHARE  # smaller tables are not judged on their share


def quarantine_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["quarantine", table])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _check_names(suite: TableSuite) -> list[tuple[str, str, bool]]:
    """(check name, description, blocking) for every check of a table's quarantine asset."""
    # Structural checks are ERROR but not Dagster-blocking: all dbt models run in one step, which leaves out the
    # lineage of tables that failed one (transform/dbt.py), so other tables' figures are still built.
    checks = [(r, RULES[r].description, False) for r in STRUCTURAL_RULES]
    checks += [(e.check_name, f"{RULES[e.rule_id].description} [{e.effective_severity}]", False)
               for e in suite.expectations]
    checks += [(r, f"{RULES[r].description} [{RULES[r].default_severity}]", False) for r in suite.cross_rules]
    return checks


def check_result(table: str, r: RuleResult, v: TableValidation) -> dg.AssetCheckResult:
    metadata = {
        "rule": dg.MetadataValue.text(r.rule_id),
        "rule_severity": dg.MetadataValue.text(r.severity),
        "failing_rows": dg.MetadataValue.int(r.failing_rows),
        "evaluated": dg.MetadataValue.bool(r.evaluated),
    }
    if r.column:
        metadata["column"] = dg.MetadataValue.text(r.column)
    if r.sample_row_keys:
        metadata["sample_row_keys"] = dg.MetadataValue.json(r.sample_row_keys)
    if r.sample_record_ids:
        metadata["sample_record_ids"] = dg.MetadataValue.json(r.sample_record_ids)
    if r.note:
        metadata["note"] = dg.MetadataValue.text(r.note)
    if r.structural:
        metadata["raw_rows"] = dg.MetadataValue.int(v.raw_rows)
        metadata["quarantined_rows"] = dg.MetadataValue.int(v.quarantined_rows)
        severity = dg.AssetCheckSeverity.ERROR
    else:
        severity = dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        asset_key=quarantine_key(table),
        check_name=r.check_name,
        passed=bool(r.passed),
        severity=severity,
        metadata=metadata,
        description=r.note or None,
    )


def resolve_max_share(config: QuarantineConfig, suite: TableSuite) -> float:
    if config.max_quarantined_share is not None:
        return config.max_quarantined_share
    if suite.max_quarantined_share is not None:
        return float(suite.max_quarantined_share)
    env = os.environ.get(MAX_SHARE_ENV)
    return float(env) if env else DEFAULT_MAX_QUARANTINED_SHARE


def build_quarantine_asset(suite: TableSuite) -> dg.AssetsDefinition:
    table = suite.table
    key = quarantine_key(table)
    deps = [raw_key(table)] + [raw_key(t) for t in sorted(suite.referenced_tables())]
    check_specs = [
        dg.AssetCheckSpec(name=name, asset=key, description=desc, blocking=blocking)
        for name, desc, blocking in _check_names(suite)
    ]

    @dg.asset(
        key=key,
        group_name=GROUP,
        deps=deps,
        check_specs=check_specs,
        kinds={"great_expectations", "sql"},
        owners=OWNERS,
        description=(
            f"Rows of raw.{table} rejected by validation (suite cs_pipeline/quality/suites/{table}.yaml and "
            "cross-table rules), with rule, severity, message and the original values. Always present; empty "
            "when nothing is rejected. Staging reads raw rows whose _row_key is not here."
        ),
        metadata={"warehouse_table": f"quarantine.{table}", "suite": f"cs_pipeline/quality/suites/{table}.yaml"},
    )
    def _quarantine(context: dg.AssetExecutionContext, config: QuarantineConfig, pipeline: PipelineSettings):
        settings = pipeline.settings()
        v = validate_table(
            pipeline.warehouse(),
            table,
            as_at=settings.as_at,
            run_id=context.run.run_id,
            suite=suite,
            max_quarantined_share=resolve_max_share(config, suite),
            min_rows_for_share=config.min_rows_for_share,
        )
        for r in v.structural_failures:
            context.log.error(f"raw.{table}: {r.rule_id} failed: {r.note}")
        failing = [r for r in v.results if not r.structural and r.failing_rows]
        context.log.info(
            f"raw.{table}: {v.raw_rows} rows, {v.quarantined_rows} quarantined, {v.warned_rows} kept with warnings; "
            f"{len(failing)} rule(s) with failing rows; {v.seconds.get('total', 0):.2f}s"
        )
        return dg.MaterializeResult(
            metadata={
                "raw_rows": dg.MetadataValue.int(v.raw_rows),
                "quarantined_rows": dg.MetadataValue.int(v.quarantined_rows),
                "staging_eligible_rows": dg.MetadataValue.int(v.eligible_rows),
                "warned_rows": dg.MetadataValue.int(v.warned_rows),
                "rules_failing": dg.MetadataValue.json({r.check_name: r.failing_rows for r in failing}),
                "code_list_year": dg.MetadataValue.int(v.code_list_year),
                "seconds": dg.MetadataValue.float(round(v.seconds.get("total", 0.0), 3)),
            },
            check_results=[check_result(table, r, v) for r in v.results],
        )

    return _quarantine


CONSERVATION_CHECK = "rows_conserved_from_raw"


def build_staging_conservation_checks(tables: list[str]) -> dg.AssetChecksDefinition:
    """After dbt: each SSD staging model has exactly the raw rows not quarantined (one row per raw row).

    One step for every table's check rather than one step each."""
    specs = {
        dg.AssetCheckKey(dg.AssetKey(["staging", staging_model_for(t)]), CONSERVATION_CHECK): (
            t, dg.AssetCheckSpec(CONSERVATION_CHECK, asset=dg.AssetKey(["staging", staging_model_for(t)]),
                                 additional_deps=[quarantine_key(t)], blocking=False,
                                 description=f"staging.{staging_model_for(t)} row count = raw.{t} rows minus "
                                 "quarantined rows"))
        for t in tables
    }

    @dg.multi_asset_check(specs=[spec for _, spec in specs.values()], name="staging_rows_conserved_from_raw",
                          can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, pipeline: PipelineSettings):
        wh = pipeline.warehouse()
        for key in sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.path):
            yield _conservation_result(wh, specs[key][0], key)

    return _checks


def _conservation_result(wh: Warehouse, table: str, key: dg.AssetCheckKey) -> dg.AssetCheckResult:
    model = key.asset_key.path[-1]
    if not wh.table_exists("staging", model):
        return dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=True,
                                   metadata={"note": f"staging.{model} does not exist yet"})
    counts = conservation_counts(wh, table)
    staged = wh.row_count("staging", model)
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=staged == counts["eligible"],
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"raw_rows": counts["raw"], "quarantined_rows": counts["quarantined"],
                  "staging_eligible_rows": counts["eligible"], "staging_rows": staged},
    )


SUITES = all_suites()
quarantine_assets = [build_quarantine_asset(s) for s in SUITES.values()]
staging_conservation_checks = [build_staging_conservation_checks([t for t in SUITES if t.startswith("ssd_")])]
