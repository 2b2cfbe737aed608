"""Quality stage: one ``quarantine/<raw table>`` asset per raw table (GX suite + SQL rules, with asset checks),
post-dbt row conservation checks on the SSD staging models, and ``quality/validation_report``."""
import dagster as dg

from cs_pipeline.defs.quality.assets import quarantine_assets, staging_conservation_checks
from cs_pipeline.defs.quality.report import validation_report

defs = dg.Definitions(
    assets=[*quarantine_assets, validation_report],
    asset_checks=[*staging_conservation_checks],
)
