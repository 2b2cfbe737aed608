"""DfE's rule results in the warehouse, for every return: ``returns.dfe_rule_results`` (one row per flag) and
``returns.dfe_rule_runs`` (one row per rule and year: ran, skipped because its tables were not supplied, or failed).
A return's year is replaced as a whole, in one transaction, so a failure leaves the previous results."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rules import Rule, RuleRun

RESULTS_TABLE = "dfe_rule_results"
RUNS_TABLE = "dfe_rule_runs"
RESULT_COLUMNS = {
    "return_name": "TEXT",
    "collection_year": "TEXT",
    "rule_code": "TEXT",
    "table_name": "TEXT",
    "child_id": "TEXT",
    "row_id": "BIGINT",
    "message": "TEXT",
}
RUN_COLUMNS = {"return_name": "TEXT", "collection_year": "TEXT", "rule_code": "TEXT", "status": "TEXT",
               "detail": "TEXT", "flags": "BIGINT", "seconds": "DOUBLE PRECISION"}


def rule_results_frame(run: RuleRun, rules: list[Rule], return_name: str, year: CollectionYear) -> pd.DataFrame:
    messages = {r.code: r.message for r in rules}
    flags = run.flags
    return pd.DataFrame(
        {
            "return_name": return_name,
            "collection_year": str(year),
            "rule_code": flags["rule_code"].astype(str),
            "table_name": flags["table_name"].astype(str),
            "child_id": flags["child_id"].astype(object),
            "row_id": flags["row_id"].astype("int64"),
            "message": flags["rule_code"].map(messages),
        },
        columns=list(RESULT_COLUMNS),
    ).sort_values(["rule_code", "table_name", "row_id"], kind="stable")


def rule_runs_frame(run: RuleRun, return_name: str, year: CollectionYear) -> pd.DataFrame:
    counts = run.flags["rule_code"].value_counts().to_dict()
    rows = [(c, "ran", "", int(counts.get(c, 0)), run.seconds.get(c)) for c in run.ran]
    rows += [(c, "skipped", why, 0, None) for c, why in run.skipped.items()]
    rows += [(c, "failed", error, 0, None) for c, error in run.failed.items()]
    frame = pd.DataFrame(rows, columns=["rule_code", "status", "detail", "flags", "seconds"])
    frame.insert(0, "collection_year", str(year))
    frame.insert(0, "return_name", return_name)
    return frame.astype({"flags": "int64", "seconds": "float64"})


def store_rule_results(warehouse: Warehouse, conn: sa.Connection, return_name: str, year: CollectionYear,
                       run: RuleRun, rules: list[Rule]) -> None:
    """Replace the return's year in both tables, in one transaction."""
    with conn.begin():
        for table, columns, frame in (
            (RESULTS_TABLE, RESULT_COLUMNS, rule_results_frame(run, rules, return_name, year)),
            (RUNS_TABLE, RUN_COLUMNS, rule_runs_frame(run, return_name, year)),
        ):
            warehouse.create_table(conn, "returns", table, columns)
            conn.execute(
                sa.text(f"delete from returns.{table} where return_name = :r and collection_year = :y"),
                {"r": return_name, "y": str(year)},
            )
            warehouse.append_frame(conn, frame, "returns", table)
