"""Idempotence: the night run again on the same inputs gives the same marts, return tables and return files.

One council, two whole-pipeline runs into the same warehouse (a re-run of the night, as an operator starts it after
a failure elsewhere): every table of ``marts`` and ``returns`` is compared row for row (as multisets: a table's row
order is not part of its contents), and every file DfE and Ofsted receive (the SSDA903 CSVs, the CIN census XML, the
Annex A workbook) byte for byte.
"""
from __future__ import annotations

import pandas as pd
import pytest

from cs_pipeline_tests.reliability.pipeline_runs import RUN_COLUMNS, council_run_twice, property_case

AREA = "idempotence"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    runs = council_run_twice(tmp_path_factory)
    return (runs.tables[0], runs.files[0]), (runs.tables[1], runs.files[1])


def test_every_mart_and_return_table_is_the_same_row_for_row(two_runs):
    (before, _), (after, _) = two_runs
    assert any(name.startswith("marts.") for name in before) and any(name.startswith("returns.") for name in before)
    for name in sorted(before.keys() | after.keys()):
        first, second = before.get(name), after.get(name)
        if first is None or second is None:
            property_case(AREA, f"{name}: same rows on a re-run", False,
                          f"{name} exists after only {'the second' if first is None else 'the first'} run")
            continue
        same_columns = list(first.columns) == list(second.columns)
        differing = 0 if same_columns and first.equals(second) else _differing_rows(first, second)
        property_case(
            AREA, f"{name}: same rows on a re-run", same_columns and differing == 0,
            f"{name}: {len(first)} rows and {len(second)} after the re-run, {differing} differing; columns "
            f"{'the same' if same_columns else 'changed'} ({len(first.columns)} compared; excluded as the run's id "
            f"or time: {', '.join(sorted(RUN_COLUMNS.get(name, ()))) or 'none'})",
            rows_in=len(first), staged=len(second))


def _differing_rows(first: pd.DataFrame, second: pd.DataFrame) -> int:
    if list(first.columns) != list(second.columns):
        return max(len(first), len(second))
    merged = first.assign(_n=1).groupby(list(first.columns), dropna=False).size().to_frame("a").join(
        second.assign(_n=1).groupby(list(second.columns), dropna=False).size().to_frame("b"), how="outer")
    return int((merged["a"].fillna(0) - merged["b"].fillna(0)).abs().sum())


def test_every_return_file_is_byte_identical(two_runs):
    (_, before), (_, after) = two_runs
    kinds = {name.split("/")[1] for name in before}
    assert kinds == {"ssda903", "cin", "annex_a"}, before  # all three returns were written
    for name in sorted(before.keys() | after.keys()):
        same = before.get(name) == after.get(name) and name in before
        property_case(AREA, f"{name}: byte-identical on a re-run", same,
                      f"{name}: sha256 {str(before.get(name))[:12]} then {str(after.get(name))[:12]}")
