"""Run settings, read from the CS_PIPELINE_* environment variables (contracts/INTERFACE.md section 3).

Defaults point at the demo: the synthetic council under ``data/demo`` and a DuckDB warehouse under ``data/``.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Where the demo sources, the DuckDB warehouse and outputs live unless configured otherwise."""
    return Path(os.environ.get("CS_PIPELINE_DATA_DIR", PROJECT_ROOT / "data"))


def demo_dir() -> Path:
    return data_dir() / "demo"


@dataclass(frozen=True)
class Settings:
    cms_url: str
    health_dir: Path
    warehouse_url: str
    output_dir: Path
    as_at: dt.date
    la_code: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        base = Path(env.get("CS_PIPELINE_DATA_DIR", PROJECT_ROOT / "data"))
        as_at = env.get("CS_PIPELINE_AS_AT")
        return cls(
            cms_url=env.get("CS_PIPELINE_CMS_URL") or f"sqlite:///{base / 'demo' / 'ssd.sqlite'}",
            health_dir=Path(env.get("CS_PIPELINE_HEALTH_DIR") or base / "demo" / "health"),
            warehouse_url=env.get("CS_PIPELINE_WAREHOUSE_URL") or f"duckdb:///{base / 'warehouse.duckdb'}",
            output_dir=Path(env.get("CS_PIPELINE_OUTPUT_DIR") or base / "output"),
            as_at=dt.date.fromisoformat(as_at) if as_at else dt.date.today(),
            la_code=env.get("CS_PIPELINE_LA_CODE") or "211",
        )


def redact_url(url: str) -> str:
    """A URL safe to show in logs and metadata: the password is never printed."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
