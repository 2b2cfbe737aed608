"""Build a table's Great Expectations suite from its YAML and run it on a pandas batch of the raw rows.

GX's SQL datasource cannot read DuckDB through SQLAlchemy (shared/DESIGN.md), so on both engines the suite runs
on GX's pandas engine. It validates each *distinct value tuple* of the columns an expectation reads (selected in
SQL; timestamps keyed by their day and the shape of their time part), not every row: a map expectation's verdict
depends only on those values, so the verdict is the same for every row holding them, and the engine traces failing
tuples back to their rows in SQL. Measured (benchmarks/bench_validation.py): at scale 10 (7.4 M raw rows) GX on
whole rows took 128 s of a 201 s run; on distinct values 24 s of 65 s, with identical quarantines.
Set-based rules (keys, references to other tables, cross-table consistency) run in SQL: see ``sql_rules``.

``great_expectations`` is imported inside these functions: importing it costs ~3 s.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd

from cs_pipeline.quality import code_lists
from cs_pipeline.quality.suite_spec import ExpectationSpec, TableSuite

FLAG_VALUES = ("Y", "N", "1", "0", "TRUE", "FALSE", "T", "F", "YES", "NO")


@dataclass
class GxOutcome:
    spec: ExpectationSpec
    evaluated: bool
    failing_values: pd.DataFrame  # the distinct value tuples (spec.columns) that fail
    error: str = ""  # GX raised while evaluating (treated as a structural problem)


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_pandas("warehouse_raw")
    return context, datasource


def build_expectation(spec: ExpectationSpec, *, as_at: dt.date, year: int, rename: dict[str, str] | None = None):
    """The GX expectation for one suite entry. ``rename`` maps the table's column names to the batch's (the
    distinct-values batch gives multi-column entries their own columns)."""
    check_name = spec.check_name
    if rename:
        spec = replace(
            spec,
            column=rename.get(spec.column, spec.column) if spec.column else None,
            start=rename.get(spec.start, spec.start) if spec.start else None,
            end=rename.get(spec.end, spec.end) if spec.end else None,
            birth_column=rename.get(spec.birth_column, spec.birth_column) if spec.birth_column else None,
            when=tuple((rename.get(c, c), v) for c, v in spec.when),
        )
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    from cs_pipeline.quality import gx_expectations as cx

    meta = {"rule_id": spec.rule_id, "severity": spec.effective_severity, "check_name": check_name}
    kwargs: dict = {"meta": meta}
    if spec.when:
        condition = None
        for col, value in spec.when:
            part = Column(col) == value
            condition = part if condition is None else condition & part
        kwargs["row_condition"] = condition
    r = spec.rule_id
    if r == "column_present":
        return gx.expectations.ExpectColumnToExist(column=spec.column, meta=meta)
    if r == "key_not_null":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=spec.column, **kwargs)
    if r == "key_unique":
        return gx.expectations.ExpectColumnValuesToBeUnique(column=spec.column, **kwargs)
    if r == "code_in_list":
        values = code_lists.codes(spec.code_list, year, ignore_case=spec.ignore_case)
        meta["code_list"] = spec.code_list
        return gx.expectations.ExpectColumnValuesToBeInSet(column=spec.column, value_set=values, **kwargs)
    if r == "flag_readable":
        values = list(dict.fromkeys(v for f in FLAG_VALUES for v in (f, f.lower(), f.title())))
        return gx.expectations.ExpectColumnValuesToBeInSet(column=spec.column, value_set=values, **kwargs)
    if r == "date_parseable":
        return cx.ExpectColumnValuesToBeIsoDates(column=spec.column, **kwargs)
    if r == "date_not_after_as_at":
        return cx.ExpectColumnValuesToBeDatesNotAfter(column=spec.column, max_date=as_at.isoformat(), **kwargs)
    if r == "end_not_before_start":
        return cx.ExpectColumnPairValuesToBeInDateOrder(column_A=spec.start, column_B=spec.end, **kwargs)
    if r == "date_not_before_birth":
        return cx.ExpectColumnPairValuesToBeInDateOrder(column_A=spec.birth_column, column_B=spec.column, **kwargs)
    if r == "nhs_number_valid":
        return cx.ExpectColumnValuesToBeValidNhsNumbers(
            column=spec.column, allow_test_numbers=spec.allow_test_numbers, **kwargs
        )
    if r == "upn_valid":
        return cx.ExpectColumnValuesToBeValidUpns(column=spec.column, **kwargs)
    raise ValueError(f"rule {r} does not run in GX")


def build_suite(suite: TableSuite, *, as_at: dt.date, year: int, present_columns: set[str] | None = None,
                skip: set[str] = frozenset()):
    """The table's ``gx.ExpectationSuite``: one expectation per GX-engine entry whose columns are present."""
    import great_expectations as gx

    _context()  # GX needs an active (ephemeral) context to build suites
    gx_suite = gx.ExpectationSuite(name=f"raw.{suite.table}")
    for spec in suite.by_engine("gx"):
        if present_columns is not None and not set(spec.columns) <= present_columns:
            continue
        if spec.check_name in skip:
            continue
        gx_suite.add_expectation(build_expectation(spec, as_at=as_at, year=year))
    return gx_suite


def values_batch(
    suite: TableSuite, distinct: dict[tuple[str, ...], pd.DataFrame]
) -> tuple[pd.DataFrame, dict[tuple[str, ...], dict[str, str]]]:
    """One pandas batch holding, side by side, each column group's distinct value tuples (padded with nulls).

    A single-column group keeps the column's own name, so the suite reads exactly as its YAML; a multi-column
    group (a date pair, a value with its ``when`` column) gets columns ``g<n>__<column>`` so its tuples stay
    aligned. ``_value_id`` numbers the batch's rows."""
    parts, renames = [], {}
    for n, (group, frame) in enumerate(distinct.items()):
        if len(group) == 1:
            rename = {group[0]: group[0]}
        else:
            rename = {c: f"g{n}__{c}" for c in group}
        renames[group] = rename
        parts.append(frame[list(group)].rename(columns=rename).reset_index(drop=True))
    batch = pd.concat(parts, axis=1) if parts else pd.DataFrame()
    batch = batch.loc[:, ~batch.columns.duplicated()]
    batch = batch.astype(object).where(batch.notna(), None)
    batch.insert(0, "_value_id", [str(i) for i in range(len(batch))])
    return batch, renames


def group_of(spec: ExpectationSpec) -> tuple[str, ...]:
    """The columns whose distinct value tuples an entry needs."""
    return spec.columns


def run_suite(
    suite: TableSuite, distinct: dict[tuple[str, ...], pd.DataFrame], *, as_at: dt.date, year: int
) -> list[GxOutcome]:
    """Validate each distinct value tuple once with the table's GX suite; return, per entry, the failing tuples.

    ``distinct`` maps a column group (``group_of(spec)``) to its distinct non-null tuples, read in SQL. A map
    expectation's verdict depends only on the row's values in its columns, so validating the distinct tuples
    gives the same verdict for every row; the engine then finds the rows holding failing tuples in SQL.
    """
    specs = suite.by_engine("gx")
    outcomes = {s.check_name: GxOutcome(s, evaluated=False, failing_values=pd.DataFrame()) for s in specs}
    runnable = [s for s in specs if group_of(s) in distinct]
    # nothing filled in: a map expectation skips nulls, so it passes without asking GX (~20 ms saved each)
    empty = {s.check_name for s in runnable if distinct[group_of(s)].empty}
    for name in empty:
        outcomes[name].evaluated = True
    runnable = [s for s in runnable if s.check_name not in empty]
    if not runnable:
        return list(outcomes.values())

    batch, renames = values_batch(suite, {group_of(s): distinct[group_of(s)] for s in runnable})
    context, datasource = _context()
    asset_name = f"raw_{suite.table}"
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(asset_name)
    try:
        batch_definition = asset.get_batch_definition("distinct_values")
    except (KeyError, LookupError, ValueError):
        batch_definition = asset.add_batch_definition_whole_dataframe("distinct_values")
    import great_expectations as gx

    gx_suite = gx.ExpectationSuite(name=f"raw.{suite.table}")
    for spec in runnable:
        gx_suite.add_expectation(build_expectation(spec, as_at=as_at, year=year, rename=renames[group_of(spec)]))
    result = batch_definition.get_batch(batch_parameters={"dataframe": batch}).validate(
        gx_suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["_value_id"],
            "return_unexpected_index_query": False,
            "include_unexpected_rows": False,
        },
    )
    by_name = {s.check_name: s for s in runnable}
    for res in result.results:
        name = res.expectation_config.meta["check_name"]
        outcome = outcomes[name]
        outcome.evaluated = True
        info = res.exception_info or {}
        if info.get("raised_exception"):
            outcome.error = str(info.get("exception_message") or "GX raised an exception")
            continue
        if res.success:
            continue
        ids = [int(r["_value_id"]) for r in res.result.get("unexpected_index_list") or []]
        group = group_of(by_name[name])
        rename = renames[group]
        outcome.failing_values = (
            batch.iloc[ids][[rename[c] for c in group]].rename(columns={v: k for k, v in rename.items()})
        )
    return list(outcomes.values())
