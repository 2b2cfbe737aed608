"""DfE's CIN rules on the census built in the warehouse (``returns.cin_*``), stored with the 903's in
``returns.dfe_rule_results`` and ``returns.dfe_rule_runs`` (``return_name = 'cin'``)."""
from __future__ import annotations

import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.cin.rule_tables import CHILD_COLUMN, REFERENCE_TABLES, create_year_views
from cs_pipeline.returns.cin.xml_message import RETURN_NAME, model_name
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rule_results import store_rule_results
from cs_pipeline.returns.rules import Rule, RuleRun, SqlAlchemyRunner, rules_for_year, run_rules


def require_built(warehouse: Warehouse, year: CollectionYear) -> None:
    """A year with no child identifiers was not built: refuse to report it clean."""
    table = model_name("child_identifiers")
    built = warehouse.table_exists("returns", table) and warehouse.scalar(
        f"select count(*) from returns.{table} where collection_year = :y", y=str(year))
    if not built:
        raise ValueError(f"CIN census {year} has not been built: returns.{table} has no rows for it")


def validate_in_warehouse(warehouse: Warehouse, year: CollectionYear, la_code: str) -> tuple[RuleRun, list[Rule]]:
    """Run the year's CIN rules on the built census and replace that year's CIN rows of the results."""
    rules = rules_for_year(RETURN_NAME, year)
    require_built(warehouse, year)
    with warehouse.engine.connect() as conn:
        supplied = create_year_views(warehouse, conn, year, la_code)
        conn.commit()
        run = run_rules(SqlAlchemyRunner(conn, warehouse.dialect), rules, year, supplied,
                        child_column=CHILD_COLUMN, reference_tables=REFERENCE_TABLES)
        store_rule_results(warehouse, conn, RETURN_NAME, year, run, rules)
        with conn.begin():
            for name in supplied:
                conn.execute(sa.text(f"drop view if exists {name}"))
    return run, rules
