"""The timeliness report: one self-contained HTML page a manager would rather look at than read.

Read from the warehouse only (no Dagster: ``cs_pipeline.defs.publish.report`` wraps :func:`write_report`):

1. each measure in ``marts.timeliness_monthly``: on-time rate by month (all teams) as a chart with its target, and
   the latest month in words;
2. children overdue now, per team, from the marts' ``overdue`` rows: person ids and due dates only;
3. linkage quality: how the health records were linked (``linkage.*``);
4. validation: rows extracted, quarantined and passed on per source table, and quarantine by rule;
5. DfE rule errors by return (``returns.dfe_rule_results``).

Offline by construction: inline CSS, charts as inline SVG drawn by matplotlib (Agg), no scripts, no external
references, no web fonts. Ids, dates and counts only: names, NHS numbers and dates of birth are never read. A section
whose table is not built says so and the rest of the report is still written. The same warehouse gives the same
bytes: the only date is the as-at date and the only run detail the run id passed in.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot
from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import PercentFormatter  # noqa: E402

import pandas as pd  # noqa: E402

from cs_pipeline.lib.warehouse import Warehouse, quote_ident  # noqa: E402

REPORTS_DIR = "reports"
TARGETS_ENV = "CS_PIPELINE_TIMELINESS_TARGETS"
CHART_MONTHS = 24  # months drawn, ending with the as-at month
SUMMARY_MONTHS = 12  # the "last 12 months" rate
TOP_RULES = 10


# -- what is measured, and against what ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    code: str
    title: str
    deadline: str
    mart: str
    due_column: str = "due_date"
    outcome_column: str = "outcome"
    where: str = ""  # which of the mart's rows are this measure's (PEP and PEP_TERM share a mart)


# The measures of marts.timeliness_monthly, in its order, and the mart rows behind each (TIMELINESS.md "Measures").
MEASURES: tuple[Measure, ...] = (
    Measure("IHA", "Initial health assessment", "within 20 working days of a new period of care", "iha_timeliness"),
    Measure("IHA_REQ", "IHA request sent to health",
            "within 5 working days of entering care (local standard, default shown)", "iha_request_timeliness"),
    Measure("RHA", "Review health assessment",
            "6 months after the last one if the child was under 5, else 12 months", "rha_timeliness"),
    Measure("CLA_REVIEW", "Looked-after child reviews",
            "within 20 working days of entering care, then 3 months, then every 6 months", "cla_review_timeliness"),
    Measure("CLA_VISIT", "Visits to looked-after children",
            "within 7 days of a placement starting, then at most every 6 weeks (3 months in a long-term placement "
            "after its first year)", "cla_visit_timeliness"),
    Measure("ASSESS_WT", "Assessments (Working Together)", "authorised within 45 working days of the referral",
            "assessment_timeliness", "due_date_wt", "outcome_wt"),
    Measure("ASSESS_DFE", "Assessments (DfE census measure)", "authorised within 45 working days of starting",
            "assessment_timeliness", "due_date_dfe", "outcome_dfe"),
    Measure("ICPC", "Initial child protection conferences",
            "within 15 working days of the strategy discussion", "icpc_timeliness"),
    Measure("CP_REVIEW", "Child protection reviews", "3 months after the ICPC, then every 6 months",
            "cp_review_timeliness"),
    Measure("CP_VISIT", "Visits to children on a child protection plan",
            "every 10 working days (local standard, default shown)", "cp_visit_timeliness"),
    Measure("CORE_GROUP", "First core group", "within 10 working days of the ICPC", "core_group_timeliness"),
    Measure("PEP", "Personal education plan", "within 20 working days of entering care", "pep_timeliness",
            where="pep_item = 'initial'"),
    Measure("PEP_TERM", "Personal education plan review", "once each school term (local term calendar)",
            "pep_timeliness", where="pep_item = 'term'"),
    Measure("CL_PATHWAY", "Care leaver pathway plans",
            "needs assessment within 3 months of eligibility, then reviewed every 6 months",
            "care_leaver_pathway_timeliness"),
)
MEASURE_BY_CODE = {m.code: m for m in MEASURES}


@dataclass(frozen=True)
class Target:
    pct: float
    label: str


# The figures TIMELINESS.md gives ("National figures", England, DfE statistics, year to 31 March 2025). Other
# measures have no national statistic (IHA: published local figures range 22% to 92%), so no line is drawn until the
# council sets a target in CS_PIPELINE_TIMELINESS_TARGETS.
NATIONAL_TARGETS: dict[str, Target] = {
    "ASSESS_DFE": Target(85.7, "England 2024-25 (DfE)"),
    "ICPC": Target(81.4, "England 2024-25 (DfE)"),
}
NO_TARGET_NOTES = {"IHA": "no national statistic; published local figures range from 22% to 92%"}
LOCAL_TARGET_LABEL = "local target"


def parse_targets(text: str | None) -> dict[str, Target | None]:
    """A council's targets, CS_PIPELINE_TIMELINESS_TARGETS: a JSON object {measure: percent | {"pct", "label"} |
    null}. null removes the national line. A ValueError names anything unreadable."""
    if not text or not text.strip():
        return {}
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{TARGETS_ENV} is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise ValueError(f"{TARGETS_ENV} must be a JSON object of {{measure: percent}}")
    out: dict[str, Target | None] = {}
    for code, value in values.items():
        if code not in MEASURE_BY_CODE:
            raise ValueError(f"{TARGETS_ENV}: unknown measure {code!r}; known: {', '.join(MEASURE_BY_CODE)}")
        if value is None:
            out[code] = None
            continue
        pct, label = (value.get("pct"), value.get("label", LOCAL_TARGET_LABEL)) if isinstance(value, dict) \
            else (value, LOCAL_TARGET_LABEL)
        if isinstance(pct, bool) or not isinstance(pct, (int, float)) or not 0 <= pct <= 100:
            raise ValueError(f"{TARGETS_ENV}: {code} needs a percentage from 0 to 100, not {pct!r}")
        out[code] = Target(float(pct), str(label))
    return out


def targets_in_force(overrides: dict[str, Target | None] | None = None) -> dict[str, Target]:
    merged: dict[str, Target | None] = {**NATIONAL_TARGETS, **(overrides or {})}
    return {code: t for code, t in merged.items() if t is not None}


# -- small helpers ------------------------------------------------------------------------------------------------
class Html(str):
    """Markup built here, passed through table cells unescaped."""


def _e(value) -> str:
    if isinstance(value, Html):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list], *, numeric: set[int] = frozenset(), cls: str = "") -> str:
    """A plain table; columns whose index is in ``numeric`` are right-aligned."""
    def cell(tag: str, i: int, v) -> str:
        return f"<{tag} class='num'>{_e(v)}</{tag}>" if i in numeric else f"<{tag}>{_e(v)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _missing(text: str) -> str:
    return f"<p class='missing'>{_e(text)}</p>"


def rate(on_time: int, due: int) -> float | None:
    """Per cent on time, one decimal, half up, in integers: the same rounding as marts.timeliness_monthly."""
    return None if due <= 0 else (2000 * on_time + due) // (2 * due) / 10


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _share(part: int, whole: int) -> str:
    return _pct(rate(part, whole))


def _long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _short_date(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# -- charts -------------------------------------------------------------------------------------------------------
# Fixed salt: matplotlib's SVG ids are hashes, so the same chart gives the same bytes; no mathtext, so a "$" in a
# council's target label is just a dollar sign.
_CHART_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "cs_pipeline", "font.size": 9, "text.parse_math": False,
                "axes.edgecolor": "#b1b4b6", "axes.linewidth": 0.8, "xtick.color": "#505a5f",
                "ytick.color": "#505a5f"}
_BAR, _BAR_BELOW, _TARGET = "#1d70b8", "#f47738", "#d4351c"


def _inline_svg(fig: Figure, prefix: str, label: str) -> str:
    """The figure as an <svg> element to paste in HTML: no XML prolog, DOCTYPE or namespace URLs (HTML needs none),
    ids prefixed so several charts share one page."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg.replace("<svg", f"<svg role='img' aria-label='{_e(label)}'", 1).strip()


def measure_chart(measure: Measure, months: list[dt.date], series: pd.DataFrame, target: Target | None) -> str:
    """Bars: the share on time of the items due in each month (all teams), with the number due above each bar; no
    bar where nothing fell due, a stub where nothing was on time (so 0% is not mistaken for no data)."""
    by_month = series.set_index("due_month")
    bars = []  # (x, percent, items due)
    for i, month in enumerate(months):
        if month in by_month.index and by_month.at[month, "due_items"] > 0:
            due = int(by_month.at[month, "due_items"])
            bars.append((i, rate(int(by_month.at[month, "on_time"]), due), due))
    with matplotlib.rc_context(_CHART_STYLE):
        fig = Figure(figsize=(6.4, 2.6))
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.1, right=0.99, top=0.9, bottom=0.18)  # fixed: constrained layout draws twice
        below = [target is not None and pct < target.pct for _, pct, _ in bars]
        ax.bar([x for x, _, _ in bars], [max(pct, 1.5) for _, pct, _ in bars], width=0.72,
               color=[_BAR_BELOW if b else _BAR for b in below])
        for x, pct, due in bars:
            ax.text(x, max(pct, 1.5) + 1.5, str(due), ha="center", va="bottom", fontsize=7, color="#505a5f")
        if target is not None:
            ax.axhline(target.pct, color=_TARGET, linestyle="--", linewidth=1.4)
            ax.text(1.0, 1.03, f"- - target {target.pct:g}% ({target.label})", transform=ax.transAxes, ha="right",
                    va="bottom", color=_TARGET, fontsize=8)
        ax.text(0.0, 1.03, "bars: % on time; numbers: items due", transform=ax.transAxes, ha="left", va="bottom",
                color="#505a5f", fontsize=7.5)
        ax.set_xlim(-0.6, len(months) - 0.4)
        ax.set_ylim(0, 112)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ticks = [i for i in range(len(months)) if (len(months) - 1 - i) % 3 == 0]
        ax.set_xticks(ticks, [f"{months[i]:%b}\n{months[i]:%Y}" for i in ticks])
        ax.grid(axis="y", color="#e6e9eb", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        label = f"{measure.code}: share on time by month due, {months[0]:%B %Y} to {months[-1]:%B %Y}"
        return _inline_svg(fig, f"chart-{measure.code.lower()}", label)


# -- reading the warehouse ----------------------------------------------------------------------------------------
def _team_names(wh: Warehouse) -> dict[str, str]:
    if not wh.table_exists("marts", "dim_team"):
        return {}
    frame = wh.query_frame("SELECT team_id, team_name FROM marts.dim_team")
    return {str(r.team_id): str(r.team_name) for r in frame.itertuples() if r.team_name is not None}


def _team_label(team: str, names: dict[str, str]) -> str:
    name = names.get(team)
    return f"{name} ({team})" if name and name != team else team


def load_monthly(wh: Warehouse) -> pd.DataFrame | None:
    if not wh.table_exists("marts", "timeliness_monthly"):
        return None
    frame = wh.query_frame(
        "SELECT measure, due_month, team, due_items, on_time, late, overdue FROM marts.timeliness_monthly")
    frame["due_month"] = frame["due_month"].map(_as_date)
    for c in ("due_items", "on_time", "late", "overdue"):
        frame[c] = frame[c].fillna(0).astype(int)
    return frame


def load_overdue(wh: Warehouse, as_at: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Every mart row with outcome 'overdue': measure, team, person id and due date only (nothing else is read).
    Also returns the marts not built."""
    parts, not_built = [], []
    for m in MEASURES:
        if not wh.table_exists("marts", m.mart):
            not_built.append(m.mart)
            continue
        where = f" AND {m.where}" if m.where else ""
        parts.append(
            f"SELECT '{m.code}' AS measure, team, person_id, {quote_ident(m.due_column)} AS due_date "
            f"FROM marts.{quote_ident(m.mart)} WHERE {quote_ident(m.outcome_column)} = 'overdue'{where}")
    columns = ["measure", "team", "person_id", "due_date", "days_overdue"]
    if not parts:
        return pd.DataFrame(columns=columns), sorted(set(not_built))
    frame = wh.query_frame(" UNION ALL ".join(parts))
    frame["due_date"] = frame["due_date"].map(_as_date)
    frame["team"] = frame["team"].fillna("UNALLOCATED").astype(str)
    frame["person_id"] = frame["person_id"].astype(str)
    frame["days_overdue"] = frame["due_date"].map(lambda d: (as_at - d).days)
    order = {m.code: i for i, m in enumerate(MEASURES)}
    frame["_order"] = frame["measure"].map(order)
    frame = frame.sort_values(["days_overdue", "person_id", "_order"], ascending=[False, True, True], kind="stable")
    return frame[columns].reset_index(drop=True), sorted(set(not_built))


# -- 1. timeliness by measure -------------------------------------------------------------------------------------
def _measure_order(codes) -> list[str]:
    known = [m.code for m in MEASURES if m.code in set(codes)]
    return known + sorted(set(codes) - set(known))


def _headline(measure: Measure, series: pd.DataFrame, as_at: dt.date, target: Target | None) -> tuple[str, dict]:
    """The latest month with items due, in words, and the last 12 months' rate."""
    this_month = _month_start(as_at)
    done = series[(series["due_month"] <= this_month) & (series["due_items"] > 0)]
    if done.empty:
        return "<p class='headline'>Nothing has fallen due yet.</p>", {"latest_month": None, "latest_pct": None}
    latest = done.iloc[-1]
    month, on, due = latest["due_month"], int(latest["on_time"]), int(latest["due_items"])
    pct = rate(on, due)
    when = f"{month:%B %Y}" + (" (month to date)" if month == this_month else "")
    compare = ""
    if target is not None:
        word, cls = ("at or above", "above") if pct >= target.pct else ("below", "below")
        compare = (f" That is <span class='{cls}'>{word}</span> the target of {target.pct:g}% "
                   f"({_e(target.label)}).")
    text = (f"<p class='headline'><span class='big'>{_pct(pct)}</span> on time in {when}: "
            f"{on} of {_plural(due, 'item')} due.{compare}</p>")
    return text, {"latest_month": month.isoformat(), "latest_pct": pct, "latest_on_time": on, "latest_due": due}


def section_timeliness(monthly: pd.DataFrame | None, overdue: pd.DataFrame, as_at: dt.date,
                       targets: dict[str, Target]) -> tuple[str, dict]:
    head = "<h2>1. On time, by measure</h2>"
    if monthly is None:
        return head + _missing("The timeliness marts are not built yet (marts.timeliness_monthly does not exist): "
                               "run the dbt step first."), {}
    this_month = _month_start(as_at)
    months = [_add_months(this_month, i - CHART_MONTHS + 1) for i in range(CHART_MONTHS)]
    first_12 = _add_months(this_month, 1 - SUMMARY_MONTHS)
    all_teams = (monthly.groupby(["measure", "due_month"], as_index=False)[["due_items", "on_time", "late", "overdue"]]
                 .sum().sort_values(["measure", "due_month"]))
    glance, cards, summary = [], [], {}
    for code in _measure_order(monthly["measure"].unique()):
        measure = MEASURE_BY_CODE.get(code, Measure(code, code, "", ""))
        series = all_teams[all_teams["measure"] == code].reset_index(drop=True)
        target = targets.get(code)
        headline, facts = _headline(measure, series, as_at, target)
        year = series[(series["due_month"] >= first_12) & (series["due_month"] <= this_month)]
        on12, due12 = int(year["on_time"].sum()), int(year["due_items"].sum())
        late_now = overdue[overdue["measure"] == code]
        facts |= {"pct_12_months": rate(on12, due12), "on_time_12_months": on12, "due_12_months": due12,
                  "overdue_items": len(late_now), "overdue_children": int(late_now["person_id"].nunique())}
        summary[code] = facts
        target_note = (f"Dashed line: target {target.pct:g}% ({_e(target.label)})." if target is not None else
                       f"No target line: {_e(NO_TARGET_NOTES.get(code, 'no national figure'))}; a council sets one "
                       f"in {TARGETS_ENV}.")
        shown = series[series["due_month"].isin(months) & (series["due_items"] > 0)]
        data_rows = [[f"{r.due_month:%b %Y}", r.due_items, r.on_time, r.late, r.overdue, _pct(rate(r.on_time,
                      r.due_items))] for r in shown.itertuples()]
        cards.append(
            f"<article class='card' id='measure-{code.lower()}'><h3>{_e(measure.title)} "
            f"<span class='code'>{_e(code)}</span></h3><p class='deadline'>{_e(measure.deadline)}</p>{headline}"
            f"<figure id='chart-{code.lower()}'>{measure_chart(measure, months, series, target)}"
            f"<figcaption>Share of the items due each month that were done by their due date, all teams, "
            f"{months[0]:%b %Y} to {months[-1]:%b %Y}; no bar where nothing fell due. {target_note}</figcaption>"
            f"</figure><p class='note'>Last {SUMMARY_MONTHS} months: {on12} of {due12} on time "
            f"({_pct(rate(on12, due12))}). Overdue now: {_plural(len(late_now), 'item')}, "
            f"{_plural(int(late_now['person_id'].nunique()), 'child', 'children')}.</p>"
            f"<details><summary>The figures behind the chart</summary>"
            + (_table(["month due", "due", "on time", "late", "overdue", "on time %"], data_rows,
                      numeric={1, 2, 3, 4, 5}) if data_rows else "<p>Nothing fell due in these months.</p>")
            + "</details></article>"
        )
        pct_latest = facts["latest_pct"]
        judged = "" if target is None or pct_latest is None else ("above" if pct_latest >= target.pct else "below")
        glance.append([
            Html(f"<a href='#measure-{code.lower()}'>{_e(measure.title)}</a>"),
            f"{dt.date.fromisoformat(facts['latest_month']):%b %Y}" if facts["latest_month"] else "–",
            Html(f"<span class='{judged}'>{_pct(pct_latest)}</span>"),
            _pct(facts["pct_12_months"]),
            f"{target.pct:g}%" if target is not None else "–",
            facts["overdue_children"],
            facts["overdue_items"],
        ])
    table = _table(["measure", "latest month", "on time", f"last {SUMMARY_MONTHS} months", "target",
                    "children overdue", "items overdue"], glance, numeric={2, 3, 4, 5, 6}, cls="glance")
    intro = ("<p class='note'>Cohort by due date: of the items due in a month, the share done by their due date. "
             "Items not yet due are left out; items past due and not done are overdue and count as not on time.</p>")
    return head + intro + table + f"<div class='cards'>{''.join(cards)}</div>", summary


# -- 2. children overdue now --------------------------------------------------------------------------------------
def section_overdue(overdue: pd.DataFrame, not_built: list[str], names: dict[str, str]) -> tuple[str, dict]:
    head = ("<h2>2. Children overdue now, by team</h2><p class='note'>Every item past its due date "
            "and not yet done; children longest overdue first. Person ids and due dates only.</p>")
    gaps = _missing(f"Not built yet, so not listed: marts {', '.join(not_built)}.") if not_built else ""
    if overdue.empty:
        return head + gaps + "<p>Nothing is overdue.</p>", {"overdue_items": 0, "overdue_children": 0, "teams": 0}
    titles = {m.code: m.title for m in MEASURES}
    teams = sorted(overdue["team"].unique(), key=lambda t: (t == "UNALLOCATED", _team_label(t, names).lower(), t))
    # the same measure due the same day more than once (say two S47 enquiries) is one entry, counted; groups keep
    # the order first seen, which is longest overdue first
    same = (overdue.groupby(["team", "person_id", "due_date", "measure", "days_overdue"], sort=False).size()
            .reset_index(name="n"))
    same["entry"] = [f"<span class='item'><span class='date'>{_short_date(due)}</span> "
                     f"{_e(titles.get(code, code))} ({_plural(days, 'day')})" + (f" <b>×{n}</b>" if n > 1 else "")
                     + "</span>" for due, code, days, n in same[["due_date", "measure", "days_overdue", "n"]]
                     .itertuples(index=False, name=None)]
    by_child = same.groupby(["team", "person_id"], sort=False).agg(
        longest=("days_overdue", "max"), what=("entry", " ".join)).reset_index()
    per_team = overdue.groupby("team").agg(children=("person_id", "nunique"), items=("person_id", "size"),
                                           longest=("days_overdue", "max"))
    children_of = {team: frame for team, frame in by_child.groupby("team", sort=False)}
    rows, blocks = [], []
    for team in teams:
        anchor = "team-" + re.sub(r"[^a-z0-9]+", "-", team.lower())
        label = _team_label(team, names)
        n_children, n_items = int(per_team.at[team, "children"]), int(per_team.at[team, "items"])
        rows.append([Html(f"<a href='#{anchor}'>{_e(label)}</a>"), n_children, n_items,
                     int(per_team.at[team, "longest"])])
        children = [[person_id, int(longest), Html(what)] for person_id, longest, what
                    in children_of[team][["person_id", "longest", "what"]].itertuples(index=False, name=None)]
        blocks.append(
            f"<div class='team'><h3 id='{anchor}'>{_e(label)}: {_plural(n_children, 'child', 'children')}, "
            f"{_plural(n_items, 'item')}</h3>"
            + _table(["person id", "longest (days)", "overdue: due date, measure"], children, numeric={1},
                     cls="overdue") + "</div>")
    totals = _table(["team", "children", "items", "longest overdue (days)"], rows, numeric={1, 2, 3})
    summary = {"overdue_items": len(overdue), "overdue_children": int(overdue["person_id"].nunique()),
               "teams": len(teams)}
    return head + gaps + totals + "".join(blocks), summary


# -- 3. linkage quality -------------------------------------------------------------------------------------------
_FILE_KINDS = {"lac_health_assessments": "health assessments", "immunisations": "immunisations",
               "dental_checks": "dental checks"}
_LINK_ROWS = (  # (method in linkage.health_record_link, label)
    ("nhs_number", "linked by NHS number"),
    ("la_id", "linked by the council's child id on the health record"),
    ("probabilistic", "linked by probabilistic match"),
    ("clerical", "linked after clerical review"),
    ("linked", "linked (method not recorded)"),
    ("queued", "not linked: waiting in the clerical review queue"),
    ("unlinked", "not linked"),
)


def section_linkage(wh: Warehouse) -> tuple[str, dict]:
    head = "<h2>3. Linkage of health records to children</h2>"
    if not wh.table_exists("linkage", "health_record_link"):
        return head + _missing("Linkage has not run yet (linkage.health_record_link does not exist)."), {}
    cols = set(wh.columns("linkage", "health_record_link"))
    has_queue = wh.table_exists("linkage", "review_queue")
    method = "method" if "method" in cols else "CASE WHEN person_id IS NULL THEN NULL ELSE 'linked' END"
    queued = ("CASE WHEN person_id IS NULL AND health_patient_key IN (SELECT health_patient_key FROM "
              "linkage.review_queue) THEN 1 ELSE 0 END" if has_queue and "health_patient_key" in cols else "0")
    frame = wh.query_frame(
        f"SELECT file_kind, method, queued, count(*) AS n FROM (SELECT file_kind, {method} AS method, {queued} AS "
        "queued FROM linkage.health_record_link) AS r GROUP BY file_kind, method, queued")
    frame["category"] = [("queued" if int(q) else "unlinked") if pd.isna(m) else str(m)
                         for m, q in zip(frame["method"], frame["queued"])]
    counts = frame.groupby(["category", "file_kind"])["n"].sum().astype(int)
    present = set(frame["file_kind"])
    kinds = [k for k in _FILE_KINDS if k in present] + sorted(present - set(_FILE_KINDS))
    total = int(frame["n"].sum())
    # each method always shows (a zero says something); without a method column only linked / not linked can
    shown = ([c for c, _ in _LINK_ROWS if c not in ("linked", "queued", "unlinked")] if "method" in cols
             else ["linked"])
    shown += (["queued"] if queued != "0" else []) + ["unlinked"]
    shown += sorted(set(frame["category"]) - set(shown))
    labels = dict(_LINK_ROWS)
    rows, by_category = [], {}
    for category in dict.fromkeys(shown):
        per_kind = [int(counts.get((category, k), 0)) for k in kinds]
        by_category[category] = n = sum(per_kind)
        rows.append([labels.get(category, f"linked by {category}"), *per_kind, n, _share(n, total)])
    rows.append([Html("<b>all health records</b>"),
                 *[int(frame.loc[frame["file_kind"] == k, "n"].sum()) for k in kinds], total, _share(total, total)])
    table = _table(["", *[_FILE_KINDS.get(k, k) for k in kinds], "all", "share"], rows,
                   numeric=set(range(1, len(kinds) + 3)))
    linked = total - by_category.get("queued", 0) - by_category.get("unlinked", 0)
    summary = {"health_records": total, "health_records_linked": linked, "by_method": by_category}
    facts = [f"{_share(linked, total)} of {_plural(total, 'health record')} are linked to a child."]
    if wh.table_exists("linkage", "child_link"):
        children = int(wh.scalar("SELECT count(DISTINCT person_id) FROM linkage.child_link"))
        summary["children_linked"] = children
        facts.append(f"Children with at least one linked health record: {children}.")
        if "model_version" in wh.columns("linkage", "child_link"):
            versions = wh.query_frame("SELECT DISTINCT model_version FROM linkage.child_link "
                                      "WHERE model_version IS NOT NULL ORDER BY model_version")["model_version"]
            if len(versions):
                facts.append(f"Match model in force: {_e(', '.join(map(str, versions)))}.")
    if has_queue:
        reasons = wh.query_frame("SELECT reason, count(*) AS n FROM linkage.review_queue GROUP BY reason "
                                 "ORDER BY reason") if "reason" in wh.columns("linkage", "review_queue") else None
        pairs = int(wh.scalar("SELECT count(*) FROM linkage.review_queue"))
        summary["review_queue_pairs"] = pairs
        why = (" (" + ", ".join(f"{_e(r.reason)}: {int(r.n)}" for r in reasons.itertuples()) + ")"
               if reasons is not None and pairs else "")
        facts.append(f"Clerical review queue: {_plural(pairs, 'candidate pair')} to confirm or reject{why}.")
    else:
        facts.append("No clerical review queue (linkage.review_queue does not exist).")
    accuracy = ("Accuracy: the linkage stage stores no accuracy measure. Precision and recall need the true links, "
                "which only the synthetic council has (they are measured in the tests and benchmarks, "
                "cs_pipeline.linkage.evaluation).")
    if wh.table_exists("linkage", "match_weight_history"):
        from cs_pipeline.linkage.pipeline import weight_drift  # only when the linkage stage has run

        drift = weight_drift(wh)
        if drift.get("psi") is not None:
            psi = float(drift["psi"])
            summary["match_weight_psi"] = round(psi, 4)
            verdict = "stable" if psi < 0.1 else "some drift" if psi < 0.25 else "drift: check the extracts"
            accuracy += (f" What it does store is the drift of match weights against the previous run with the same "
                         f"model: PSI {psi:.3f} ({verdict}).")
    body = "".join(f"<li>{f}</li>" for f in facts)
    return head + table + f"<ul>{body}</ul><p class='note'>{_e(accuracy)}</p>", summary


# -- 4. validation ------------------------------------------------------------------------------------------------
def section_validation(wh: Warehouse) -> tuple[str, dict]:
    from cs_pipeline.quality.engine import FINDINGS_TABLE, QUARANTINE, RAW, RULE_RESULTS_TABLE
    from cs_pipeline.quality.rules import RULES, STRUCTURAL_RULES

    head = "<h2>4. Validation: rows staged and quarantined</h2>"
    quarantined_tables = set(wh.tables(QUARANTINE)) - {FINDINGS_TABLE, RULE_RESULTS_TABLE}
    raw_tables = [t for t in wh.tables(RAW) if t in quarantined_tables]
    if not raw_tables:
        return head + _missing("Validation has not run yet (no quarantine tables)."), {}
    counts = wh.query_frame(" UNION ALL ".join(
        f"SELECT '{t}' AS raw_table, (SELECT count(*) FROM {RAW}.{quote_ident(t)}) AS raw_rows, "
        f"(SELECT count(DISTINCT _row_key) FROM {QUARANTINE}.{quote_ident(t)}) AS quarantined" for t in raw_tables))
    blocked: set[str] = set()
    if wh.table_exists(QUARANTINE, RULE_RESULTS_TABLE):
        structural = ", ".join(f"'{r}'" for r in STRUCTURAL_RULES)
        blocked = set(wh.query_frame(
            f"SELECT DISTINCT raw_table FROM {QUARANTINE}.{RULE_RESULTS_TABLE} "
            f"WHERE check_name IN ({structural}) AND NOT passed")["raw_table"])
    rows, empty = [], []
    for r in counts.sort_values("raw_table").itertuples():
        if int(r.raw_rows) == 0 and int(r.quarantined) == 0 and r.raw_table not in blocked:
            empty.append(r.raw_table)  # a council may have no adoptions this year: one line, not a row each
            continue
        raw, quarantined = int(r.raw_rows), int(r.quarantined)
        staged = 0 if r.raw_table in blocked else raw - quarantined
        status = "blocked: not staged" if r.raw_table in blocked else ("rows quarantined" if quarantined else "ok")
        rows.append([r.raw_table, raw, quarantined, staged, _share(quarantined, raw), status])
    by_rule = wh.query_frame(" UNION ALL ".join(
        f"SELECT '{t}' AS raw_table, rule_id, count(DISTINCT _row_key) AS n FROM {QUARANTINE}.{quote_ident(t)} "
        "GROUP BY rule_id" for t in sorted(raw_tables)))
    rule_rows = []
    for rule_id, g in by_rule.groupby("rule_id", sort=True):
        described = RULES.get(rule_id)
        tables = ", ".join(f"{t} ({int(n)})" for t, n in sorted(zip(g["raw_table"], g["n"])))
        rule_rows.append([rule_id, described.description if described else "", int(g["n"].sum()), tables])
    rule_rows.sort(key=lambda r: (-r[2], r[0]))
    total_raw, total_q = sum(r[1] for r in rows), sum(r[2] for r in rows)
    text = (f"<p>{_plural(total_q, 'row')} of {total_raw} quarantined ({_share(total_q, total_raw)}) across "
            f"{_plural(len(rows) + len(empty), 'source table')}; quarantined rows are left out of the measures and "
            "returns until corrected at source. Row by row: validation/validation_report.html in the output "
            "folder.</p>")
    table = _table(["source table", "rows extracted", "quarantined", "staged", "share quarantined", "status"], rows,
                   numeric={1, 2, 3, 4})
    if empty:
        table += f"<p class='note'>Nothing extracted (empty in the source): {_e(', '.join(empty))}.</p>"
    rule_table = (_table(["rule", "what it checks", "rows quarantined", "tables (rows)"], rule_rows, numeric={2})
                  if rule_rows else "<p>No rows quarantined by any rule.</p>")
    summary = {"rows_extracted": total_raw, "rows_quarantined": total_q, "tables_blocked": len(blocked),
               "quarantine_by_rule": {r[0]: r[2] for r in rule_rows}}
    return head + text + "<h3>Quarantine by rule</h3>" + rule_table + "<h3>By source table</h3>" + table, summary


# -- 5. DfE rule errors -------------------------------------------------------------------------------------------
RETURN_TITLES = {"ssda903": "SSDA903 (children looked after)", "cin": "CIN census"}


def section_dfe_rules(wh: Warehouse) -> tuple[str, dict]:
    from cs_pipeline.returns.rule_results import RESULTS_TABLE, RUNS_TABLE

    head = "<h2>5. DfE validation rules on the returns</h2>"
    if not wh.table_exists("returns", RESULTS_TABLE):
        return head + _missing(f"DfE rule results are not built yet (returns.{RESULTS_TABLE} does not exist): the "
                               "returns and their DfE rules have not been run."), {}
    by_rule = wh.query_frame(
        f"SELECT return_name, collection_year, rule_code, count(*) AS flags, count(DISTINCT child_id) AS children, "
        f"max(message) AS message FROM returns.{RESULTS_TABLE} GROUP BY return_name, collection_year, rule_code")
    children = wh.query_frame(
        f"SELECT return_name, collection_year, count(DISTINCT child_id) AS children FROM returns.{RESULTS_TABLE} "
        "GROUP BY return_name, collection_year")
    runs = (wh.query_frame(f"SELECT return_name, collection_year, status, count(*) AS n FROM returns.{RUNS_TABLE} "
                           "GROUP BY return_name, collection_year, status")
            if wh.table_exists("returns", RUNS_TABLE) else pd.DataFrame(columns=["return_name", "collection_year",
                                                                                  "status", "n"]))
    years = pd.concat([by_rule[["return_name", "collection_year"]], runs[["return_name", "collection_year"]]])
    parts, summary = [], {}
    for ret in list(RETURN_TITLES) + sorted(set(years["return_name"]) - set(RETURN_TITLES)):
        title = RETURN_TITLES.get(ret, ret)
        ret_years = sorted(set(years.loc[years["return_name"] == ret, "collection_year"]), reverse=True)
        if not ret_years:
            parts.append(f"<h3>{_e(title)}</h3>" + _missing(f"No {title} rule results: not built yet."))
            continue
        for year in ret_years:
            rules = by_rule[(by_rule["return_name"] == ret) & (by_rule["collection_year"] == year)]
            rules = rules.assign(flags=rules["flags"].astype(int)).sort_values(["flags", "rule_code"],
                                                                               ascending=[False, True])
            kids = children.loc[(children["return_name"] == ret) & (children["collection_year"] == year), "children"]
            ran = runs[(runs["return_name"] == ret) & (runs["collection_year"] == year)].set_index("status")["n"]
            flags = int(rules["flags"].sum())
            n_children = int(kids.iloc[0]) if len(kids) else 0
            rules_run = f" of {int(ran.get('ran', 0))} run" if len(ran) else ""
            failed = int(ran.get("failed", 0)) if len(ran) else 0
            text = (f"<p><span class='big'>{flags}</span> {'flag' if flags == 1 else 'flags'} on "
                    f"{_plural(n_children, 'child', 'children')}, from "
                    f"{_plural(len(rules), 'rule')} flagging{rules_run}"
                    + (f"; <span class='below'>{_plural(failed, 'rule')} failed to run</span>" if failed else "")
                    + ".</p>")
            top = [[r.rule_code, r.message, int(r.flags), int(r.children)] for r in rules.head(TOP_RULES).itertuples()]
            table = (_table(["rule", "DfE message", "flags", "children"], top, numeric={2, 3}, cls="rules")
                     if top else "<p>No rule flagged anything.</p>")
            caption = (f"<p class='note'>Top {TOP_RULES} rules by flags.</p>" if len(rules) > TOP_RULES else "")
            parts.append(f"<h3>{_e(title)}, {_e(year)}</h3>" + text + table + caption)
            summary.setdefault(ret, {"collection_year": year, "flags": flags, "children": n_children,
                                     "rules_flagging": len(rules)})  # the latest year comes first
    return head + "".join(parts), summary


# -- the page -----------------------------------------------------------------------------------------------------
CSS = """
:root{--ink:#1b1b1b;--muted:#505a5f;--line:#d8dde0;--blue:#1d70b8;--red:#d4351c;--green:#00703c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
background:#f3f5f7}
header{background:#0b0c0c;color:#fff;padding:18px 32px 12px}
header h1{margin:0;font-size:26px}header p{margin:4px 0 8px;color:#dfe3e6}
nav a{color:#fff;margin-right:18px;font-size:14px}
main{max-width:1240px;margin:0 auto;padding:4px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 22px 10px;margin:18px 0}
h2{font-size:21px;margin:4px 0 10px;padding-bottom:4px;border-bottom:3px solid var(--blue)}
h3{font-size:16px;margin:16px 0 4px}
a{color:var(--blue)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 16px}
.card h3{margin:2px 0 0}.code{color:var(--muted);font-weight:400;font-size:13px}
.deadline{color:var(--muted);font-size:13px;margin:0 0 6px}
.headline{margin:6px 0}.big{font-size:26px;font-weight:700;margin-right:4px}
figure{margin:4px 0}figure svg{display:block;width:100%;height:auto}
figcaption,.note{color:var(--muted);font-size:13px}
table{border-collapse:collapse;font-size:13.5px;margin:6px 0 14px}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f3f2f1;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
table.rules td:nth-child(2){max-width:640px}
table.overdue{width:100%;table-layout:fixed}table.overdue th:nth-child(-n+2){width:8.5em}
table.overdue td:nth-child(3){font-size:13px}
.item{display:inline-block;margin-right:20px;white-space:nowrap}.date{font-variant-numeric:tabular-nums}
.below{color:var(--red);font-weight:700}.above{color:var(--green);font-weight:700}
.missing{background:#fff7bf;border-left:6px solid #ffdd00;padding:8px 12px}
details summary{cursor:pointer;color:var(--blue);font-size:13px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:0 0 24px}
@media print{body{background:#fff}section{border:0;break-inside:avoid}nav,details{display:none}}
"""


def render_report(wh: Warehouse, as_at: dt.date, run_id: str | None = None, *, la_code: str | None = None,
                  targets: dict[str, Target | None] | None = None) -> tuple[str, dict]:
    """The page and a summary of counts (no ids): what the asset puts in its metadata."""
    in_force = targets_in_force(targets)
    names = _team_names(wh)
    monthly = load_monthly(wh)
    overdue, not_built = load_overdue(wh, as_at)
    sections = {  # summary key -> (anchor, (html, facts))
        "timeliness": ("timeliness", section_timeliness(monthly, overdue, as_at, in_force)),
        "overdue": ("overdue", section_overdue(overdue, not_built, names)),
        "linkage": ("linkage", section_linkage(wh)),
        "validation": ("validation", section_validation(wh)),
        "dfe_rules": ("dfe-rules", section_dfe_rules(wh)),
    }
    council = f"Council {_e(la_code)}" if la_code else "Council"
    run = f" · run {_e(run_id)}" if run_id else ""
    nav = "".join(f"<a href='#{a}'>{t}</a>" for a, t in (
        ("timeliness", "On time"), ("overdue", "Overdue now"), ("linkage", "Linkage"),
        ("validation", "Validation"), ("dfe-rules", "DfE rules")))
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Timeliness report, {council}, as at {as_at.isoformat()}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Timeliness report</h1><p>{council} · as at <time datetime='{as_at.isoformat()}'>"
        f"{_long_date(as_at)}</time>{run}</p><nav>{nav}</nav></header><main>"
        + "".join(f"<section id='{anchor}'>{body}</section>" for anchor, (body, _) in sections.values())
        + "</main><footer>Children's social care timeliness, from the cs_pipeline warehouse. Person ids only: no "
        "names, NHS numbers or dates of birth.</footer></body></html>\n"
    )
    summary = {"as_at": as_at.isoformat(), **{name: facts for name, (_, (_, facts)) in sections.items()},
               "sections_not_built": [name for name, (_, (_, facts)) in sections.items() if not facts]}
    return page, summary


def report_path(output_dir: Path | str, as_at: dt.date) -> Path:
    return Path(output_dir) / REPORTS_DIR / f"timeliness_{as_at.isoformat()}.html"


def write_report(warehouse: Warehouse, output_dir: Path | str, as_at: dt.date, run_id: str | None = None, *,
                 la_code: str | None = None, targets: dict[str, Target | None] | None = None) -> tuple[Path, dict]:
    """Write ``<output_dir>/reports/timeliness_<as_at>.html``; a reader never sees a half-written file (temp file in
    the same folder, then an atomic rename). Returns the path and the summary of counts."""
    page, summary = render_report(warehouse, as_at, run_id, la_code=la_code, targets=targets)
    path = report_path(output_dir, as_at)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(page)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the report is for readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path, summary
