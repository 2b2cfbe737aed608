"""Custom Great Expectations 1.x expectations for children's social care data (pandas engine).

Imported only inside validation (``import great_expectations`` costs seconds). Each is a ColumnMap (or ColumnPair
map) expectation, so GX reports the failing rows with ``unexpected_index_column_names=["_row_key"]`` like any
built-in expectation. Null values are skipped (GX map expectations ignore nulls); unparseable dates are left to
``ExpectColumnValuesToBeIsoDates`` so each problem is reported once, by its own rule.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, ColumnPairMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)

from cs_pipeline.lib.nhs_number import valid_nhs_number
from cs_pipeline.lib.upn import is_valid_upn

TIME_PART_PATTERN = r"^[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"


def parse_iso_dates(values: pd.Series) -> pd.Series:
    """Dates (datetime64 at midnight) for ISO text ``YYYY-MM-DD`` with an optional ``[ T]hh:mm[:ss[.f]]``; NaT for
    anything else (``31/02/2024``, ``2024-02-31``, free text). Vectorised: the day part is parsed with a strict
    format in C, and only values longer than a date have their time part checked."""
    text = values.astype("string").str.strip()
    day = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    tail = text.str.slice(10)
    long_tail = tail.fillna("") != ""
    if long_tail.any():
        ok = tail[long_tail].str.match(TIME_PART_PATTERN, na=False)
        day = day.where(~long_tail | ok.reindex(day.index, fill_value=True))
    return day


# -- date_parseable --------------------------------------------------------------------------------------------
class ColumnValuesIsoDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cs_iso_date"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return parse_iso_dates(column).notna()


class ExpectColumnValuesToBeIsoDates(ColumnMapExpectation):
    """Each value is a real calendar date written YYYY-MM-DD (an optional time after it): not 31/02/2024."""

    map_metric: ClassVar[str] = "column_values.cs_iso_date"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


# -- date_not_after_as_at --------------------------------------------------------------------------------------
class ColumnValuesDateNotAfter(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cs_date_not_after"
    condition_value_keys = ("max_date",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, max_date, **kwargs):
        parsed = parse_iso_dates(column)
        return ~(parsed > pd.Timestamp(dt.date.fromisoformat(str(max_date))))


class ExpectColumnValuesToBeDatesNotAfter(ColumnMapExpectation):
    """Each date is on or before ``max_date`` (the as-at date of the extract)."""

    max_date: str
    map_metric: ClassVar[str] = "column_values.cs_date_not_after"
    success_keys: ClassVar[tuple[str, ...]] = ("max_date", "mostly")


# -- end_not_before_start / date_not_before_birth (same row) ----------------------------------------------------
class ColumnPairValuesInDateOrder(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.cs_in_date_order"
    condition_domain_keys = ("column_A", "column_B", "ignore_row_if")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        earlier = parse_iso_dates(column_A)
        later = parse_iso_dates(column_B)
        return ~(later < earlier)


class ExpectColumnPairValuesToBeInDateOrder(ColumnPairMapExpectation):
    """The date in ``column_B`` is not before the date in ``column_A`` (e.g. end not before start)."""

    map_metric: ClassVar[str] = "column_pair_values.cs_in_date_order"
    success_keys: ClassVar[tuple[str, ...]] = ("column_A", "column_B", "ignore_row_if", "mostly")
    ignore_row_if: str = "either_value_is_missing"


# -- nhs_number_valid ------------------------------------------------------------------------------------------
class ColumnValuesValidNhsNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cs_valid_nhs_number"
    condition_value_keys = ("allow_test_numbers",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, allow_test_numbers=True, **kwargs):
        return column.map(lambda v: valid_nhs_number(v, allow_test_numbers=bool(allow_test_numbers)) is not None)


class ExpectColumnValuesToBeValidNhsNumbers(ColumnMapExpectation):
    """10 digits passing Modulus 11, not one repeated digit, not 9876543210 (999 test numbers as configured)."""

    allow_test_numbers: bool = True
    map_metric: ClassVar[str] = "column_values.cs_valid_nhs_number"
    success_keys: ClassVar[tuple[str, ...]] = ("allow_test_numbers", "mostly")


# -- upn_valid -------------------------------------------------------------------------------------------------
class ColumnValuesValidUpn(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cs_valid_upn"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return column.map(is_valid_upn)


class ExpectColumnValuesToBeValidUpns(ColumnMapExpectation):
    """13 characters with the right check letter (alphabet without I, O, S)."""

    map_metric: ClassVar[str] = "column_values.cs_valid_upn"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
