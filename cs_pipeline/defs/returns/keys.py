"""Asset keys of a return's dbt tables (``returns/<model>``), over every collection year we hold a specification of."""

from collections.abc import Callable

import dagster as dg

from cs_pipeline.returns.collection_year import return_tables, supported_years


def return_table_keys(return_name: str, model_name: Callable[[str], str]) -> dict[str, dg.AssetKey]:
    """{table: asset key} for every table of any year of the return (a year's tables differ a little)."""
    tables = sorted({t for year in supported_years(return_name) for t in return_tables(return_name, year)})
    return {t: dg.AssetKey(["returns", model_name(t)]) for t in tables}
