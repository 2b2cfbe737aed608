"""The health provider's looked-after-children extracts (INTERFACE.md section 2), as monthly deliveries.

Twelve monthly deliveries per kind end at the as-at date. The first also carries the history: immunisations and
dental checks back to the window start, and every health assessment (IHA, RHA) of every child looked after in the
window, however long ago it was (a period of care that started before the window keeps its IHA and RHA chain).
No file holds a date after its delivery date: an appointment booked for a later day is blank until that day. A file holds the records first seen or changed since the previous delivery, with their values as at the
file date, so a later file repeats a ``record_id`` with updated values (a BOOKED assessment later COMPLETED, an
immunisation status later corrected). Files are opened at the start and appended unit by unit (streaming).

Per-record identity untidiness (``HEALTH_RATES``) and per-file delivery untidiness (``FILE_RATES``) are listed in
the module constants; every one that the defect vocabulary names is logged in defects.csv.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from .council import CouncilUnit, HealthRecord, Person
from .identity import NICKNAMES, FastRandom, mistype_nhs, postcode, typo

KINDS = ("lac_health_assessments", "immunisations", "dental_checks")
IDENTITY_COLS = ["record_id", "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "postcode"]
COLUMNS = {
    "lac_health_assessments": IDENTITY_COLS + ["la_child_id", "assessment_type", "request_received_date",
                                               "appointment_date", "assessment_date", "report_sent_date", "status",
                                               "practitioner_type", "provider_code"],
    "immunisations": IDENTITY_COLS + ["status_date", "up_to_date"],
    "dental_checks": IDENTITY_COLS + ["check_date"],
}
DATE_COLS = {"date_of_birth", "request_received_date", "appointment_date", "assessment_date", "report_sent_date",
             "status_date", "check_date"}
INVALID_DATE_COL = {"lac_health_assessments": "request_received_date", "immunisations": "status_date",
                    "dental_checks": "check_date"}
EXTRA_COLUMN = "local_clinic_ref"

HEALTH_RATES = {"nhs_missing": 0.05, "nhs_mistyped": 0.02, "name_typo": 0.05, "nickname": 0.05, "dob_slip": 0.02,
                "postcode_changed": 0.15, "health_unknown_child": 0.03, "invalid_date": 0.002}
# about 38% of children have a first name with a common nickname: 13% of those -> ~5% of records
NICKNAME_IF_POSSIBLE = 0.13
FILE_RATES = {"dmy_dates_file": 0.25, "bom_file": 0.25, "column_order_shuffled": 0.25, "cp1252_file": "one file",
              "extra_column": "one file", "health_file_duplicate": "one file"}


@dataclass
class FileSpec:
    kind: str
    date: dt.date
    name: str
    dmy: bool = False
    bom: bool = False
    cp1252: bool = False
    columns: list | None = None
    extra: bool = False
    rows: int = 0

    @property
    def encoding(self) -> str:
        return "cp1252" if self.cp1252 else ("utf-8-sig" if self.bom else "utf-8")


def delivery_dates(as_at: dt.date, n: int = 12) -> list[dt.date]:
    out = []
    for k in range(n - 1, -1, -1):
        y, m = divmod(as_at.month - 1 - k, 12)
        y += as_at.year
        m += 1
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(min(nxt - dt.timedelta(days=1), as_at))
    return out


class DeliveryPlan:
    """Which files exist and how each is written (deterministic from the seed); turns a unit into file rows."""

    def __init__(self, as_at: dt.date, seed: int):
        r = random.Random(f"health-files-{seed}")
        self.r = r
        self.dates = delivery_dates(as_at)
        self.deliveries = [d.toordinal() for d in self.dates]
        self.files: dict[tuple[str, int], FileSpec] = {}
        for kind in KINDS:
            for k, d in enumerate(self.dates):
                spec = FileSpec(kind, d, f"{kind}_{d:%Y%m%d}.csv", dmy=r.random() < 0.25, bom=r.random() < 0.25)
                cols = list(COLUMNS[kind])
                if r.random() < 0.25:
                    r.shuffle(cols)
                spec.columns = cols
                self.files[(kind, k)] = spec
        # one Windows-1252 file: a history file (many rows, so accented names are certain)
        cp = self.files[(KINDS[r.randrange(3)], 0)]
        cp.cp1252, cp.bom = True, False
        keys = sorted(self.files)
        others = [k for k in keys if not self.files[k].cp1252]
        self.extra_key = others[r.randrange(len(others))]
        self.files[self.extra_key].extra = True
        self.files[self.extra_key].columns = self.files[self.extra_key].columns + [EXTRA_COLUMN]

    # ---- identities ------------------------------------------------------------------------------------
    @staticmethod
    def identity(rec: HealthRecord, r: random.Random, unit: CouncilUnit) -> None:
        """The identity the provider holds for this record, with its slips (logged on the record)."""
        p: Person = rec.person or rec.unknown
        nhs, given, family, dob, pc = p.nhs, p.first, p.last, p.dob, p.postcode
        if rec.person is None:
            rec.defects.append(("health_unknown_child", "", "child not known to the council"))
        else:
            u = r.random()
            if u < HEALTH_RATES["nhs_missing"]:
                nhs = ""
                rec.defects.append(("nhs_missing", "nhs_number", "blank"))
            elif u < HEALTH_RATES["nhs_missing"] + HEALTH_RATES["nhs_mistyped"]:
                nhs = mistype_nhs(nhs, r)
                rec.defects.append(("nhs_mistyped", "nhs_number", "one digit changed"))
            if given in NICKNAMES and r.random() < NICKNAME_IF_POSSIBLE:
                given = r.choice(NICKNAMES[given])
                rec.defects.append(("nickname", "given_name", "nickname instead of the recorded first name"))
            if r.random() < HEALTH_RATES["name_typo"]:
                if r.random() < 0.5:
                    given = typo(given, r)
                    rec.defects.append(("name_typo", "given_name", "one-letter slip"))
                else:
                    family = typo(family, r)
                    rec.defects.append(("name_typo", "family_name", "one-letter slip"))
            if r.random() < HEALTH_RATES["dob_slip"]:
                day = dt.date.fromordinal(dob)
                if day.day <= 12 and day.day != day.month:
                    dob = dt.date(day.year, day.day, day.month).toordinal()
                    rec.defects.append(("dob_slip", "date_of_birth", "day and month swapped"))
                else:
                    dob += r.choice((-1, 1))
                    rec.defects.append(("dob_slip", "date_of_birth", "one day out"))
            if r.random() < HEALTH_RATES["postcode_changed"]:
                new = p.prev_postcode if p.prev_postcode and r.random() < 0.5 else postcode(r)
                if new != pc:
                    pc = new
                    rec.defects.append(("postcode_changed", "postcode", "another address"))
        # formatting variety (not defects)
        if nhs and r.random() < 0.2:
            nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if r.random() < 0.75 else f"{nhs[:3]}-{nhs[3:6]}-{nhs[6:]}"
        u = r.random()
        if u < 0.15:
            pc = pc.replace(" ", "")
        elif u < 0.25:
            pc = pc.lower()
        sex = p.sex if r.random() < 0.95 else {"M": "Male", "F": "Female"}.get(p.sex, "Unknown")
        rec.identity = dict(record_id=rec.record_id, nhs_number=nhs, given_name=given, family_name=family,
                            date_of_birth=dob, sex=sex, postcode=pc)

    # ---- writing ---------------------------------------------------------------------------------------
    def unit_rows(self, unit: CouncilUnit) -> tuple[list[tuple], list[tuple], dict]:
        """This unit's records as file rows; returns (truth rows, defects, {file key: [row, ...]})."""
        r = FastRandom(unit.r.random())
        ws, as_at = unit.window_start, unit.as_at
        deliveries = self.deliveries
        truth: list[tuple] = []
        defects: list[tuple] = []
        pending: dict[str, list] = {k: [] for k in KINDS}   # (file key, record, values)
        file_rows: dict[tuple, list] = {}
        for rec in unit.health:
            if not rec.delivered(ws, as_at):
                continue
            states = [s for s in rec.states if s[0] <= as_at]
            self.identity(rec, r, unit)
            appearances = []
            prev = -10**9
            si = 0
            latest = None
            for k, dd in enumerate(deliveries):
                changed = False
                while si < len(states) and states[si][0] <= dd:
                    if states[si][0] > prev:
                        changed = True
                    latest = states[si][1]
                    si += 1
                if changed and latest is not None:
                    if (latest.get("appointment_date") or 0) > dd:
                        # booked for a later day: the extract gives the appointment once its day has come
                        latest = dict(latest, appointment_date=None)
                    appearances.append((k, latest))
                prev = dd
            if not appearances:
                continue
            for k, values in appearances:
                pending[rec.kind].append(((rec.kind, k), rec, values))
            truth.append((rec.kind, rec.record_id, rec.person.pid if rec.person else ""))
            last_file = self.files[(rec.kind, appearances[-1][0])].name
            for dtype, col, detail in rec.defects:
                defects.append((dtype, last_file, rec.record_id, col, detail))
        for kind in KINDS:
            items = pending[kind]
            n_bad = max(1, round(HEALTH_RATES["invalid_date"] * len(items))) if items else 0
            bad = set(r.sample(range(len(items)), min(n_bad, len(items))))
            for i, (key, rec, values) in enumerate(items):
                spec = self.files[key]
                row = dict(rec.identity)
                row.update(values)
                out = []
                for col in spec.columns:
                    if col == EXTRA_COLUMN:
                        out.append(f"LR{r.randrange(10**5, 10**6)}")
                        continue
                    v = row.get(col)
                    if v is None:
                        out.append("")
                    elif col in DATE_COLS:
                        day = dt.date.fromordinal(v)
                        out.append(day.strftime("%d/%m/%Y") if spec.dmy else day.isoformat())
                    else:
                        out.append(v)
                if i in bad:
                    col = INVALID_DATE_COL[kind]
                    y = dt.date.fromordinal(row[col]).year
                    text = (f"{'30/02' if r.random() < 0.5 else '31/04'}/{y}" if spec.dmy
                            else f"{y}-{'02-30' if r.random() < 0.5 else '04-31'}")
                    out[spec.columns.index(col)] = text
                    defects.append(("invalid_date", spec.name, rec.record_id, col, f"impossible date {text}"))
                file_rows.setdefault(key, []).append(out)
        return truth, defects, file_rows


class HealthDeliveries:
    """The health folder: files opened at the start and appended unit by unit."""

    def __init__(self, folder: Path, plan: DeliveryPlan):
        self.folder = folder
        self.plan = plan
        self.files = plan.files
        self.r = plan.r
        self.dates = plan.dates
        self.extra_key = plan.extra_key
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        self.handles = {}
        self.writers = {}
        for key in sorted(self.files):
            spec = self.files[key]
            fh = open(folder / spec.name, "w", encoding=spec.encoding, newline="")
            self.handles[key] = fh
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(spec.columns)
            self.writers[key] = w

    def write(self, file_rows: dict) -> None:
        for key in sorted(file_rows):
            rows = file_rows[key]
            self.writers[key].writerows(rows)
            self.files[key].rows += len(rows)

    def finish(self) -> list[tuple]:
        """Close files, deliver one file twice; returns the whole-file defects."""
        for fh in self.handles.values():
            fh.close()
        defects = []
        for key in sorted(self.files):
            spec = self.files[key]
            if spec.dmy:
                defects.append(("dmy_dates_file", spec.name, "", "", "dates written DD/MM/YYYY"))
            if spec.bom:
                defects.append(("bom_file", spec.name, "", "", "UTF-8 with byte order mark"))
            if spec.cp1252:
                defects.append(("cp1252_file", spec.name, "", "", "encoded Windows-1252"))
        keys = sorted(self.files)
        cands = [k for k in keys if 1 <= k[1] <= 10 and k != self.extra_key and self.files[k].rows > 0] or \
            [k for k in keys if 1 <= k[1] <= 10 and k != self.extra_key]
        self.dup_key = cands[self.r.randrange(len(cands))]
        src = self.files[self.dup_key]
        dup_name = f"{src.kind}_{src.date + dt.timedelta(days=3):%Y%m%d}.csv"
        shutil.copyfile(self.folder / src.name, self.folder / dup_name)
        self.duplicate = (src.name, dup_name)
        defects.append(("health_file_duplicate", dup_name, "", "", f"same bytes as {src.name}"))
        return defects

    def properties(self) -> list[dict]:
        out = []
        for key in sorted(self.files):
            s = self.files[key]
            data = (self.folder / s.name).read_bytes()
            out.append(dict(file=s.name, kind=s.kind, rows=s.rows, date_format="DD/MM/YYYY" if s.dmy else "YYYY-MM-DD",
                            encoding="cp1252" if s.cp1252 else ("utf-8-sig" if s.bom else "utf-8"),
                            columns_shuffled=s.columns[:len(COLUMNS[s.kind])] != COLUMNS[s.kind] if not s.extra
                            else s.columns[:-1] != COLUMNS[s.kind],
                            extra_columns=[EXTRA_COLUMN] if s.extra else [], sha256=hashlib.sha256(data).hexdigest()))
        src, dup = self.duplicate
        props = next(p for p in out if p["file"] == src)
        out.append(dict(props, file=dup, duplicate_of=src))
        return out
