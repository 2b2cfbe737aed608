"""One linkage run end to end, and model registration: warehouse in, in-memory DuckDB in between, warehouse out.

No Dagster here: the assets in ``cs_pipeline.defs.linkage`` call these, tests and benchmarks call them directly.
What they return is counts and shares only (no names, NHS numbers or dates of birth), safe for logs/metadata.

Tables written in the warehouse schema ``linkage``:

| table | replaced each run? | one row per |
|---|---|---|
| ``child_link`` | yes | (person_id, health_patient_key) link, with method, probability, model_version |
| ``health_record_link`` | yes | health record (file_kind, record_id) -> health_patient_key, person_id (NULL unlinked) |
| ``review_queue`` | yes | pair for a person to confirm or reject, with probability and comparison levels |
| ``person_nodes`` | yes | cleaned identity of an SSD person linked or queued for review (only those) |
| ``health_patient_nodes`` | yes | cleaned identity of a health patient node |
| ``match_weight_history`` | appended | (run, match-weight bin): the drift check compares runs |
| ``match_model`` | appended | registered model version (bundle JSON); the latest is the one in force |
| ``review_decisions`` | never (created empty) | a person's decision: confirm / reject a pair |
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage import model as lm
from cs_pipeline.linkage.matching import (
    METHODS,
    LinkageSettings,
    deterministic_pass,
    population_stability_index,
    resolve,
    score,
    weight_histogram,
)
from cs_pipeline.linkage.sources import load_raw
from cs_pipeline.linkage.standardise import build_nodes, persons_sql, splink_input_sql

SCHEMA = "linkage"

CHILD_LINK_TYPES = {
    "person_id": "TEXT",
    "health_patient_key": "TEXT",
    "nhs_number": "TEXT",
    "method": "TEXT",
    "match_probability": "DOUBLE PRECISION",
    "match_weight": "DOUBLE PRECISION",
    "health_record_count": "BIGINT",
    "model_version": "TEXT",
    "run_id": "TEXT",
    "linked_at": "TIMESTAMP",
}
HEALTH_RECORD_LINK_TYPES = {
    "file_kind": "TEXT",
    "record_id": "TEXT",
    "source_row_key": "TEXT",
    "health_patient_key": "TEXT",
    "person_id": "TEXT",
    "method": "TEXT",
}
REVIEW_QUEUE_TYPES = {
    "review_id": "TEXT",
    "person_id": "TEXT",
    "health_patient_key": "TEXT",
    "reason": "TEXT",
    "match_probability": "DOUBLE PRECISION",
    "match_weight": "DOUBLE PRECISION",
    **{f"gamma_{c}": "BIGINT" for c in lm.COMPARISON_NAMES},
    "comparison_levels": "TEXT",
    "health_record_count": "BIGINT",
    "model_version": "TEXT",
    "run_id": "TEXT",
    "queued_at": "TIMESTAMP",
}
NODE_TYPES = {
    "nhs_number": "TEXT",
    "nhs_number_raw": "TEXT",
    "forename": "TEXT",
    "forename_full": "TEXT",
    "forename_canons": "TEXT",
    "surname": "TEXT",
    "surname_full": "TEXT",
    "dob": "DATE",
    "sex": "TEXT",
    "postcode": "TEXT",
    "postcode_sector": "TEXT",
    "postcodes": "TEXT",
}
PERSON_NODE_TYPES = {"person_id": "TEXT", **NODE_TYPES, "looked_after": "BOOLEAN"}
HEALTH_NODE_TYPES = {"health_patient_key": "TEXT", **NODE_TYPES, "la_child_id": "TEXT", "record_count": "BIGINT"}
HISTORY_TYPES = {
    "run_id": "TEXT",
    "model_version": "TEXT",
    "computed_at": "TIMESTAMP",
    "bin_index": "BIGINT",
    "bin_lower": "DOUBLE PRECISION",
    "bin_upper": "DOUBLE PRECISION",
    "pair_count": "BIGINT",
}
DECISION_TYPES = {
    "person_id": "TEXT",
    "health_patient_key": "TEXT",
    "decision": "TEXT",
    "decided_by": "TEXT",
    "decided_at": "TIMESTAMP",
}
MODEL_TYPES = {
    "model_version": "TEXT",
    "source": "TEXT",
    "created_at": "TEXT",
    "registered_at": "TIMESTAMP",
    "run_id": "TEXT",
    "model_json": "TEXT",
}


def new_connection(threads: int = 2, memory_limit: str = "4GB") -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB linkage computes in; beyond ``memory_limit`` it spills to a temporary folder."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/cs_linkage_spill_{os.getpid()}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


# -- models -------------------------------------------------------------------------------------------------
def ensure_linkage_tables(wh: Warehouse) -> None:
    """Create the human-input and append-only tables if they are missing (never replaced)."""
    with wh.begin() as conn:
        wh.create_table(conn, SCHEMA, "review_decisions", DECISION_TYPES)
        wh.create_table(conn, SCHEMA, "match_model", MODEL_TYPES)
        wh.create_table(conn, SCHEMA, "match_weight_history", HISTORY_TYPES)


def registered_model(wh: Warehouse) -> lm.ModelBundle | None:
    if not wh.table_exists(SCHEMA, "match_model"):
        return None
    frame = wh.query_frame(
        "SELECT model_json FROM linkage.match_model ORDER BY registered_at DESC, model_version DESC LIMIT 1"
    )
    return None if frame.empty else lm.ModelBundle.from_json(frame.iloc[0]["model_json"])


def active_model(wh: Warehouse) -> lm.ModelBundle:
    """The model in force: the latest registered one, else the packaged default."""
    return registered_model(wh) or lm.default_model()


def register_model(wh: Warehouse, bundle: lm.ModelBundle, *, run_id: str) -> None:
    ensure_linkage_tables(wh)
    frame = pd.DataFrame(
        [
            {
                "model_version": bundle.model_version,
                "source": bundle.source,
                "created_at": bundle.created_at,
                "registered_at": pd.Timestamp(_now()),
                "run_id": run_id,
                "model_json": bundle.to_json(),
            }
        ]
    )
    with wh.begin() as conn:
        wh.append_frame(conn, frame, SCHEMA, "match_model")


def ensure_model(wh: Warehouse, *, run_id: str) -> tuple[lm.ModelBundle, bool]:
    """Make sure a model is registered: the packaged default until a council trains its own.

    A newer packaged default replaces an older default; a trained model is never replaced here.
    Returns (model in force, whether a model was registered now).
    """
    current = registered_model(wh)
    default = lm.default_model()
    if current is None or (current.source == "default" and current.model_version != default.model_version):
        register_model(wh, default, run_id=run_id)
        return default, True
    return current, False


def train_from_warehouse(
    wh: Warehouse, *, run_id: str, seed: int = 42, max_pairs_u: float = 3e6, min_persons: int = lm.MIN_TRAINING_PERSONS
) -> tuple[lm.ModelBundle, dict[str, Any]]:
    """Train on the warehouse's current raw data and register the model; returns it and counts."""
    con = new_connection()
    try:
        load_raw(wh, con)
        counts = build_nodes(con)
        con.execute(f"CREATE OR REPLACE TABLE train_persons AS {splink_input_sql(f'({persons_sql()}) AS p')}")
        con.execute(f"CREATE OR REPLACE TABLE train_health AS {splink_input_sql('health_patient_nodes')}")
        bundle = lm.train(
            con, "train_persons", "train_health", seed=seed, max_pairs_u=max_pairs_u, min_persons=min_persons
        )
    finally:
        con.close()
    register_model(wh, bundle, run_id=run_id)
    return bundle, counts


# -- a linkage run ------------------------------------------------------------------------------------------
def _load_decisions(wh: Warehouse, con: duckdb.DuckDBPyConnection) -> int:
    if wh.table_exists(SCHEMA, "review_decisions"):
        frame = wh.query_frame(
            "SELECT person_id, health_patient_key, decision, decided_by, decided_at FROM linkage.review_decisions"
        )
    else:
        frame = pd.DataFrame(columns=list(DECISION_TYPES))
    frame = frame.astype({"person_id": "object", "health_patient_key": "object", "decision": "object"})
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], errors="coerce")
    con.register("decisions_frame", frame)
    con.execute(
        """
        CREATE OR REPLACE TABLE review_decisions AS
        SELECT CAST(person_id AS VARCHAR) AS person_id, CAST(health_patient_key AS VARCHAR) AS health_patient_key,
               CAST(decision AS VARCHAR) AS decision, CAST(decided_at AS TIMESTAMP) AS decided_at
        FROM decisions_frame
        """
    )
    con.unregister("decisions_frame")
    return len(frame)


def _frames(
    con: duckdb.DuckDBPyConnection, bundle: lm.ModelBundle, run_id: str, now: dt.datetime
) -> dict[str, pd.DataFrame]:
    """The tables to publish, as Arrow-backed frames (no per-value Python objects)."""
    version = bundle.model_version
    labels = lm.level_labels(bundle.splink_model)
    levels_text = " || '; ' || ".join(
        f"'{name}=' || CASE gamma_{name} "
        + " ".join(f"WHEN {g} THEN '{label}'" for g, label in sorted(labels[name].items()))
        + " ELSE '?' END"
        for name in lm.COMPARISON_NAMES
    )
    ts = now.isoformat(sep=" ")
    touched = "(SELECT person_id AS unique_id FROM links UNION SELECT person_id FROM review_pairs)"
    q = {
        "child_link": f"""
            SELECT l.person_id, l.health_patient_key,
                   coalesce(p.nhs_number, h.nhs_number) AS nhs_number,
                   l.method, l.match_probability, l.match_weight, h.record_count AS health_record_count,
                   '{version}' AS model_version, '{run_id}' AS run_id, TIMESTAMP '{ts}' AS linked_at
            FROM links AS l
            JOIN person_nodes AS p ON p.unique_id = l.person_id
            JOIN health_patient_nodes AS h ON h.unique_id = l.health_patient_key
            ORDER BY l.person_id, l.health_patient_key
        """,
        "health_record_link": """
            SELECT r.file_kind, r.record_id, r.source_row_key, r.health_patient_key, l.person_id, l.method
            FROM health_records AS r LEFT JOIN links AS l USING (health_patient_key)
            ORDER BY r.file_kind, r.record_id
        """,
        "review_queue": f"""
            SELECT 'rv_' || left(md5(r.person_id || '|' || r.health_patient_key), 16) AS review_id,
                   r.person_id, r.health_patient_key, r.reason, r.match_probability, r.match_weight,
                   {", ".join(f"r.gamma_{c}" for c in lm.COMPARISON_NAMES)},
                   {levels_text} AS comparison_levels,
                   h.record_count AS health_record_count,
                   '{version}' AS model_version, '{run_id}' AS run_id, TIMESTAMP '{ts}' AS queued_at
            FROM review_pairs AS r JOIN health_patient_nodes AS h ON h.unique_id = r.health_patient_key
            ORDER BY r.health_patient_key, r.match_weight DESC
        """,
        "person_nodes": f"""
            SELECT unique_id AS person_id, nhs_number, nhs_number_raw, forename, forename_full,
                   array_to_string(forename_canons, ';') AS forename_canons, surname, surname_full, dob, sex,
                   postcode, postcode_sector, array_to_string(postcodes, ';') AS postcodes, looked_after
            FROM ({persons_sql(touched)}) AS p
            ORDER BY unique_id
        """,
        "health_patient_nodes": """
            SELECT unique_id AS health_patient_key, nhs_number, nhs_number_raw, forename, forename_full,
                   array_to_string(forename_canons, ';') AS forename_canons, surname, surname_full, dob, sex,
                   postcode, postcode_sector, array_to_string(postcodes, ';') AS postcodes, la_child_id,
                   record_count
            FROM health_patient_nodes ORDER BY unique_id
        """,
    }
    return {
        name: con.cursor().sql(sql).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype) for name, sql in q.items()
    }


TABLE_TYPES = {
    "child_link": CHILD_LINK_TYPES,
    "health_record_link": HEALTH_RECORD_LINK_TYPES,
    "review_queue": REVIEW_QUEUE_TYPES,
    "person_nodes": PERSON_NODE_TYPES,
    "health_patient_nodes": HEALTH_NODE_TYPES,
}


@dataclass
class RunSummary:
    """Counts and shares only: safe for logs and Dagster metadata."""

    values: dict[str, Any]
    histogram: list[tuple[float | None, float | None, int]]


def run_linkage(
    wh: Warehouse,
    *,
    run_id: str,
    settings: LinkageSettings | None = None,
    bundle: lm.ModelBundle | None = None,
    now: dt.datetime | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> RunSummary:
    """Read raw, link, and replace the linkage tables. Scores with ``bundle`` or else the model in force.

    The in-memory DuckDB takes ``threads`` / ``memory_limit`` from the arguments, else from a DuckDB warehouse URL's
    query, else 2 threads and 4 GB (it spills beyond that).
    """
    settings = settings or LinkageSettings()
    tuning = wh.duckdb_settings
    threads = threads or int(tuning.get("threads", 2))
    memory_limit = memory_limit or tuning.get("memory_limit", "4GB")
    now = now or _now()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ensure_linkage_tables(wh)
    bundle = bundle or active_model(wh)
    con = new_connection(threads, memory_limit)
    try:
        load = load_raw(wh, con)
        timings["read_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        nodes = build_nodes(con)
        n_decisions = _load_decisions(wh, con)
        deterministic_pass(con)
        timings["standardise_s"] = time.perf_counter() - t
        t = time.perf_counter()
        scored = score(con, bundle, settings)
        resolve(con, settings)
        timings["score_s"] = time.perf_counter() - t
        histogram = weight_histogram(con)
        frames = _frames(con, bundle, run_id, now)
        stats = con.cursor().execute(
            """
            SELECT
              (SELECT count(DISTINCT person_id) FROM links),
              (SELECT count(*) FROM (SELECT person_id FROM links GROUP BY person_id HAVING count(*) > 1)),
              (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM links GROUP BY person_id)),
              (SELECT count(*) FROM (SELECT health_patient_key FROM links GROUP BY 1
                                     HAVING count(DISTINCT person_id) > 1))
            """
        ).fetchall()[0]
    finally:
        con.close()

    t = time.perf_counter()
    for name, frame in frames.items():
        wh.replace_table(SCHEMA, name, [frame], TABLE_TYPES[name])
    hist = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "model_version": bundle.model_version,
                "computed_at": pd.Timestamp(now),
                "bin_index": i,
                "bin_lower": lo,
                "bin_upper": hi,
                "pair_count": n,
            }
            for i, (lo, hi, n) in enumerate(histogram)
        ]
    )
    with wh.begin() as conn:
        wh.append_frame(conn, hist, SCHEMA, "match_weight_history")
    timings["publish_s"] = time.perf_counter() - t

    links = frames["child_link"]
    records = frames["health_record_link"]
    by_method = links["method"].value_counts().to_dict()
    n_records = len(records)
    unlinked = int(records["person_id"].isna().sum())
    values: dict[str, Any] = {
        "model_version": bundle.model_version,
        "model_source": bundle.source,
        "match_threshold": settings.match_threshold,
        "review_threshold": settings.review_threshold,
        "ssd_persons": nodes["person_nodes"],
        "health_records": n_records,
        "health_patient_nodes": nodes["health_patient_nodes"],
        "links": len(links),
        **{f"links_{m}": int(by_method.get(m, 0)) for m in METHODS},
        "children_linked": int(stats[0]),
        "children_with_several_nodes": int(stats[1]),
        "max_nodes_per_child": int(stats[2]),
        "nodes_linked_to_several_children": int(stats[3]),
        "health_records_unlinked": unlinked,
        "health_records_unlinked_share": round(unlinked / n_records, 4) if n_records else 0.0,
        "review_queue_pairs": len(frames["review_queue"]),
        "review_decisions_read": n_decisions,
        "scored_health_nodes": int(scored.counts.get("scored_health_nodes", 0)),
        "scored_pairs": int(scored.counts.get("scored_pairs", 0)),
        "prior": scored.prior,
        "quarantined_rows_excluded": int(sum(load.quarantined_excluded.values())),
        "missing_raw_tables": len(load.missing_tables),
        **{k: round(v, 2) for k, v in timings.items()},
    }
    return RunSummary(values=values, histogram=histogram)


def weight_drift(wh: Warehouse) -> dict[str, Any]:
    """PSI between the latest run's match-weight histogram and the previous run's scored with the same model
    (a new model moves the weights by design; ``psi`` is None when there is no such run)."""
    if not wh.table_exists(SCHEMA, "match_weight_history"):
        return {"runs": 0, "psi": None}
    frame = wh.query_frame(
        "SELECT run_id, model_version, computed_at, bin_index, pair_count FROM linkage.match_weight_history"
    )
    if frame.empty:
        return {"runs": 0, "psi": None}
    runs = frame.groupby(["run_id", "model_version"], as_index=False)["computed_at"].max()
    runs = runs.sort_values(["computed_at", "run_id"])
    latest = runs.iloc[-1]
    earlier = runs.iloc[:-1]
    same_model = earlier[earlier.model_version == latest.model_version]
    out: dict[str, Any] = {"runs": len(runs), "psi": None, "model_changed": bool(len(earlier) and same_model.empty)}
    if same_model.empty:
        return out

    def counts(run_id: str) -> list[int]:
        return frame[frame.run_id == run_id].sort_values("bin_index")["pair_count"].astype(int).tolist()

    previous, current = counts(same_model.iloc[-1].run_id), counts(latest.run_id)
    out.update(
        psi=population_stability_index(previous, current), previous_pairs=sum(previous), current_pairs=sum(current)
    )
    return out
