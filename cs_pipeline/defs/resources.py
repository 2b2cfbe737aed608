"""Resources every stage shares, built from the CS_PIPELINE_* settings."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg

from cs_pipeline.config import Settings, parse_local_standards
from cs_pipeline.lib.warehouse import Warehouse


class PipelineSettings(dg.ConfigurableResource):
    """The run's configuration (INTERFACE.md section 3); defaults come from the environment at load time."""

    cms_url: str
    health_dir: str
    warehouse_url: str
    output_dir: str
    as_at: str
    la_code: str
    local_standards: str = "{}"  # JSON object of dbt vars (CS_PIPELINE_LOCAL_STANDARDS)

    @classmethod
    def from_settings(cls, s: Settings) -> "PipelineSettings":
        return cls(
            cms_url=s.cms_url,
            health_dir=str(s.health_dir),
            warehouse_url=s.warehouse_url,
            output_dir=str(s.output_dir),
            as_at=s.as_at.isoformat(),
            la_code=s.la_code,
            local_standards=json.dumps(s.local_standards),
        )

    def settings(self) -> Settings:
        return Settings(
            cms_url=self.cms_url,
            health_dir=Path(self.health_dir),
            warehouse_url=self.warehouse_url,
            output_dir=Path(self.output_dir),
            as_at=dt.date.fromisoformat(self.as_at),
            la_code=self.la_code,
            local_standards=parse_local_standards(self.local_standards),
        )

    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_url)
