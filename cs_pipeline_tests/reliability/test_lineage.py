"""Lineage for audit: every row of a return table and every due item of a timeliness mart leads back to the source
rows it came from (``ops.lineage``: raw table and ``_row_key``) and to the runs that extracted them and built it.

One whole-pipeline run of a small council; then, table by table, every output row must have lineage, every source
key must be a row in raw with the same load id, every run id must be a run in the Dagster instance, every record id
an output row carries must be traced to that record, and the files DfE receives must keep DfE's columns.
"""
from __future__ import annotations

import csv

import pytest

from cs_pipeline.lib.lineage import EVENT_LINKS, ID_LINKS, MART_ITEM_KEYS, links_of
from cs_pipeline.lib.warehouse import quote_ident
from cs_pipeline.returns.collection_year import CollectionYear, return_tables
from cs_pipeline_tests.reliability.pipeline_runs import council_run_twice, dagster_runs, property_case

AREA = "lineage"
YEAR = "2025-26"  # the demo's collection year (as at 30 September 2026)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The council's warehouse after its second run (shared with the idempotence cases): lineage of that run."""
    runs = council_run_twice(tmp_path_factory)
    return runs, runs.warehouse, dagster_runs(runs.data_dir / "dagster_home")


def output_tables(warehouse: Warehouse) -> list[tuple[str, str]]:
    returns = [("returns", t) for t in warehouse.tables("returns")
               if t.startswith(("ssda903_", "cin_", "annex_a_list_"))]
    marts = [("marts", t) for t in warehouse.tables("marts") if t in MART_ITEM_KEYS]
    return returns + marts


def test_every_return_row_and_due_item_is_traced_to_raw_rows_and_real_runs(built):
    run, warehouse, runs = built
    tables = output_tables(warehouse)
    assert len([t for s, t in tables if s == "marts"]) == len(MART_ITEM_KEYS) and len(tables) > 30
    for schema, table in tables:
        name = f"{schema}.{table}"
        columns = warehouse.columns(schema, table)
        key = "row_id" if "row_id" in columns else MART_ITEM_KEYS[table]
        year = " where o.collection_year = :year" if "collection_year" in columns else ""
        src = f"{quote_ident(schema)}.{quote_ident(table)} as o"
        rows = warehouse.scalar(f"select count(*) from {src}{year}", year=YEAR)
        distinct = warehouse.scalar(f"select count(distinct cast(o.{quote_ident(key)} as text)) from {src}{year}",
                                    year=YEAR)
        untraced = warehouse.scalar(
            f"select count(*) from {src} where not exists (select 1 from ops.lineage as l where l.output_table = :name "
            f"and l.output_row = cast(o.{quote_ident(key)} as text)"
            + (" and l.collection_year = o.collection_year) and o.collection_year = :year" if year else ")"),
            name=name, year=YEAR)
        lineage = warehouse.query_frame(
            "select source_table, source_row_key, source_load_id, run_id from ops.lineage where output_table = :name",
            name=name)
        # every source key is a raw row of that table, extracted by the load id recorded
        missing_raw = 0
        for source, group in lineage.groupby("source_table"):
            found = warehouse.query_frame(f"select _row_key, _load_id from raw.{quote_ident(source)}")
            pairs = set(zip(found["_row_key"], found["_load_id"]))
            missing_raw += sum((k, i) not in pairs for k, i in zip(group["source_row_key"], group["source_load_id"]))
        unknown_runs = set(lineage["run_id"]) | set(lineage["source_load_id"])
        unknown_runs = {r for r in unknown_runs if runs.get(r) != "SUCCESS"}
        # every record id the row carries (child, referral, plan ...) that is a validated record is traced to it
        id_gaps = []
        for link in [link for link in links_of(warehouse, schema, table) if link in ID_LINKS.values()]:
            column, staged_key = quote_ident(link.columns[0]), quote_ident(link.keys[0])
            gap = warehouse.scalar(
                f"select count(*) from {src} where exists (select 1 from staging.{quote_ident(link.staging)} as s "
                f"where cast(s.{staged_key} as text) = cast(o.{column} as text))"
                + (" and o.collection_year = :year" if year else "")
                + " and not exists (select 1 from ops.lineage as l where l.output_table = :name and "
                "l.source_table = :source and l.output_row = cast(o." + quote_ident(key) + " as text))",
                name=name, source=link.source, year=YEAR)
            if gap:
                id_gaps.append(f"{gap} rows' {link.columns[0]} not traced to {link.source}")
        sources = sorted(set(lineage["source_table"]))
        holds = (untraced == 0 and rows == distinct and missing_raw == 0 and not unknown_runs and not id_gaps
                 and (rows == 0 or len(lineage) > 0))
        property_case(
            AREA, f"{name}: every row traced to source rows and runs", holds,
            f"{name}: {rows} rows ({distinct} distinct {key}), {untraced} without lineage; {len(lineage)} "
            f"(row, source row) pairs from {', '.join(sources) or 'none'}; {missing_raw} keys not in raw with that "
            f"load id; {len(unknown_runs)} run ids not a successful run of the instance"
            + (f"; {'; '.join(id_gaps)}" if id_gaps else ""),
            rows_in=rows, staged=rows - untraced)


def test_event_dates_lead_to_the_events_own_rows(built):
    """Where an item's event is a case-management record (a visit, a review, a contact ...), the lineage names it."""
    _, warehouse, _ = built
    for name, links in sorted(EVENT_LINKS.items()):
        schema, table = name.split(".")
        counts = warehouse.query_frame(
            "select source_table, count(distinct output_row) as n from ops.lineage where output_table = :name "
            "group by source_table", name=name)
        traced = dict(zip(counts["source_table"], counts["n"]))
        rows_with_event = warehouse.scalar(
            f"select count(*) from {quote_ident(schema)}.{quote_ident(table)} where "
            f"{quote_ident(links[0].columns[-1])} is not null")
        events = sum(int(traced.get(link.source, 0)) for link in links)
        # a mart's due item with an event: that event's own row, every one (a return row may start from a
        # record no link names, e.g. a 903 episode opened by a legal status change: some, not all)
        untraced = None
        if schema == "marts":
            key = quote_ident(MART_ITEM_KEYS[table])
            untraced = warehouse.scalar(
                f"select count(*) from {quote_ident(schema)}.{quote_ident(table)} as m where "
                f"{quote_ident(links[0].columns[-1])} is not null and not exists (select 1 from ops.lineage as l "
                f"where l.output_table = :name and l.output_row = cast(m.{key} as text) and l.source_table in "
                f"({', '.join(repr(link.source) for link in links)}))", name=name)
        holds = (untraced == 0) if untraced is not None else (rows_with_event == 0 or events > 0)
        property_case(AREA, f"{name}: events traced to their source rows", holds,
                      f"{name}: {rows_with_event} rows with an event date"
                      + (f", {untraced} of them untraced" if untraced is not None else "") + "; "
                      + ", ".join(f"{traced.get(link.source, 0)} traced to {link.source}" for link in links))


def test_the_files_dfe_receives_keep_dfes_columns(built):
    """Lineage is in ops.lineage, never in the return files: each SSDA903 CSV has exactly its table's DfE columns."""
    run, warehouse, _ = built
    folder = run.data_dir / "output" / "returns" / "ssda903" / YEAR
    files = sorted(folder.glob("*.csv"))
    assert files
    spec = return_tables("ssda903", CollectionYear.parse(YEAR))
    for path in files:
        with path.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        dfe = [column.name for column in spec[path.stem].columns] if path.stem in spec else None
        lineage_like = [c for c in header if c.lower() in ("run_id", "_row_key", "source_row_keys", "_load_id")]
        property_case(AREA, f"ssda903/{path.name}: DfE's layout, no lineage columns",
                      header == dfe and not lineage_like,
                      f"{path.name}: {len(header)} columns ({', '.join(header)}); lineage columns in it: "
                      f"{lineage_like or 'none'}")
