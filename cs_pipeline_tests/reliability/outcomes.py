"""The reliability suite's ledger: every case says what it fed in, what it expected and what it saw.

A case calls ``record(...)`` once; the ledger goes to a JSON-lines file shared by the pytest-xdist workers, and the
controller prints it as a table at the end of the session (``cs_pipeline_tests/conftest.py``). ``record`` also
asserts the case's own promises: the observed outcome is the expected one, and no row was lost
(rows in = staged + quarantined, unless the whole file or table was rejected or the run failed, when nothing may
be staged).
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

LEDGER_ENV = "CS_PIPELINE_RELIABILITY_LEDGER"

LOADED = "loaded"  # every row staged (possibly with warnings)
QUARANTINED = "quarantined"  # some rows quarantined with a reason, the rest staged
REJECTED = "rejected"  # the file or table refused with a message naming it; nothing from it staged
FAILED_CLEANLY = "failed cleanly"  # the run failed with a clear message; the last good marts still published
OUTCOMES = (LOADED, QUARANTINED, REJECTED, FAILED_CLEANLY)


@dataclasses.dataclass(frozen=True)
class CaseResult:
    area: str  # health files | SSD database | returns files | warehouse | security | idempotence | lineage
    case: str
    expected: str
    observed: str
    rows_in: int | None = None
    staged: int | None = None
    quarantined: int | None = None
    message: str = ""  # the message the user sees (must name the file/table, never be only a traceback)

    @property
    def lost(self) -> int | None:
        if self.rows_in is None:
            return None
        return self.rows_in - (self.staged or 0) - (self.quarantined or 0) if self.observed in (
            LOADED, QUARANTINED) else 0


def ledger_path() -> Path | None:
    value = os.environ.get(LEDGER_ENV)
    return Path(value) if value else None


def record(result: CaseResult) -> CaseResult:
    """Write the case to the ledger, then assert it kept its promises."""
    assert result.expected in OUTCOMES and result.observed in OUTCOMES, result
    path = ledger_path()
    if path is not None:
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({**dataclasses.asdict(result), "lost": result.lost}) + "\n")
    assert result.observed == result.expected, f"{result.case}: expected {result.expected}, saw {result.observed}: " \
                                               f"{result.message}"
    assert not result.lost, f"{result.case}: {result.lost} row(s) neither staged nor quarantined"
    if result.observed in (REJECTED, FAILED_CLEANLY):
        assert result.message.strip(), f"{result.case}: no message for the user"
        assert not result.message.lstrip().startswith("Traceback"), f"{result.case}: only a traceback"
        assert not result.staged, f"{result.case}: rejected, yet {result.staged} row(s) staged"
    return result


def read_ledger(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def format_ledger(rows: list[dict]) -> str:
    """The table the suite prints: case, expected, observed, rows in / staged / quarantined; then the counts."""
    def n(v):
        return "-" if v is None else f"{v:,}"
    head = ("area", "case", "expected", "observed", "rows in", "staged", "quarantined", "lost")
    body = [(r["area"], r["case"], r["expected"], r["observed"], n(r["rows_in"]), n(r["staged"]),
             n(r["quarantined"]), n(r["lost"])) for r in sorted(rows, key=lambda r: (r["area"], r["case"]))]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)) for row in (head, *body)]
    passing = sum(1 for r in rows if r["observed"] == r["expected"] and not r["lost"])
    lost = sum(r["lost"] or 0 for r in rows)
    lines.append(f"cases tried: {len(rows)}, passing: {passing}, rows lost: {lost}")
    return "\n".join(lines)
