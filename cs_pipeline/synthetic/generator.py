"""generate(): simulate council units one at a time and stream them into the SSD database, health files and truth."""
from __future__ import annotations

import csv
import datetime as dt
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import council as council_mod
from .council import CouncilUnit
from .defects import RULE_BREAK_RATE, SSD_RATES, inject_ssd
from .health import FILE_RATES, HEALTH_RATES, DeliveryPlan, HealthDeliveries
from .ssd_writer import SsdWriter
from .ssda903_defects import inject_903
from .workdays import WorkCalendar

GENERATOR_VERSION = "1.0"
DEFAULT_AS_AT = dt.date(2026, 9, 30)
DEFECT_COLUMNS = ["defect_id", "defect_type", "location", "row_key", "column", "detail"]
# deliberate SSDA903 defects (ssda903_defects.py): the DfE rule that must report each, per child
SSDA903_DEFECT_COLUMNS = ["person_id", "rule_code", "description"]


@dataclass
class Manifest:
    seed: int
    scale: float
    as_at: str
    period_start: str
    period_end: str
    la_code: str
    cms_url: str
    settings: dict
    rates: dict
    counts: dict = field(default_factory=dict)
    health_files: list = field(default_factory=list)
    defects_by_type: dict = field(default_factory=dict)
    units: int = 0
    generator_version: str = GENERATOR_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    @classmethod
    def load(cls, path: Path | str) -> "Manifest":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def units_for(scale: float) -> list[tuple[int, float]]:
    if scale <= 0:
        raise ValueError("scale must be positive")
    n_full = int(scale + 1e-9)
    units = [(i, 1.0) for i in range(n_full)]
    frac = scale - n_full
    if frac > 1e-6:
        units.append((n_full, frac))
    return units


_CALENDARS: dict[dt.date, WorkCalendar] = {}


def _calendar(as_at: dt.date) -> WorkCalendar:
    if as_at not in _CALENDARS:
        _CALENDARS[as_at] = WorkCalendar(dt.date(as_at.year - 40, 1, 1), dt.date(as_at.year + 12, 12, 31))
    return _CALENDARS[as_at]


@dataclass
class UnitResult:
    rows: dict
    truth: list
    defects: list
    file_rows: dict
    flag_variants: int
    window_start: int
    timeliness: dict = field(default_factory=dict)
    ssda903_defects: list = field(default_factory=list)


def build_unit(seed: int, unit_no: int, fraction: float, n_units: int, as_at: dt.date, iha_on_time_rate: float,
               la_code: str) -> UnitResult:
    """Simulate one council unit and turn it into rows (SSD tables, health file rows, truth, defects).

    A pure function of its arguments, so units can be built in worker processes and written in order.
    """
    unit = CouncilUnit(unit_no, fraction, np.random.SeedSequence([seed, unit_no]), as_at, _calendar(as_at),
                       iha_on_time_rate, la_code, n_units=n_units)
    unit.run()
    unit.unknown_children(HEALTH_RATES["health_unknown_child"])
    defects = inject_ssd(unit)
    seeded_903 = inject_903(unit, defects)
    truth, hdefects, file_rows = DeliveryPlan(as_at, seed).unit_rows(unit)
    return UnitResult(unit.rows, truth, defects + hdefects, file_rows, unit.flag_variants, unit.window_start,
                      unit.timeliness, seeded_903)


def _results(units, workers: int, args: tuple):
    """Unit results in unit order; with workers > 1, at most ``workers + 1`` units are in flight (bounded memory)."""
    if workers <= 1:
        for unit_no, fraction in units:
            yield build_unit(args[0], unit_no, fraction, len(units), *args[1:])
        return
    import collections
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: a forked child inherits the parent's threads' locks (gRPC from Dagster, DuckDB) and can crash
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
        queue: collections.deque = collections.deque()
        for unit_no, fraction in units:
            queue.append(ex.submit(build_unit, args[0], unit_no, fraction, len(units), *args[1:]))
            if len(queue) > workers:
                yield queue.popleft().result()
        while queue:
            yield queue.popleft().result()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _timeliness(tallies: dict) -> dict:
    """Settings of the extension tables and what was generated: outcomes of the due items (as the marts count them,
    TIMELINESS.md) over plans / periods of care started in the window, before defects are injected."""
    out = {"core_group_on_time": council_mod.CORE_GROUP_ON_TIME, "pep_initial_on_time": council_mod.PEP_INITIAL_ON_TIME,
           "pep_term_done": council_mod.PEP_TERM_DONE, "pep_ages_at_entry": list(council_mod.PEP_AGES),
           "term_starts": [f"{m:02d}-{d:02d}" for m, d in council_mod.TERM_STARTS]}
    for item in ("core_group_first", "pep_initial"):
        t = dict(tallies.get(item, {}))
        due = sum(t.get(k, 0) for k in ("on_time", "late", "overdue"))
        out[item] = {**t, "due": due, "on_time_share": round(t.get("on_time", 0) / due, 4) if due else None}
    t = dict(tallies.get("pep_term", {"due": 0, "done": 0}))
    out["pep_term"] = {**t, "done_share": round(t["done"] / t["due"], 4) if t["due"] else None}
    return out


def generate(out_dir: str | Path, scale: float = 1, seed: int = 7, cms_url: str | None = None,
             as_at: dt.date = DEFAULT_AS_AT, iha_on_time_rate: float = 0.22, la_code: str = "211", workers: int = 1,
             progress: bool = False) -> Manifest:
    """Write a synthetic council to ``out_dir`` (SSD database, health deliveries, ground truth); return its manifest.

    Deterministic for (scale, seed, as_at, iha_on_time_rate): ``workers`` (processes simulating units while the
    main process writes) changes the speed, not the output. ``cms_url`` defaults to ``sqlite:///out_dir/ssd.sqlite``.
    """
    t0 = time.time()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(as_at, str):
        as_at = dt.date.fromisoformat(as_at)
    if cms_url is None:
        db = out / "ssd.sqlite"
        if db.exists():
            db.unlink()
        cms_url = f"sqlite:///{db}"
    truth_dir = out / "ground_truth"
    truth_dir.mkdir(exist_ok=True)
    units = units_for(scale)
    writer = SsdWriter(cms_url)
    health = HealthDeliveries(out / "health", DeliveryPlan(as_at, seed))
    defects_by_type: dict[str, int] = {}
    n_defects = 0
    n_truth = 0
    flag_variants = 0
    window_start = None
    timeliness: dict[str, dict[str, int]] = {}
    n_903 = 0
    with open(truth_dir / "defects.csv", "w", encoding="utf-8", newline="") as fd, \
            open(truth_dir / "health_record_truth.csv", "w", encoding="utf-8", newline="") as ft, \
            open(truth_dir / "ssda903_defects.csv", "w", encoding="utf-8", newline="") as f903:
        w903 = csv.writer(f903, lineterminator="\n")
        w903.writerow(SSDA903_DEFECT_COLUMNS)
        wd = csv.writer(fd, lineterminator="\n")
        wd.writerow(DEFECT_COLUMNS)
        wt = csv.writer(ft, lineterminator="\n")
        wt.writerow(["file_kind", "record_id", "person_id"])

        def log(defects):
            nonlocal n_defects
            for d in defects:
                n_defects += 1
                wd.writerow((f"D{n_defects:08d}",) + tuple(d))
                defects_by_type[d[0]] = defects_by_type.get(d[0], 0) + 1

        args = (seed, as_at, iha_on_time_rate, la_code)
        for i, res in enumerate(_results(units, workers, args)):
            window_start = res.window_start
            log(res.defects)
            w903.writerows(res.ssda903_defects)
            n_903 += len(res.ssda903_defects)
            writer.write(res.rows)
            health.write(res.file_rows)
            wt.writerows(res.truth)
            n_truth += len(res.truth)
            flag_variants += res.flag_variants
            for item, tally in res.timeliness.items():
                total = timeliness.setdefault(item, dict.fromkeys(tally, 0))
                for k, v in tally.items():
                    total[k] += v
            if progress:
                print(f"unit {i + 1}/{len(units)} written at {time.time() - t0:.1f}s", flush=True)
            del res
        log(health.finish())
    writer.close()
    counts = dict(writer.counts)
    counts["health_records"] = n_truth
    counts["defects"] = n_defects
    counts["ssda903_defects"] = n_903
    counts["flag_spelling_variants"] = flag_variants
    manifest = Manifest(
        seed=seed, scale=scale, as_at=as_at.isoformat(),
        period_start=dt.date.fromordinal(window_start).isoformat(), period_end=as_at.isoformat(),
        la_code=la_code, cms_url=_redact(cms_url),
        settings={"iha_on_time_rate": iha_on_time_rate, "health_deliveries": [d.isoformat() for d in health.dates]},
        rates={
            "ssd": {**SSD_RATES, "rule_breaks_per_kind": RULE_BREAK_RATE,
                    "flag_spellings": {"Y/N": 0.95, "1/0": 0.03, "true/false": 0.02}},
            "health_records": HEALTH_RATES,
            "health_files": FILE_RATES,
            "calibration": {"referrals_per_year": council_mod.REFERRALS_PER_YEAR,
                            "contacts_per_year": council_mod.CONTACTS_PER_YEAR,
                            "cla_starts_per_year": council_mod.CLA_STARTS_PER_YEAR,
                            "p_rereferral": council_mod.P_REREFERRAL},
            "timeliness": _timeliness(timeliness),
        },
        counts=counts, health_files=health.properties(), defects_by_type=dict(sorted(defects_by_type.items())),
        units=len(units))
    (truth_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest
