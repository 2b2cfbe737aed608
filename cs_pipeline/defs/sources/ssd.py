"""One asset per SSD table: ``raw/ssd_<table>`` copies the contract columns from ``CS_PIPELINE_CMS_URL`` as text.

The work is in :mod:`cs_pipeline.lib.extract` (streamed in chunks, swapped in atomically; a failure leaves the
previous raw table untouched). Each table is its own asset, so a missing table or column fails only that asset.
Metadata carries counts and timings only, never values.
"""

import dagster as dg

from cs_pipeline.config import redact_url
from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.extract import RAW_SCHEMA, TABLE_LOG, SourceSchemaError, SourceUnavailable, extract_ssd_table
from cs_pipeline.lib.ssd_schema import extension_tables, ssd_tables

GROUP = "sources"
CHECK_NAME = "source_readable"


def ssd_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, table])


def build_ssd_asset(table: str) -> dg.AssetsDefinition:
    columns = [c.name for c in ssd_tables()[table]]
    extension = table in extension_tables()

    @dg.asset(
        key=ssd_asset_key(table),
        group_name=GROUP,
        kinds={"sql"},
        owners=OWNERS,
        description=(
            f"SSD table {table} copied from the case-management database (CS_PIPELINE_CMS_URL) into "
            f"{RAW_SCHEMA}.{table}: {len(columns)} contract columns as text, plus _row_key, _source, "
            "_extracted_at, _load_id."
        ),
        metadata={
            "contract_columns": len(columns),
            "warehouse_table": f"{RAW_SCHEMA}.{table}",
            "optional_extension": extension,
        },
        # ERROR but not Dagster-blocking: the dbt step leaves out this table's lineage itself (transform/dbt.py),
        # so one broken table does not stop every other table's models.
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_NAME, asset=ssd_asset_key(table), description="The source table and every contract column exist."
            )
        ],
    )
    def _extract(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
        settings = pipeline.settings()
        try:
            result = extract_ssd_table(settings.cms_url, pipeline.warehouse(), table, load_id=context.run.run_id)
        except SourceUnavailable as exc:  # tried CS_PIPELINE_EXTRACT_ATTEMPTS times already: the run fails
            context.log.error(str(exc))
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        except SourceSchemaError as exc:
            # The previous raw table is untouched; say exactly what is missing. The failed ERROR check keeps
            # this table's staging and everything built on it from running; other tables go on.
            message = f"{exc} ({redact_url(settings.cms_url)}); {RAW_SCHEMA}.{table} left as it was"
            context.log.error(message)
            return dg.MaterializeResult(
                metadata={"extract_failed": message, "raw_table_unchanged": True},
                check_results=[
                    dg.AssetCheckResult(
                        check_name=CHECK_NAME, passed=False, severity=dg.AssetCheckSeverity.ERROR, description=message
                    )
                ],
            )
        if not result.supplied:
            message = (
                f"optional extension table {table} is not in the source ({redact_url(settings.cms_url)}): "
                f"{RAW_SCHEMA}.{table} loaded empty and logged as not supplied; its measures say source_not_supplied"
            )
            context.log.warning(message)
            return dg.MaterializeResult(
                metadata={"source_supplied": False, "row_count": 0, "dagster/row_count": 0},
                check_results=[
                    dg.AssetCheckResult(
                        check_name=CHECK_NAME, passed=False, severity=dg.AssetCheckSeverity.WARN, description=message
                    )
                ],
            )
        context.log.info(
            f"{table}: {result.rows} rows in {result.chunks} chunk(s), {result.seconds:.2f}s "
            f"({result.rows_per_second} rows/s, {result.reader} reader"
            + (f"; not arrow: {result.reader_fallback}" if result.reader_fallback else "") + ")"
        )
        metadata = {
            "row_count": dg.MetadataValue.int(result.rows),
            "dagster/row_count": dg.MetadataValue.int(result.rows),
            "chunk_count": dg.MetadataValue.int(result.chunks),
            "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "rows_per_second": dg.MetadataValue.float(result.rows_per_second),
            "source": redact_url(settings.cms_url),
            "source_table": result.source_table,
            "reader": result.reader,  # arrow (ADBC) or sqlalchemy: CS_PIPELINE_EXTRACT_READER
            "source_supplied": True,
        }
        if result.reader_fallback:  # why not the Arrow reader (a type or driver name, never a value)
            metadata["reader_fallback"] = result.reader_fallback
        if result.renamed_columns:
            metadata["source_column_spellings"] = dg.MetadataValue.json(result.renamed_columns)
        return dg.MaterializeResult(
            metadata=metadata, check_results=[dg.AssetCheckResult(check_name=CHECK_NAME, passed=True)]
        )

    return _extract


ssd_assets = [build_ssd_asset(table) for table in ssd_tables()]

# Written by every extract above as it loads its table, not by an asset of its own: an external asset (registered
# with the dbt models, which read it as a source: transform/__init__.py), so the log has a stage, an owner and a
# description like every other table.
ssd_table_log = dg.AssetSpec(
    key=[RAW_SCHEMA, TABLE_LOG],
    deps=[ssd_asset_key(table) for table in ssd_tables()],
    group_name=GROUP,
    kinds={"sql"},
    owners=OWNERS,
    description=f"{RAW_SCHEMA}.{TABLE_LOG}: one row per SSD table with its latest extraction (supplied or not, rows, "
    "load id), written by each raw/ssd_* extract as it loads; an optional extension table the source lacks is logged "
    "as not supplied.",
    metadata={"warehouse_table": f"{RAW_SCHEMA}.{TABLE_LOG}"},
)
