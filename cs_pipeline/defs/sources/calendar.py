"""``staging/dim_calendar``: the England working-day calendar (TIMELINESS.md), written by Python, not dbt.

Range: 1990-01-01 (old enough for any date of birth or event in the SSD) to 31 December of the as-at year + 3
(every due date the marts compute). Fixed, not derived from the raw tables, so the calendar needs no upstream
and is the same for every source. Columns and arithmetic: see architecture.md and
:mod:`cs_pipeline.lib.working_days`.
"""

import dagster as dg

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.working_days import (
    CALENDAR_COLUMN_TYPES,
    CALENDAR_START,
    calendar_end,
    calendar_frame,
)

CALENDAR_KEY = dg.AssetKey(["staging", "dim_calendar"])


@dg.asset(
    key=CALENDAR_KEY,
    group_name="sources",
    kinds={"python"},
    owners=OWNERS,
    description=(
        "England working-day calendar (holidays GB/ENG): one row per day from 1990-01-01 to the end of the as-at "
        "year + 3; due date after N working days from d = first working day with working_day_index = "
        "index(d) + N; working days between d1 and d2 = index(d2) - index(d1)."
    ),
)
def dim_calendar(context: dg.AssetExecutionContext, pipeline: PipelineSettings) -> dg.MaterializeResult:
    settings = pipeline.settings()
    end = calendar_end(settings.as_at)
    frame = calendar_frame(CALENDAR_START, end)
    rows = pipeline.warehouse().replace_table("staging", "dim_calendar", [frame], CALENDAR_COLUMN_TYPES)
    return dg.MaterializeResult(
        metadata={
            "row_count": dg.MetadataValue.int(rows),
            "dagster/row_count": dg.MetadataValue.int(rows),
            "first_date": CALENDAR_START.isoformat(),
            "last_date": end.isoformat(),
            "working_days": dg.MetadataValue.int(int(frame["is_working_day"].sum())),
            "as_at": settings.as_at.isoformat(),
        }
    )
