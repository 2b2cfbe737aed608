"""dbt models (staging, intermediate, marts) as Dagster assets through dagster-dbt."""
from __future__ import annotations

import dagster as dg

from cs_pipeline.defs.transform.dbt import dbt_models, dbt_resource

defs = dg.Definitions(assets=[dbt_models], resources={"dbt": dbt_resource()})
