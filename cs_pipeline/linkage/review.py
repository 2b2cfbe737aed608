"""Review the linkage queue: list the uncertain pairs, record a reviewer's confirm or reject.

    python -m cs_pipeline.linkage.review list [--limit N] [--reason R]
    python -m cs_pipeline.linkage.review confirm REVIEW_ID --by NAME
    python -m cs_pipeline.linkage.review reject REVIEW_ID --by NAME
    python -m cs_pipeline.linkage.review decisions [--limit N]

The warehouse is CS_PIPELINE_WAREHOUSE_URL (or ``--warehouse-url``). A decision is one row appended to
``linkage.review_decisions``; the next linkage run honours it, and every run after (see ``matching``).
Several decisions on one pair are kept for the audit trail and the latest (``decided_at``) wins, exactly as
``matching.deterministic_pass`` reads them: to change your mind, decide the same REVIEW_ID again.

``list`` shows names, dates of birth and postcodes because it is the reviewer's own screen; NHS numbers only as
their last 4 digits. Nothing here logs; ``decisions`` shows ids only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
from dataclasses import dataclass

import pandas as pd

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage.pipeline import SCHEMA, ensure_linkage_tables

PROG = "python -m cs_pipeline.linkage.review"
DECISIONS = ("confirm", "reject")
PUBLISHED = ("review_queue", "person_nodes", "health_patient_nodes")
IDENTITY = ("forename", "surname", "dob", "sex", "postcode")  # node columns shown; the NHS number masked apart

# The latest decision on each pair, as matching.deterministic_pass's ``decided`` reads it: ids trimmed, decision
# lower-cased, the newest decided_at wins, and a latest row that is neither confirm nor reject decides nothing.
_LATEST = """
    SELECT person_id, health_patient_key, decision, decided_at FROM (
        SELECT trim(person_id) AS person_id, trim(health_patient_key) AS health_patient_key,
               lower(trim(decision)) AS decision, decided_at,
               row_number() OVER (PARTITION BY trim(person_id), trim(health_patient_key)
                                  ORDER BY decided_at DESC NULLS LAST) AS rn
        FROM linkage.review_decisions
    ) AS d
    WHERE rn = 1 AND decision IN ('confirm', 'reject')
"""
_NO_DECISIONS = """
    SELECT CAST(NULL AS TEXT) AS person_id, CAST(NULL AS TEXT) AS health_patient_key,
           CAST(NULL AS TEXT) AS decision, CAST(NULL AS TIMESTAMP) AS decided_at
    WHERE 1 = 0
"""


class NotMaterialised(RuntimeError):
    """The linkage tables are not in this warehouse yet."""


class UnknownReview(LookupError):
    """No queued or decided pair has this review id."""


@dataclass(frozen=True)
class Recorded:
    person_id: str
    health_patient_key: str
    decision: str
    decided_at: dt.datetime
    superseded: str | None  # the decision in force before this one, if any


def review_id(person_id: str, health_patient_key: str) -> str:
    """The queue's review id of a pair: the same hash pipeline._frames computes in SQL."""
    digest = hashlib.md5(f"{person_id}|{health_patient_key}".encode("utf-8")).hexdigest()
    return f"rv_{digest[:16]}"


def _now() -> dt.datetime:
    # Microseconds kept: latest-wins orders by decided_at, so two decisions within a second must not tie.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _masked_nhs(alias: str) -> str:
    """SQL for a node's NHS number as its last 4 digits, so the full number never leaves the warehouse."""
    raw = f"{alias}.nhs_number_raw"
    return (
        f"CASE WHEN {raw} IS NULL THEN NULL "
        f"WHEN length({raw}) <= 4 THEN '****' "
        f"ELSE '******' || right({raw}, 4) "
        f"|| CASE WHEN {alias}.nhs_number IS NULL THEN ' (invalid)' ELSE '' END END"
    )


def _require_published(wh: Warehouse) -> None:
    missing = [t for t in PUBLISHED if not wh.table_exists(SCHEMA, t)]
    if missing:
        raise NotMaterialised(", ".join(f"{SCHEMA}.{t}" for t in missing))


def _latest_sql(wh: Warehouse) -> str:
    return _LATEST if wh.table_exists(SCHEMA, "review_decisions") else _NO_DECISIONS


def pending(wh: Warehouse, *, limit: int | None = None, reason: str | None = None) -> pd.DataFrame:
    """Queued pairs with no decision in force yet, highest match weight first, both identities side by side.

    A decision recorded since the last run takes the pair off this list at once (the run would drop it too).
    """
    _require_published(wh)
    side = ", ".join(
        f"{a}.{c}_full AS {p}_{c}" if c in ("forename", "surname") else f"{a}.{c} AS {p}_{c}"
        for a, p in (("p", "person"), ("h", "health"))
        for c in IDENTITY
    )
    where, params = "", {}
    if reason:
        where, params["reason"] = "AND q.reason = :reason", reason
    tail = ""
    if limit is not None:
        tail, params["limit"] = "LIMIT :limit", int(limit)
    sql = f"""
        WITH latest AS ({_latest_sql(wh)})
        SELECT q.review_id, q.person_id, q.health_patient_key, q.reason, q.match_probability, q.match_weight,
               q.comparison_levels, q.health_record_count, {side},
               {_masked_nhs('p')} AS person_nhs, {_masked_nhs('h')} AS health_nhs,
               -- confirming a second person moves the node (latest confirmation wins): warn the reviewer
               EXISTS (SELECT 1 FROM latest AS l WHERE l.health_patient_key = q.health_patient_key
                       AND l.person_id <> q.person_id AND l.decision = 'confirm') AS node_confirmed_elsewhere
        FROM linkage.review_queue AS q
        LEFT JOIN linkage.person_nodes AS p ON p.person_id = q.person_id
        LEFT JOIN linkage.health_patient_nodes AS h ON h.health_patient_key = q.health_patient_key
        WHERE NOT EXISTS (SELECT 1 FROM latest AS l
                          WHERE l.person_id = q.person_id AND l.health_patient_key = q.health_patient_key)
          {where}
        ORDER BY q.match_weight DESC NULLS LAST, q.review_id
        {tail}
    """
    return wh.query_frame(sql, **params)


def find_pair(wh: Warehouse, rid: str) -> tuple[str, str]:
    """(person_id, health_patient_key) of a review id: from the queue, else from a pair already decided (a run
    takes decided pairs out of the queue, and the reviewer may still change their mind)."""
    _require_published(wh)
    rid = rid.strip()
    queued = wh.query_frame(
        "SELECT person_id, health_patient_key FROM linkage.review_queue WHERE review_id = :r", r=rid
    )
    if not queued.empty:
        return str(queued.iloc[0, 0]), str(queued.iloc[0, 1])
    if wh.table_exists(SCHEMA, "review_decisions"):
        decided = wh.query_frame(
            "SELECT DISTINCT trim(person_id) AS p, trim(health_patient_key) AS h FROM linkage.review_decisions"
        )
        for p, h in decided.itertuples(index=False):
            if review_id(p, h) == rid:
                return p, h
    raise UnknownReview(rid)


def decide(wh: Warehouse, rid: str, decision: str, by: str, *, now: dt.datetime | None = None) -> Recorded:
    """Append one decision on the pair ``rid``; it becomes the one in force (latest wins)."""
    decision = decision.strip().lower()
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    by = by.strip()
    if not by:
        raise ValueError("--by must name the reviewer (audit trail)")
    person_id, node = find_pair(wh, rid)
    ensure_linkage_tables(wh)
    now = now or _now()
    before = wh.query_frame(
        f"""
        WITH latest AS ({_LATEST})
        SELECT (SELECT max(decided_at) FROM linkage.review_decisions
                WHERE trim(person_id) = :p AND trim(health_patient_key) = :h) AS newest,
               (SELECT decision FROM latest WHERE person_id = :p AND health_patient_key = :h) AS in_force
        """,
        p=person_id,
        h=node,
    ).iloc[0]
    # A row stamped at or after now (clock skew, hand-entered SQL) would outrank this one and silently win.
    if pd.notna(before["newest"]) and pd.Timestamp(before["newest"]) >= pd.Timestamp(now):
        raise ValueError(
            f"{rid} already has a decision stamped {before['newest']}, not before now ({now:%Y-%m-%d %H:%M:%S}); "
            "a new one would not take effect"
        )
    wh.execute(
        "INSERT INTO linkage.review_decisions (person_id, health_patient_key, decision, decided_by, decided_at) "
        "VALUES (:p, :h, :d, :b, :t)",
        p=person_id,
        h=node,
        d=decision,
        b=by,
        t=now,
    )
    superseded = before["in_force"] if isinstance(before["in_force"], str) else None
    return Recorded(person_id, node, decision, now, superseded)


def decisions(wh: Warehouse, *, limit: int | None = None) -> pd.DataFrame:
    """Recorded decisions, newest first: ids, decision, who, when, and whether a later one supersedes it."""
    if not wh.table_exists(SCHEMA, "review_decisions"):
        return pd.DataFrame(columns=["review_id", "person_id", "health_patient_key", "decision", "decided_by",
                                     "decided_at", "in_force"])
    params, tail = {}, ""
    if limit is not None:
        tail, params["limit"] = "LIMIT :limit", int(limit)
    frame = wh.query_frame(
        f"""
        SELECT trim(person_id) AS person_id, trim(health_patient_key) AS health_patient_key,
               lower(trim(decision)) AS decision, decided_by, decided_at,
               row_number() OVER (PARTITION BY trim(person_id), trim(health_patient_key)
                                  ORDER BY decided_at DESC NULLS LAST) = 1 AS in_force
        FROM linkage.review_decisions
        ORDER BY decided_at DESC NULLS LAST, person_id, health_patient_key
        {tail}
        """,
        **params,
    )
    frame.insert(0, "review_id", [review_id(p, h) for p, h in zip(frame.person_id, frame.health_patient_key)])
    return frame


# -- output -------------------------------------------------------------------------------------------------
def _text(value) -> str:
    return "-" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def format_pending(frame: pd.DataFrame) -> str:
    blocks = []
    for r in frame.to_dict("records"):
        head = (
            f"{r['review_id']}  {r['reason']}  probability {r['match_probability']:.4f}  "
            f"weight {r['match_weight']:.2f}  health records {_text(r['health_record_count'])}"
        )
        rows = [f"  {'':<11} {'person ' + r['person_id']:<24} health {r['health_patient_key']}"]
        rows += [
            f"  {c if c != 'nhs' else 'NHS number':<11} {_text(r[f'person_{c}']):<24} {_text(r[f'health_{c}'])}"
            for c in (*IDENTITY, "nhs")
        ]
        rows.append(f"  comparison  {r['comparison_levels']}")
        if r["node_confirmed_elsewhere"]:
            rows.append("  note: this health node is confirmed to another person; confirming here moves it")
        blocks.append("\n".join([head, *rows]))
    return "\n\n".join(blocks)


def format_decisions(frame: pd.DataFrame) -> str:
    lines = [f"{'review_id':<20} {'person':<12} {'health node':<20} {'decision':<8} {'by':<16} decided at (UTC)"]
    for r in frame.to_dict("records"):
        at = pd.Timestamp(r["decided_at"]).strftime("%Y-%m-%d %H:%M:%S") if pd.notna(r["decided_at"]) else "-"
        lines.append(
            f"{r['review_id']:<20} {r['person_id']:<12} {r['health_patient_key']:<20} {_text(r['decision']):<8} "
            f"{_text(r['decided_by']):<16} {at}{'' if r['in_force'] else '  (superseded)'}"
        )
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------------------------------
def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    # --warehouse-url is accepted before or after the command: SUPPRESS keeps a subcommand from resetting it
    # (and no set_defaults: the parent's action object is shared, so that would reset it too).
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument("--warehouse-url", default=argparse.SUPPRESS, help="overrides CS_PIPELINE_WAREHOUSE_URL")
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[url]
    )
    sub = ap.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", parents=[url], help="pairs waiting for a decision, highest match weight first")
    ls.add_argument("--limit", type=_positive)
    ls.add_argument("--reason", help="only this reason, e.g. below_match_threshold, ambiguous, nhs_number_conflict")
    for name in DECISIONS:
        p = sub.add_parser(
            name,
            parents=[url],
            help=f"{name} a pair; applied on the next linkage run",
            description=f"Record '{name}' for a pair. Every decision is kept; the latest on a pair wins, so "
            "deciding the same REVIEW_ID again replaces an earlier decision.",
        )
        p.add_argument("review_id", metavar="REVIEW_ID", help="from `list` (or `decisions`, to change your mind)")
        p.add_argument("--by", required=True, help="who decides (kept in the audit trail)")
    ds = sub.add_parser("decisions", parents=[url], help="decisions recorded, newest first (ids only)")
    ds.add_argument("--limit", type=_positive)
    return ap


def _warehouse(url: str | None) -> Warehouse:
    if url:
        return Warehouse(url)
    from cs_pipeline.config import Settings

    return Warehouse(Settings.from_env().warehouse_url)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    wh = _warehouse(getattr(args, "warehouse_url", None))
    try:
        if args.command == "list":
            frame = pending(wh, limit=args.limit, reason=args.reason)
            if frame.empty:
                print("No pairs waiting for review" + (f" with reason {args.reason!r}." if args.reason else "."))
            else:
                print(format_pending(frame))
                print(f"\n{len(frame)} pair(s) shown. Decide with: {PROG} confirm|reject REVIEW_ID --by NAME")
        elif args.command in DECISIONS:
            done = decide(wh, args.review_id, args.command, args.by)
            note = f" (replaces an earlier {done.superseded})" if done.superseded else ""
            print(f"Recorded {done.decision} for {args.review_id.strip()}{note}; the next linkage run applies it.")
        else:
            frame = decisions(wh, limit=args.limit)
            print(format_decisions(frame) if not frame.empty else "No decisions recorded yet.")
        return 0
    except NotMaterialised as exc:
        print(
            f"The linkage tables are not in this warehouse yet (missing: {exc}). Materialise the linkage assets "
            "first (Dagster group 'linkage', e.g. `make demo`), then run this again.",
            file=sys.stderr,
        )
        return 1
    except UnknownReview as exc:
        print(f"Unknown review id {exc.args[0]!r}: not in linkage.review_queue nor among decided pairs "
              f"(see `{PROG} list`).", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        wh.engine.dispose()


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # `list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0)
