"""Run settings, read from the CS_PIPELINE_* environment variables (contracts/INTERFACE.md section 3).

Defaults point at the demo: the synthetic council under ``data/demo`` and a DuckDB warehouse under ``data/``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def london_today() -> dt.date:
    """Today in England: a server on UTC would otherwise date a run just after midnight BST as yesterday."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def data_dir() -> Path:
    """Where the demo sources, the DuckDB warehouse and outputs live unless configured otherwise."""
    return Path(os.environ.get("CS_PIPELINE_DATA_DIR", PROJECT_ROOT / "data"))


def demo_dir() -> Path:
    return data_dir() / "demo"


# Local standards (TIMELINESS.md "local"): dbt vars a council may set in CS_PIPELINE_LOCAL_STANDARDS, a JSON object
# such as {"cp_visit_working_days": 15, "pep_terms": ["09-04", "01-06", "04-22"]}. Defaults: dbt_project.yml.
LOCAL_STANDARDS = {
    "iha_request_working_days": int,
    "cp_visit_working_days": int,
    "pep_working_days": int,
    "pep_terms": list,
    "pep_min_age": int,
    "pep_max_age": int,
    "long_term_placement_types": list,
    "out_of_area_miles": (int, float),
    "health_duplicate_window_days": int,
    "dental_check_months": int,
    "extract_history_years": int,  # not a standard but a fact of the extract: how far back its events go
}


def parse_local_standards(text: str | None) -> dict:
    """CS_PIPELINE_LOCAL_STANDARDS -> {var: value}; a ValueError names any unknown or mistyped setting."""
    if not text or not text.strip():
        return {}
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"CS_PIPELINE_LOCAL_STANDARDS is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise ValueError("CS_PIPELINE_LOCAL_STANDARDS must be a JSON object of {setting: value}")
    unknown = sorted(set(values) - set(LOCAL_STANDARDS))
    if unknown:
        raise ValueError(
            f"CS_PIPELINE_LOCAL_STANDARDS: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(LOCAL_STANDARDS))}"
        )
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, LOCAL_STANDARDS[name]):
            raise ValueError(f"CS_PIPELINE_LOCAL_STANDARDS: {name} has the wrong type ({value!r})")
    return values


# The nightly run (CS_PIPELINE_NIGHTLY_CRON, England's time) and the time by which the marts and returns must have
# been rebuilt since the last deadline (CS_PIPELINE_NIGHTLY_DEADLINE): their freshness policy, defs/operations.py.
DEFAULT_NIGHTLY_CRON = "0 6 * * *"
DEFAULT_NIGHTLY_DEADLINE = "07:00"
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-]+$")
_DEADLINE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_HOOK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")


def parse_nightly_cron(text: str | None) -> str:
    """CS_PIPELINE_NIGHTLY_CRON -> a five-field cron string (minute hour day-of-month month day-of-week)."""
    if not text or not text.strip():
        return DEFAULT_NIGHTLY_CRON
    fields = text.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ValueError(
            f"CS_PIPELINE_NIGHTLY_CRON must be a five-field cron string such as {DEFAULT_NIGHTLY_CRON!r} "
            f"(minute hour day-of-month month day-of-week), got {text!r}"
        )
    return " ".join(fields)


def parse_nightly_deadline(text: str | None) -> dt.time:
    """CS_PIPELINE_NIGHTLY_DEADLINE ("HH:MM", 24-hour, England's time) -> a time of day."""
    value = (text or "").strip() or DEFAULT_NIGHTLY_DEADLINE
    match = _DEADLINE.match(value)
    if not match:
        raise ValueError(
            f"CS_PIPELINE_NIGHTLY_DEADLINE must be a time of day HH:MM (24-hour, England's time) such as "
            f"{DEFAULT_NIGHTLY_DEADLINE!r}, got {text!r}"
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_failure_hook(text: str | None) -> str:
    """CS_PIPELINE_FAILURE_HOOK: ``package.module:function`` called with each failed run's report; empty: none."""
    value = (text or "").strip()
    if value and not _HOOK.match(value):
        raise ValueError(
            f"CS_PIPELINE_FAILURE_HOOK must name a function as module:function (e.g. council_alerts.email:send), "
            f"got {text!r}"
        )
    return value


@dataclass(frozen=True)
class Settings:
    cms_url: str
    health_dir: Path
    warehouse_url: str
    output_dir: Path
    as_at: dt.date
    la_code: str
    local_standards: dict = field(default_factory=dict, hash=False)
    collection_year_text: str = ""  # CS_PIPELINE_COLLECTION_YEAR; empty: the latest year ended by the as-at date
    # CS_PIPELINE_ANNEX_A_START / _END: Ofsted's Annex A window; empty: the six months to the as-at date
    annex_a_start_text: str = ""
    annex_a_end_text: str = ""
    nightly_cron: str = DEFAULT_NIGHTLY_CRON  # CS_PIPELINE_NIGHTLY_CRON, England's time
    nightly_deadline: dt.time = dt.time(7, 0)  # CS_PIPELINE_NIGHTLY_DEADLINE, England's time
    failure_hook: str = ""  # CS_PIPELINE_FAILURE_HOOK: module:function given each failed run's report

    @property
    def annex_a_window(self) -> tuple[dt.date, dt.date]:
        """The window of Ofsted's Annex A lists: by default the six months ending on the as-at date."""
        end = dt.date.fromisoformat(self.annex_a_end_text) if self.annex_a_end_text else self.as_at
        if self.annex_a_start_text:
            start = dt.date.fromisoformat(self.annex_a_start_text)
        else:
            months = end.year * 12 + end.month - 1 - 6
            year, month = divmod(months, 12)
            last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
                        30, 31, 30, 31][month]
            start = dt.date(year, month + 1, min(end.day, last_day)) + dt.timedelta(days=1)
        if start > end:
            raise ValueError(f"CS_PIPELINE_ANNEX_A_START {start} is after the window's end {end}")
        return start, end

    @property
    def collection_year(self):
        """The statutory collection year the returns are built for (a CollectionYear)."""
        from cs_pipeline.returns.collection_year import CollectionYear

        if self.collection_year_text:
            return CollectionYear.parse(self.collection_year_text)
        return CollectionYear.latest_ended_by(self.as_at)

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
            as_at=dt.date.fromisoformat(as_at) if as_at else london_today(),
            la_code=env.get("CS_PIPELINE_LA_CODE") or "211",
            local_standards=parse_local_standards(env.get("CS_PIPELINE_LOCAL_STANDARDS")),
            collection_year_text=env.get("CS_PIPELINE_COLLECTION_YEAR", "").strip(),
            annex_a_start_text=env.get("CS_PIPELINE_ANNEX_A_START", "").strip(),
            annex_a_end_text=env.get("CS_PIPELINE_ANNEX_A_END", "").strip(),
            nightly_cron=parse_nightly_cron(env.get("CS_PIPELINE_NIGHTLY_CRON")),
            nightly_deadline=parse_nightly_deadline(env.get("CS_PIPELINE_NIGHTLY_DEADLINE")),
            failure_hook=parse_failure_hook(env.get("CS_PIPELINE_FAILURE_HOOK")),
        )


def redact_url(url: str) -> str:
    """A URL safe to show in logs and metadata: the password is never printed."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"<>`]*):[^/\s'\"<>`]*@")
_KEY_PASSWORD = re.compile(r"(?i)\b(password|passwd|pwd)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s;&,]+)")


def redact_text(text: str) -> str:
    """Free text (an error message) safe to log or store: the password of every URL in it masked as
    :func:`redact_url` masks it (``postgresql://user:***@host/db``), and any ``password=...`` / ``PWD=...`` (ODBC
    connection strings) too. A password holding ``@`` is masked to its last ``@``: too much rather than too little."""
    return _KEY_PASSWORD.sub(r"\1\2***", _URL_PASSWORD.sub(r"\1:***@", text))
