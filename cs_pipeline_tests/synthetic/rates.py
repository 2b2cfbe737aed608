"""Observed rates of a generated council, computed from its outputs only (SSD database + health files + truth).

Used by the tests (and handy from a shell: ``python -m cs_pipeline_tests.synthetic.rates DIR``).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.synthetic.workdays import WorkCalendar

YES = {"Y", "1", "true"}
FOSTER = {"U1", "U2", "U3", "U4", "U5", "U6"}


@dataclass
class Rate:
    name: str
    observed: float
    target: float
    tolerance: float      # absolute
    unit: str = ""

    @property
    def ok(self) -> bool:
        return abs(self.observed - self.target) <= self.tolerance

    def line(self) -> str:
        fmt = (lambda v: f"{v:8.1%}") if self.unit == "%" else (lambda v: f"{v:8.1f}")
        return (f"{self.name:<38} observed {fmt(self.observed)}   national {fmt(self.target)}   "
                f"tolerance +/-{fmt(self.tolerance).strip():>7}   {'ok' if self.ok else 'OUT'}")


def share_tolerance(p: float, n: int, floor: float) -> float:
    """A tolerance for an observed share: at least ``floor``, and 2.5 binomial standard errors for small n."""
    return max(floor, 2.5 * (p * (1 - p) / max(n, 1)) ** 0.5)


def read_health(folder: Path, manifest: dict, kind: str) -> pd.DataFrame:
    """Latest delivery per record_id of one kind, dates parsed with each file's format (duplicates skipped)."""
    frames = []
    props = {p["file"]: p for p in manifest["health_files"]}
    for name in sorted(props):
        p = props[name]
        if p["kind"] != kind or p.get("duplicate_of"):
            continue
        raw = (folder / name).read_bytes()
        text = raw.decode("cp1252") if p["encoding"] == "cp1252" else raw.decode("utf-8-sig")
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        fmt = "%d/%m/%Y" if p["date_format"] == "DD/MM/YYYY" else "%Y-%m-%d"
        for c in ("assessment_date", "request_received_date", "appointment_date", "status_date", "check_date",
                  "date_of_birth"):
            if c in df:
                df[c] = pd.to_datetime(df[c].replace("", None), format=fmt, errors="coerce")
        df["_file"] = name
        frames.append(df)
    all_ = pd.concat(frames, ignore_index=True)
    return all_.drop_duplicates("record_id", keep="last")


def observed_rates(out_dir: Path, cms_url: str | None = None) -> list[Rate]:
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "ground_truth" / "manifest.json").read_text())
    as_at = pd.Timestamp(manifest["as_at"])
    as_at_d = as_at.date()
    window_start = pd.Timestamp(manifest["period_start"])
    year_ago = as_at - pd.Timedelta(days=365)
    three_years = as_at - pd.Timedelta(days=3 * 365)
    scale = float(manifest["scale"])
    eng = sa.create_engine(cms_url or f"sqlite:///{out_dir / 'ssd.sqlite'}")
    defects = pd.read_csv(out_dir / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)
    rule_breaks = defects[~defects["defect_type"].str.startswith("nhs_")]
    bad = set(zip(rule_breaks["location"], rule_breaks["row_key"]))

    def table(name: str, dates: tuple = ()) -> pd.DataFrame:
        df = pd.read_sql_table(name, eng)
        key = df.columns[0] if name != "ssd_disability" else "disa_table_id"
        df = df[[(name, str(k)) not in bad for k in df[key]]]
        for c in dates:
            df[c] = pd.to_datetime(df[c])
        return df

    cal = WorkCalendar(dt.date(as_at_d.year - 20, 1, 1), dt.date(as_at_d.year + 2, 12, 31))

    def wd(a, b) -> int:
        return cal.wd_between(a.date().toordinal(), b.date().toordinal())

    person = table("ssd_person", ("pers_dob",)).set_index("pers_person_id")
    ep = table("ssd_cla_episodes", ("clae_cla_episode_start_date", "clae_cla_episode_ceased_date",
                                    "clae_entered_care_date"))
    legal = table("ssd_legal_status", ("lega_legal_status_start_date", "lega_legal_status_end_date"))
    place = table("ssd_cla_placement", ("clap_cla_placement_start_date", "clap_cla_placement_end_date"))
    immi = table("ssd_immigration_status", ("immi_immigration_status_start_date",))
    ref = table("ssd_cin_episodes", ("cine_referral_date", "cine_close_date"))
    assess = table("ssd_cin_assessments", ("cina_assessment_start_date", "cina_assessment_auth_date"))
    s47 = table("ssd_s47_enquiry", ("s47e_s47_start_date",))
    icpc = table("ssd_initial_cp_conference", ("icpc_icpc_date",))
    plans = table("ssd_cp_plans", ("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"))
    contacts = table("ssd_contacts", ("cont_contact_date",))

    def open_at(df, s, e):
        return df[(df[s] <= as_at) & (df[e].isna() | (df[e] > as_at))]

    ls_now = open_at(legal, "lega_legal_status_start_date", "lega_legal_status_end_date")
    ls_now = ls_now.sort_values("lega_legal_status_start_date").drop_duplicates("lega_person_id", keep="last")
    ls_now = ls_now.set_index("lega_person_id")["lega_legal_status"]
    cla_now = set(open_at(ep, "clae_cla_episode_start_date", "clae_cla_episode_ceased_date")["clae_person_id"])
    cla_now = {p for p in cla_now if ls_now.get(p) not in ("V3", "V4")}
    n_cla = len(cla_now)
    rates: list[Rate] = []
    rates.append(Rate("CLA at as-at (per council)", n_cla / scale, 530, 0.15 * 530))
    male = sum(person.loc[p, "pers_sex"] == "M" for p in cla_now) / n_cla
    rates.append(Rate("CLA at as-at: male", male, 0.56, share_tolerance(0.56, n_cla, 0.04), "%"))
    ls_share = ls_now[ls_now.index.isin(cla_now)].value_counts(normalize=True)
    rates.append(Rate("legal status C2 (full care order)", ls_share.get("C2", 0), 0.785, share_tolerance(0.785, n_cla, 0.05), "%"))
    rates.append(Rate("legal status V2 (section 20)", ls_share.get("V2", 0), 0.155, share_tolerance(0.155, n_cla, 0.04), "%"))
    rates.append(Rate("legal status E1 (placement order)", ls_share.get("E1", 0), 0.05, 0.025, "%"))
    pl_now = open_at(place, "clap_cla_placement_start_date", "clap_cla_placement_end_date")
    pl_now = pl_now[pl_now["clap_person_id"].isin(cla_now)]
    pl_now = pl_now.sort_values("clap_cla_placement_start_date").drop_duplicates("clap_person_id", keep="last")
    rates.append(Rate("placement: foster care (U1-U6)", pl_now["clap_cla_placement_type"].isin(FOSTER).mean(), 0.67,
                      share_tolerance(0.67, n_cla, 0.06), "%"))
    uasc = set(immi[(immi["immi_immigration_status"] == "Unaccompanied Asylum Seeking Child")
                    & (immi["immi_immigration_status_start_date"] <= as_at)]["immi_person_id"])
    rates.append(Rate("UASC share of CLA", len(cla_now & uasc) / n_cla, 6540 / 81770, share_tolerance(0.08, n_cla, 0.03), "%"))
    # entries to care (periods of care started, not short breaks) in the last 5 years
    starts = ep[ep["clae_cla_episode_start_reason"] == "S"].drop_duplicates("clae_cla_id")
    starts = starts[starts["clae_entered_care_date"] > window_start + pd.Timedelta(days=365)]
    sb = legal[legal["lega_legal_status"].isin(["V3", "V4"])][["lega_person_id", "lega_legal_status_start_date"]]
    sb_keys = set(zip(sb["lega_person_id"], sb["lega_legal_status_start_date"]))
    starts = starts[[(p, d) not in sb_keys for p, d in zip(starts["clae_person_id"], starts["clae_entered_care_date"])]]
    dob = person["pers_dob"].reindex(starts["clae_person_id"]).to_numpy()
    age = (starts["clae_entered_care_date"].to_numpy() - dob) / pd.Timedelta(days=365.25)
    bands = pd.cut(pd.Series(age), [-1, 1, 5, 10, 16, 30], right=False,
                   labels=["under 1", "1-4", "5-9", "10-15", "16+"]).value_counts(normalize=True)
    for band, target in zip(["under 1", "1-4", "5-9", "10-15", "16+"], [0.16, 0.14, 0.15, 0.27, 0.28]):
        rates.append(Rate(f"age at entry {band}", bands.get(band, 0), target, share_tolerance(target, len(starts), 0.04), "%"))
    # re-entries: a period of care started by a child who had an earlier one (not short breaks)
    all_starts = ep[ep["clae_cla_episode_start_reason"] == "S"].drop_duplicates("clae_cla_id")
    all_starts = all_starts[[(p, d) not in sb_keys for p, d in zip(all_starts["clae_person_id"],
                                                                    all_starts["clae_entered_care_date"])]]
    first_start = all_starts.groupby("clae_person_id")["clae_entered_care_date"].min()
    again = starts["clae_entered_care_date"].to_numpy() > first_start.reindex(starts["clae_person_id"]).to_numpy()
    rates.append(Rate("re-entries (share of starts)", again.mean(), 0.12, share_tolerance(0.12, len(starts), 0.03), "%"))
    temporary = place["clap_cla_placement_type"].str.match(r"^T[0-4]$")
    rates.append(Rate("temporary placements (T0-T4)", temporary.mean(), 0.03, 0.015, "%"))
    recent_starts = starts[starts["clae_entered_care_date"] > year_ago]
    rates.append(Rate("CLA starts in the year (per council)", len(recent_starts) / scale, 211, 0.2 * 211))
    # referrals
    ref = ref.sort_values("cine_referral_date")
    rec = ref[ref["cine_referral_date"] > three_years]
    prev = ref[["cine_person_id", "cine_referral_date"]].rename(columns={"cine_referral_date": "prev"})
    m = rec[["cine_referral_id", "cine_person_id", "cine_referral_date"]].merge(prev, on="cine_person_id")
    m = m[(m["prev"] < m["cine_referral_date"]) & (m["prev"] >= m["cine_referral_date"] - pd.DateOffset(months=12))]
    rates.append(Rate("re-referrals within 12 months", m["cine_referral_id"].nunique() / len(rec), 0.226, 0.03, "%"))
    rates.append(Rate("referrals NFA", rec["cine_referral_nfa"].isin(YES).mean(), 0.065, 0.015, "%"))
    rates.append(Rate("referrals in the year (per council)", (ref["cine_referral_date"] > year_ago).sum() / scale,
                      4100, 410))
    rates.append(Rate("contacts in the year (per council)", (contacts["cont_contact_date"] > year_ago).sum() / scale,
                      20000, 2000))
    cin_now = open_at(ref, "cine_referral_date", "cine_close_date")
    rates.append(Rate("children in need at as-at (per council)", cin_now["cine_person_id"].nunique() / scale, 2600,
                      0.15 * 2600))
    # assessments: start -> authorisation
    done = assess[assess["cina_assessment_auth_date"].notna() & (assess["cina_assessment_auth_date"] > three_years)]
    days = pd.Series([wd(a, b) for a, b in zip(done["cina_assessment_start_date"], done["cina_assessment_auth_date"])])
    rates.append(Rate("assessments within 45 working days", (days <= 45).mean(), 0.857, 0.03, "%"))
    rates.append(Rate("assessment median working days", float(days.median()), 33, 3))
    # ICPC within 15 working days of the S47 start
    ic = icpc[(icpc["icpc_icpc_date"] > three_years) & ~icpc["icpc_icpc_transfer_in"].isin(YES)]
    ic = ic.merge(s47[["s47e_s47_enquiry_id", "s47e_s47_start_date"]], left_on="icpc_s47_enquiry_id",
                  right_on="s47e_s47_enquiry_id")
    ic_days = pd.Series([wd(a, b) for a, b in zip(ic["s47e_s47_start_date"], ic["icpc_icpc_date"])])
    rates.append(Rate("ICPC within 15 working days", (ic_days <= 15).mean(), 0.814, 0.04, "%"))
    cp_now = open_at(plans, "cppl_cp_plan_start_date", "cppl_cp_plan_end_date")
    rates.append(Rate("CP plans at as-at (per council)", cp_now["cppl_person_id"].nunique() / scale, 49420 / 153,
                      0.2 * 49420 / 153))
    rates.append(Rate("CP plans started in the year (per council)",
                      (plans["cppl_cp_plan_start_date"] > year_ago).sum() / scale, 61840 / 153, 0.2 * 61840 / 153))
    # IHA within 20 working days of the start of a period of care (TIMELINESS.md), over all periods of care
    rates.append(iha_rate(out_dir, manifest, 0.01 if scale >= 1 else 0.03))
    return rates


def iha_rate(out_dir: Path, manifest: dict, tolerance: float = 0.01) -> Rate:
    """IHA within 20 working days over every period of care in the extract (also those that started before the
    window), from the provider's files: on time / (on time + late + overdue)."""
    o = iha_outcomes(out_dir)
    return Rate("IHA within 20 working days (all periods)", o.share, manifest["settings"]["iha_on_time_rate"],
                tolerance, "%")


@dataclass
class Outcomes:
    """Due items by outcome (TIMELINESS.md vocabulary): the ones judged, and the on-time share of those."""
    on_time: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def share(self) -> float:
        return self.on_time / max(1, self.due)


@dataclass
class IhaOutcomes(Outcomes):
    """IHA due items over every period of care in the extract (TIMELINESS.md), by outcome."""
    excluded: dict = field(default_factory=dict)
    overdue_due_dates: list = field(default_factory=list)


def iha_outcomes(out_dir: Path, source: str = "health", cms_url: str | None = None,
                 started: str = "all") -> IhaOutcomes:
    """Every period of care (RNE 'S', not a short break) due by as-at: on time / late / overdue.

    ``source`` "health": the provider's completed IHAs (all deliveries, latest state per record); "cms": the
    case-management ``ssd_cla_health`` rows (which may be missing or recorded late). An assessment in the three
    months before entry, a refusal, and leaving care before the due date exclude the item. ``started``: "all"
    periods of care, only those started "before" the window start, or only those started "in" the window.
    """
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "ground_truth" / "manifest.json").read_text())
    as_at = dt.date.fromisoformat(manifest["as_at"])
    window_start = dt.date.fromisoformat(manifest["period_start"])
    eng = sa.create_engine(cms_url or f"sqlite:///{out_dir / 'ssd.sqlite'}")
    defects = pd.read_csv(out_dir / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)
    bad_ep = set(defects.loc[defects["location"] == "ssd_cla_episodes", "row_key"])
    ep = pd.read_sql("select * from ssd_cla_episodes", eng)
    ep = ep[~ep["clae_cla_episode_id"].astype(str).isin(bad_ep)]
    legal = pd.read_sql("select lega_person_id, lega_legal_status, lega_legal_status_start_date from ssd_legal_status",
                        eng)
    sb = legal[legal["lega_legal_status"].isin(["V3", "V4"])]
    sb_keys = {(p, str(d)[:10]) for p, d in zip(sb["lega_person_id"], sb["lega_legal_status_start_date"])}
    done: dict[str, list[dt.date]] = {}
    refused: dict[str, list[dt.date]] = {}
    if source == "health":
        h = read_health(out_dir / "health", manifest, "lac_health_assessments")
        truth = pd.read_csv(out_dir / "ground_truth" / "health_record_truth.csv", dtype=str, keep_default_na=False)
        h = h.merge(truth[["record_id", "person_id"]], on="record_id")
        h = h[(h["assessment_type"] == "IHA") & (h["person_id"] != "")]
        for p, d in zip(*[h.loc[(h["status"] == "COMPLETED") & h["assessment_date"].notna(), c]
                          for c in ("person_id", "assessment_date")]):
            done.setdefault(p, []).append(d.date())
        for p, d in zip(*[h.loc[(h["status"] == "DECLINED") & h["appointment_date"].notna(), c]
                          for c in ("person_id", "appointment_date")]):
            refused.setdefault(p, []).append(d.date())
    else:
        cms = pd.read_sql("select clah_person_id, clah_health_check_date, clah_health_check_status from ssd_cla_health "
                          "where clah_health_check_type = 'Initial Health Assessment'", eng)
        for p, d, st in zip(cms["clah_person_id"], cms["clah_health_check_date"], cms["clah_health_check_status"]):
            day = dt.date.fromisoformat(str(d)[:10])
            (done if st == "Completed" else refused).setdefault(p, []).append(day)
    cal = WorkCalendar(dt.date(as_at.year - 45, 1, 1), dt.date(as_at.year + 2, 12, 31))
    out = IhaOutcomes()

    def exclude(why: str) -> None:
        out.excluded[why] = out.excluded.get(why, 0) + 1

    for cla_id, g in ep.groupby("clae_cla_id"):
        if not (g["clae_cla_episode_start_reason"] == "S").any():
            exclude("no S episode")
            continue
        person = g["clae_person_id"].iloc[0]
        start = dt.date.fromisoformat(str(g.loc[g["clae_cla_episode_start_reason"] == "S",
                                                "clae_cla_episode_start_date"].min())[:10])
        ceased = g["clae_cla_episode_ceased_date"]
        end = None if ceased.isna().any() else dt.date.fromisoformat(str(ceased.max())[:10])
        if (person, start.isoformat()) in sb_keys:
            exclude("short break")
            continue
        if (started == "before" and start >= window_start) or (started == "in" and start < window_start):
            continue
        due = dt.date.fromordinal(cal.add_wd(start.toordinal(), 20))
        if due > as_at:
            exclude("not yet due")
            continue
        if end is not None and end < due:
            exclude("ceased before due")
            continue
        last = end or as_at
        if any(start <= d <= last for d in refused.get(person, [])):
            exclude("refused")
            continue
        events = sorted(d for d in done.get(person, []) if start - dt.timedelta(days=91) <= d <= last)
        if events and events[0] < start:
            exclude("assessment in the 3 months before entry")
            continue
        if not events:
            out.overdue += 1
            out.overdue_due_dates.append(due)
        elif events[0] <= due:
            out.on_time += 1
        else:
            out.late += 1
    eng.dispose()
    return out


@dataclass
class DueOutcomes(Outcomes):
    """Due items of one measure, counted from the outputs, with those not yet due or excluded."""
    not_yet_due: int = 0
    excluded: int = 0
    terms_due: int = 0        # PEP only: whole school terms in care after the initial PEP's due date
    terms_done: int = 0

    def add(self, due: dt.date, as_at: dt.date, scope_end: dt.date | None, done: dt.date | None) -> None:
        if due > as_at:
            self.not_yet_due += 1
        elif scope_end is not None and scope_end < due:
            self.excluded += 1
        elif done is None:
            self.overdue += 1
        elif done <= due:
            self.on_time += 1
        else:
            self.late += 1


def _outputs(out_dir: Path):
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "ground_truth" / "manifest.json").read_text())
    as_at = dt.date.fromisoformat(manifest["as_at"])
    window_start = dt.date.fromisoformat(manifest["period_start"])
    defects = pd.read_csv(out_dir / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)
    bad = set(zip(defects["location"], defects["row_key"]))
    cal = WorkCalendar(dt.date(as_at.year - 45, 1, 1), dt.date(as_at.year + 2, 12, 31))
    return manifest, as_at, window_start, bad, cal, sa.create_engine(f"sqlite:///{out_dir / 'ssd.sqlite'}")


def _date(v) -> dt.date | None:
    return None if v is None else dt.date.fromisoformat(str(v)[:10])


def core_group_outcomes(out_dir: Path) -> DueOutcomes:
    """First core group within 10 working days of the ICPC, over CP plans whose ICPC is in the window (earlier
    meetings are not in the extract). Rows listed in defects.csv are left out."""
    manifest, as_at, window_start, bad, cal, eng = _outputs(out_dir)
    with eng.connect() as conn:
        plans = conn.execute(sa.text("select cppl_cp_plan_id, cppl_cp_plan_start_date, cppl_cp_plan_end_date "
                                     "from ssd_cp_plans")).all()
        meetings: dict[str, list[dt.date]] = {}
        for key, plan, d in conn.execute(sa.text("select cpcg_core_group_id, cpcg_cp_plan_id, cpcg_meeting_date "
                                                 "from ssd_cp_core_groups")):
            if ("ssd_cp_core_groups", key) not in bad:
                meetings.setdefault(plan, []).append(_date(d))
    eng.dispose()
    out = DueOutcomes()
    for plan, start, end in plans:
        if ("ssd_cp_plans", plan) in bad:
            continue
        icpc, end = _date(start), _date(end)
        if icpc < window_start:
            continue
        due = dt.date.fromordinal(cal.add_wd(icpc.toordinal(), 10))
        held = [d for d in meetings.get(plan, []) if icpc <= d <= (end or as_at)]
        out.add(due, as_at, end, min(held, default=None))
    return out


def pep_outcomes(out_dir: Path) -> DueOutcomes:
    """Initial PEP within 20 working days of entry to care, over periods of care started in the window by children
    aged 3-17 (not short breaks), and the share of whole school terms in care after the initial PEP (terms starting
    on or after its due date) that hold a PEP. Periods with an episode listed in defects.csv are left out."""
    manifest, as_at, window_start, bad, cal, eng = _outputs(out_dir)
    starts = sorted(dt.date(y, int(md[:2]), int(md[3:])).toordinal()
                    for y in range(window_start.year - 1, as_at.year + 2)
                    for md in manifest["rates"]["timeliness"]["term_starts"])
    with eng.connect() as conn:
        dob = {p: _date(d) for p, d in conn.execute(sa.text("select pers_person_id, pers_dob from ssd_person"))}
        sb = {(p, _date(d)) for p, d in conn.execute(sa.text(
            "select lega_person_id, lega_legal_status_start_date from ssd_legal_status "
            "where lega_legal_status in ('V3', 'V4')"))}
        ep = conn.execute(sa.text("select clae_cla_episode_id, clae_cla_id, clae_person_id, clae_entered_care_date, "
                                  "clae_cla_episode_ceased_date from ssd_cla_episodes")).all()
        peps: dict[str, list[dt.date]] = {}
        for key, p, d in conn.execute(sa.text("select clpe_pep_id, clpe_person_id, clpe_pep_date from ssd_cla_pep")):
            if ("ssd_cla_pep", key) not in bad:
                peps.setdefault(p, []).append(_date(d))
    eng.dispose()
    periods: dict[str, list] = {}
    broken = {cla for key, cla, *_ in ep if ("ssd_cla_episodes", key) in bad}     # dates moved by a defect
    for key, cla, p, entered, ceased in ep:
        if cla in broken:
            continue
        per = periods.setdefault(cla, [p, _date(entered), _date(ceased), False])
        per[1] = min(per[1], _date(entered))
        per[3] = per[3] or ceased is None
        if ceased is not None and (per[2] is None or _date(ceased) > per[2]):
            per[2] = _date(ceased)
    out = DueOutcomes()
    for p, start, end, still_open in periods.values():
        end = None if still_open else end
        if start < window_start or (p, start) in sb or p not in dob:
            continue
        b = dob[p]
        if not 3 <= (start - b).days / 365.25 < 18:
            continue
        due = dt.date.fromordinal(cal.add_wd(start.toordinal(), 20))
        held = sorted(d for d in peps.get(p, []) if start <= d <= (end or as_at))
        first = held[0] if held else None
        out.add(due, as_at, end, first)
        if first is None:
            continue
        for ts, nxt in zip(starts, starts[1:]):
            te = nxt - 1
            if ts < due.toordinal() or ts <= first.toordinal():
                continue
            if te > as_at.toordinal() or (end is not None and te >= end.toordinal()):
                break
            out.terms_due += 1
            out.terms_done += any(ts <= d.toordinal() <= te for d in held)
    return out


# Deadlines, not events: a meeting held early, shortly before the as-at date, was due shortly after it. These
# columns may pass the as-at date only for a meeting held on or before it, and by at most DUE_AFTER_AS_AT days.
DUE_COLUMNS = {("ssd_cla_reviews", "clar_cla_review_due_date"): "clar_cla_review_date",
               ("ssd_cp_reviews", "cppr_cp_review_due"): "cppr_cp_review_date",
               ("ssd_initial_cp_conference", "icpc_icpc_target_date"): "icpc_icpc_date"}
DUE_AFTER_AS_AT = 31


def _day(v) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return v.date().isoformat() if isinstance(v, dt.datetime) else str(v)[:10]


def dates_after_as_at(out_dir: Path, cms_url: str | None = None) -> list[tuple]:
    """(location, row key, column, value) of every date after as-at in every datetime column of every SSD table and
    every date column of every health file, leaving out rows listed in defects.csv (and DUE_COLUMNS as above)."""
    from cs_pipeline.lib.ssd_schema import key_column, ssd_tables

    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "ground_truth" / "manifest.json").read_text())
    as_at = manifest["as_at"]
    due_limit = (dt.date.fromisoformat(as_at) + dt.timedelta(days=DUE_AFTER_AS_AT)).isoformat()
    eng = sa.create_engine(cms_url or f"sqlite:///{out_dir / 'ssd.sqlite'}")
    defects = pd.read_csv(out_dir / "ground_truth" / "defects.csv", dtype=str, keep_default_na=False)
    listed = set(zip(defects["location"], defects["row_key"]))
    listed_records = set(defects.loc[~defects["location"].str.startswith("ssd_"), "row_key"]) - {""}
    found = []
    with eng.connect() as conn:
        for table, cols in ssd_tables().items():
            key = key_column(table) or cols[0].name
            dcols = [c.name for c in cols if c.ssd_type.lower() == "datetime"]
            if not dcols:
                continue
            extra = [e for (t, c), e in DUE_COLUMNS.items() if t == table and e not in dcols]
            q = sa.text(f"select {', '.join([key] + dcols + extra)} from {table}")
            for row in conn.execute(q):
                m = row._mapping
                if (table, str(m[key])) in listed:
                    continue
                for c in dcols:
                    day = _day(m[c])
                    if day is None or day <= as_at:
                        continue
                    event = DUE_COLUMNS.get((table, c))
                    if event and day <= due_limit and (_day(m[event]) or "9") <= as_at:
                        continue
                    found.append((table, str(m[key]), c, day))
    eng.dispose()
    for p in manifest["health_files"]:
        raw = (out_dir / "health" / p["file"]).read_bytes()
        text = raw.decode("cp1252") if p["encoding"] == "cp1252" else raw.decode("utf-8-sig")
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        fmt = "%d/%m/%Y" if p["date_format"] == "DD/MM/YYYY" else "%Y-%m-%d"
        for c in df.columns:
            if not (c.endswith("_date") or c == "date_of_birth"):
                continue
            days = pd.to_datetime(df[c].replace("", None), format=fmt, errors="coerce")
            late = df[(days > pd.Timestamp(as_at)) & ~df["record_id"].isin(listed_records)]
            found += [(p["file"], rid, c, v) for rid, v in zip(late["record_id"], late[c])]
    return found

if __name__ == "__main__":
    for r_ in observed_rates(Path(sys.argv[1])):
        print(r_.line())
