"""dbt models (staging, intermediate, marts) as Dagster assets through dagster-dbt."""
from __future__ import annotations

import dagster as dg

from cs_pipeline.defs.sources.ssd import ssd_table_log
from cs_pipeline.defs.transform.dbt import dbt_models, dbt_resource

# raw/ssd_table_log: the one dbt source no asset materialises (the SSD extracts write it as they load)
defs = dg.Definitions(assets=[dbt_models, ssd_table_log], resources={"dbt": dbt_resource()})
