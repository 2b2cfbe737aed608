"""Extract stage: SSD tables (SQLAlchemy), health CSV drops, and the England working-day calendar."""
import dagster as dg

from cs_pipeline.defs.sources.calendar import dim_calendar
from cs_pipeline.defs.sources.health import health_assets
from cs_pipeline.defs.sources.ssd import ssd_assets

defs = dg.Definitions(assets=[*ssd_assets, *health_assets, dim_calendar])
