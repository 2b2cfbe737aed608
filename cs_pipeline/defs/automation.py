"""When the pipeline runs by itself: every night, and when the health provider drops new files.

Both start switched off; the data team turns them on in the UI (Automation) once the sources are configured.
- ``nightly_refresh``: every asset, after the case-management system's own overnight jobs. The cron is
  ``CS_PIPELINE_NIGHTLY_CRON`` (default 06:00), in England's time; the run's as-at date is the scheduled day (its
  ``cs_pipeline/as_at`` tag) unless ``CS_PIPELINE_AS_AT`` fixes it. The marts and returns are due by
  ``CS_PIPELINE_NIGHTLY_DEADLINE`` on the same days (their freshness policy: cs_pipeline/defs/operations.py).
- ``health_drop_refresh``: the health extracts and everything built on them, when a new or changed file has sat
  unchanged in ``CS_PIPELINE_HEALTH_DIR`` for ``SETTLE_SECONDS`` (a provider may still be uploading it). Files are
  told apart by name, size and modification time; their names hold no personal data.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from cs_pipeline.config import Settings
from cs_pipeline.defs.operations import TIMEZONE
from cs_pipeline.defs.resources import AS_AT_TAG
from cs_pipeline.defs.sources.health import health_assets
from cs_pipeline.lib.health_files import HEALTH_KINDS, SETTLE_SECONDS, list_health_files

SENSOR_INTERVAL_SECONDS = 300

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Every asset: extract, validate, link, rebuild the marts, with every check.",
)

health_drop_refresh = dg.define_asset_job(
    "health_drop_refresh",
    selection=dg.AssetSelection.assets(*health_assets).downstream(),
    description="The health extracts and what is built on them (quarantine, linkage, health measures).",
)


@dg.schedule(
    job=nightly_refresh,
    cron_schedule=Settings.from_env().nightly_cron,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every asset every night (CS_PIPELINE_NIGHTLY_CRON, England's time).",
)
def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # the scheduled day, not the day the run happens to start: a late or re-run night measures the same day
    return dg.RunRequest(run_key=None, tags={AS_AT_TAG: context.scheduled_execution_time.date().isoformat()})


def delivered_files(folder: Path, now: float, settle_seconds: float = SETTLE_SECONDS) -> dict[str, str]:
    """name -> "size:mtime_ns" of every health extract in the folder that has not changed for settle_seconds."""
    found: dict[str, str] = {}
    for kind in HEALTH_KINDS:
        paths, _ = list_health_files(folder, kind)
        for path in paths:
            stat = path.stat()
            if now - stat.st_mtime >= settle_seconds:
                found[path.name] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


@dg.sensor(
    job=health_drop_refresh,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs health_drop_refresh when a new or changed health extract lands in CS_PIPELINE_HEALTH_DIR.",
)
def health_drop_sensor(context: dg.SensorEvaluationContext):
    folder = Settings.from_env().health_dir
    if not folder.is_dir():
        return dg.SkipReason(f"health folder not found: {folder} (CS_PIPELINE_HEALTH_DIR)")
    seen = json.loads(context.cursor) if context.cursor else {}
    now_files = delivered_files(folder, time.time())
    new = sorted(name for name, signature in now_files.items() if seen.get(name) != signature)
    context.update_cursor(json.dumps({**seen, **now_files}, sort_keys=True))
    if not new:
        return dg.SkipReason("no new or changed health extract")
    run_key = hashlib.sha256(json.dumps([[n, now_files[n]] for n in new]).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"cs_pipeline/health_files": str(len(new))})


defs = dg.Definitions(
    jobs=[nightly_refresh, health_drop_refresh],
    schedules=[nightly_refresh_schedule],
    sensors=[health_drop_sensor],
)
