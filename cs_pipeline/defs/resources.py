"""Resources every stage shares, built from the CS_PIPELINE_* settings."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from cs_pipeline.config import Settings, london_today, parse_failure_hook, parse_local_standards
from cs_pipeline.lib.warehouse import Warehouse


AS_AT_TAG = "cs_pipeline/as_at"
COLLECTION_YEAR_TAG = "cs_pipeline/collection_year"


class PipelineSettings(dg.ConfigurableResource):
    """The run's configuration (INTERFACE.md section 3), from the environment.

    The as-at date is, first found: ``as_at`` (``CS_PIPELINE_AS_AT``), the run's ``cs_pipeline/as_at`` tag (set by
    the nightly schedule; add it in the launchpad to re-measure a past day), the day the run starts. The returns'
    collection year likewise: ``collection_year`` (``CS_PIPELINE_COLLECTION_YEAR``), the run's
    ``cs_pipeline/collection_year`` tag (set by the rebuild-a-year job), the latest year ended by the as-at date.
    """

    cms_url: str
    health_dir: str
    warehouse_url: str
    output_dir: str
    as_at: str = ""  # YYYY-MM-DD; empty: the day the run starts (a long-lived code server must not freeze it)
    la_code: str
    local_standards: str = "{}"  # JSON object of dbt vars (CS_PIPELINE_LOCAL_STANDARDS)
    collection_year: str = ""  # 2025-26; empty: the run's tag, else the latest year ended by the as-at date
    annex_a_start: str = ""  # YYYY-MM-DD (CS_PIPELINE_ANNEX_A_START); empty: six months before the window's end
    annex_a_end: str = ""  # YYYY-MM-DD (CS_PIPELINE_ANNEX_A_END); empty: the as-at date
    failure_hook: str = ""  # module:function (CS_PIPELINE_FAILURE_HOOK) given each failed run's report; empty: none
    _run_as_at: str = PrivateAttr(default="")
    _run_collection_year: str = PrivateAttr(default="")
    _held_open: contextlib.ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        self._run_as_at = run.tags.get(AS_AT_TAG, "") if run else ""
        self._run_collection_year = run.tags.get(COLLECTION_YEAR_TAG, "") if run else ""
        self._hold_warehouse_open()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._release_warehouse()

    # A run's steps make thousands of small queries; on DuckDB each would open and checkpoint the file (30-40 ms).
    # The resource lives for the run in one process (DuckDB runs go step by step in process), so it holds the file
    # open for the run, and lets go while dbt's subprocess has it (warehouse_released) and when the run ends.
    def _hold_warehouse_open(self) -> None:
        if self._held_open is None:
            stack = contextlib.ExitStack()
            try:
                stack.enter_context(self.warehouse().kept_open())
            except Exception:  # noqa: BLE001 - only a saving: each step opens the file itself and says why it can't
                return
            self._held_open = stack

    def _release_warehouse(self) -> None:
        held, self._held_open = self._held_open, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def warehouse_released(self) -> Iterator[None]:
        """The warehouse file let go for a block in which another process (dbt) opens it."""
        holding = self._held_open is not None
        self._release_warehouse()
        try:
            yield
        finally:
            if holding:
                self._hold_warehouse_open()

    @classmethod
    def from_env(cls) -> "PipelineSettings":
        """The code location's resource: URLs set in the environment stay ``EnvVar`` s, read when a run starts and
        never shown in the UI (they may hold passwords); the as-at date is left to the run unless fixed."""
        s = Settings.from_env()

        def url(name: str, default: str):
            return dg.EnvVar(name) if os.environ.get(name) else default

        return cls(
            cms_url=url("CS_PIPELINE_CMS_URL", s.cms_url),
            health_dir=str(s.health_dir),
            warehouse_url=url("CS_PIPELINE_WAREHOUSE_URL", s.warehouse_url),
            output_dir=str(s.output_dir),
            as_at=os.environ.get("CS_PIPELINE_AS_AT", ""),
            la_code=s.la_code,
            local_standards=json.dumps(s.local_standards),
            collection_year=s.collection_year_text,
            annex_a_start=s.annex_a_start_text,
            annex_a_end=s.annex_a_end_text,
            failure_hook=s.failure_hook,
        )

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
            collection_year=s.collection_year_text,
            annex_a_start=s.annex_a_start_text,
            annex_a_end=s.annex_a_end_text,
            failure_hook=s.failure_hook,
        )

    def settings(self) -> Settings:
        return Settings(
            cms_url=self.cms_url,
            health_dir=Path(self.health_dir),
            warehouse_url=self.warehouse_url,
            output_dir=Path(self.output_dir),
            as_at=self.as_at_date(),
            la_code=self.la_code,
            local_standards=parse_local_standards(self.local_standards),
            collection_year_text=self.collection_year or self._run_collection_year,
            annex_a_start_text=self.annex_a_start,
            annex_a_end_text=self.annex_a_end,
            failure_hook=parse_failure_hook(self.failure_hook),
        )

    def as_at_date(self) -> dt.date:
        chosen = self.as_at or self._run_as_at
        return dt.date.fromisoformat(chosen) if chosen else london_today()

    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_url)
