"""Lineage for audit: which source rows, extracted by which run, each return row and mart due item came from.

``ops.lineage`` has one row per (output row, source row): the output table (``returns.cin_details``), the output
row (its ``row_id``, with the ``collection_year`` where the table has one; a mart's item key), the raw table and
``_row_key`` of the source row, the run that extracted it (the raw row's ``_load_id``) and the run that wrote the
output (``run_id``). It lives in ``ops``, not beside the returns: the files DfE and Ofsted receive keep their layout.

Source rows are found through the ids an output row carries (a child's id -> ``ssd_person``, ``CINdetailsID`` ->
``ssd_cin_episodes``, ``CPPID`` -> ``ssd_cp_plans`` ...) and, for events a row carries only as a date, through the
child (or plan) and that date (a CLA visit's ``event_date`` -> ``ssd_cla_visits``). The staging rows matched are
the validated ones, and their ``_row_key`` is the raw row's, so every key leads back to an extracted row.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from cs_pipeline.lib.warehouse import Warehouse, quote_ident

LINEAGE_SCHEMA = "ops"
LINEAGE_TABLE = "lineage"
LINEAGE_COLUMNS = {"output_table": "TEXT", "collection_year": "TEXT", "output_row": "TEXT", "source_table": "TEXT",
                   "source_row_key": "TEXT", "source_load_id": "TEXT", "run_id": "TEXT"}


HEALTH_PREFIX = "health_"


@dataclass(frozen=True)
class Link:
    """Output rows whose ``columns`` equal a staging row's ``keys`` (dates compared as dates) came from that row.

    A health file's rows carry no child id: their ``person_id`` is the one linkage gave the record
    (``linkage.health_record_link``)."""
    source: str  # raw table, e.g. ssd_cin_episodes or health_lac_health_assessments
    columns: tuple[str, ...]  # output columns
    keys: tuple[str, ...]  # the staging model's columns, same order

    @property
    def health_kind(self) -> str | None:
        return self.source.removeprefix(HEALTH_PREFIX) if self.source.startswith(HEALTH_PREFIX) else None

    @property
    def staging(self) -> str:
        if self.health_kind:
            return f"stg_health__{self.health_kind}"
        return f"stg_ssd__{self.source.removeprefix('ssd_')}"


def _id(source: str, key: str, *columns: str) -> dict[str, Link]:
    return {c.lower(): Link(source, (c,), (key,)) for c in columns}


# an output column holding a source record's id, by name (whatever table it is in)
ID_LINKS: dict[str, Link] = {
    **_id("ssd_person", "person_id", "person_id", "CHILD", "LAchildID", "child_id"),
    **_id("ssd_cla_episodes", "cla_id", "cla_id"),
    **_id("ssd_cin_episodes", "referral_id", "referral_id", "CINdetailsID"),
    **_id("ssd_cin_assessments", "assessment_id", "assessment_id", "AssessmentID"),
    **_id("ssd_cp_plans", "cp_plan_id", "cp_plan_id", "CPPID"),
    **_id("ssd_s47_enquiry", "s47_enquiry_id", "s47_id"),
    **_id("ssd_initial_cp_conference", "icpc_id", "icpc_id"),
    **_id("ssd_cla_placement", "cla_placement_id", "placement_id"),
}

# events an output row holds only as a date: found through the child or plan and the date
EVENT_LINKS: dict[str, tuple[Link, ...]] = {
    "marts.cla_review_timeliness": (Link("ssd_cla_reviews", ("cla_id", "event_date"), ("cla_id", "cla_review_date")),),
    "marts.cla_visit_timeliness": (Link("ssd_cla_visits", ("person_id", "event_date"),
                                        ("person_id", "cla_visit_date")),),
    "marts.cp_visit_timeliness": (Link("ssd_cp_visits", ("cp_plan_id", "event_date"),
                                       ("cp_plan_id", "cp_visit_date")),),
    "marts.cp_review_timeliness": (Link("ssd_cp_reviews", ("cp_plan_id", "event_date"),
                                        ("cp_plan_id", "cp_review_date")),),
    "marts.core_group_timeliness": (Link("ssd_cp_core_groups", ("cp_plan_id", "event_date"),
                                         ("cp_plan_id", "meeting_date")),),
    "marts.pep_timeliness": (Link("ssd_cla_pep", ("person_id", "event_date"), ("person_id", "pep_date")),),
    # an episode starts with a period of care or with a placement (or legal status) change
    "returns.ssda903_episodes": (
        Link("ssd_cla_episodes", ("CHILD", "DECOM"), ("person_id", "cla_episode_start_date")),
        Link("ssd_cla_placement", ("CHILD", "DECOM"), ("person_id", "cla_placement_start_date")),
    ),
    "returns.ssda903_missing": (
        Link("ssd_missing", ("CHILD", "MIS_START"), ("person_id", "missing_episode_start_date")),),
    "returns.annex_a_list_1": (Link("ssd_contacts", ("child_id", "date_of_contact"), ("person_id", "contact_date")),),
    # a health assessment is in the provider's file or the case-management record, or both
    "marts.iha_timeliness": (
        Link("health_lac_health_assessments", ("person_id", "event_date"), ("person_id", "assessment_date")),
        Link("ssd_cla_health", ("person_id", "event_date"), ("person_id", "health_check_date")),
    ),
    "marts.rha_timeliness": (
        Link("health_lac_health_assessments", ("person_id", "event_date"), ("person_id", "assessment_date")),
        Link("ssd_cla_health", ("person_id", "event_date"), ("person_id", "health_check_date")),
    ),
}

# a due item's own key in each timeliness mart (the returns' rows are identified by row_id)
MART_ITEM_KEYS: dict[str, str] = {
    "iha_timeliness": "iha_item_key", "iha_request_timeliness": "iha_item_key", "rha_timeliness": "rha_item_key",
    "cla_review_timeliness": "review_item_key", "cla_visit_timeliness": "visit_item_key",
    "assessment_timeliness": "assessment_id", "icpc_timeliness": "s47_id", "cp_review_timeliness": "review_item_key",
    "cp_visit_timeliness": "visit_item_key", "core_group_timeliness": "cp_plan_id", "pep_timeliness": "pep_item_key",
    "care_leaver_pathway_timeliness": "pathway_item_key",
}

def _is_date(column: str) -> bool:
    return "date" in column.lower() or column.lower() in ("decom", "mis_start")


def links_of(warehouse: Warehouse, schema: str, table: str) -> list[Link]:
    """Every link of an output table: its id columns (by name) and its events, through source tables the warehouse
    holds (a return loaded from files built elsewhere has no sources here, so nothing to trace)."""
    columns = warehouse.columns(schema, table)
    links = [ID_LINKS[c.lower()] for c in columns if c.lower() in ID_LINKS]
    links += [link for link in EVENT_LINKS.get(f"{schema}.{table}", ()) if set(link.columns) <= set(columns)]
    held = set(warehouse.tables("staging")), set(warehouse.tables("raw"))
    linked = "health_record_link" in set(warehouse.tables("linkage"))
    return [link for link in links if link.staging in held[0] and link.source in held[1]
            and (linked or not link.health_kind)]


def _match(link: Link) -> str:
    def side(alias, column):
        expr = f"{alias}.{quote_ident(column)}"
        return f"cast({expr} as date)" if _is_date(column) else f"cast({expr} as text)"
    def source(key):   # a health row's child is the linked one (alias l, joined in _staged)
        return "l" if link.health_kind and key == "person_id" else "s"
    return " and ".join(f"{side(source(k), k)} = {side('o', c)}" for c, k in zip(link.columns, link.keys))


def _staged(link: Link) -> str:
    """The staging rows a link matches (s), with a health record's linked child (l)."""
    staged = f"{quote_ident('staging')}.{quote_ident(link.staging)} as s"
    if not link.health_kind:
        return staged
    return (f"({staged} join {quote_ident('linkage')}.{quote_ident('health_record_link')} as l"
            f" on l.record_id = s.record_id and l.file_kind = :kind)")


def write_lineage(warehouse: Warehouse, schema: str, tables: Iterable[str], run_id: str,
                  collection_year: str | None = None) -> dict[str, int]:
    """Replace the lineage of ``schema.<table>`` for each table (of ``collection_year`` only, where the table has
    that column and a year is given) with its rows as they are now, written by ``run_id``. One transaction.
    Returns lineage rows by output table."""
    written = {}
    target = f"{quote_ident(LINEAGE_SCHEMA)}.{quote_ident(LINEAGE_TABLE)}"
    plans = [(table, warehouse.columns(schema, table), links_of(warehouse, schema, table)) for table in tables]
    with warehouse.begin() as conn:
        warehouse.create_table(conn, LINEAGE_SCHEMA, LINEAGE_TABLE, LINEAGE_COLUMNS)
        for table, columns, links in plans:
            name = f"{schema}.{table}"
            by_year = "collection_year" in columns and collection_year is not None
            key = "row_id" if "row_id" in columns else MART_ITEM_KEYS[table]
            row = f"cast(o.{quote_ident(key)} as text)"
            year = "o.collection_year" if "collection_year" in columns else "cast(null as text)"
            where = " where o.collection_year = :year" if by_year else ""
            conn.execute(sa.text(f"delete from {target} where output_table = :name"
                                 + (" and collection_year = :year" if by_year else "")),
                         {"name": name, "year": collection_year})
            for link in links:
                source = quote_ident(link.source)
                conn.execute(sa.text(
                    f"insert into {target} ({', '.join(LINEAGE_COLUMNS)}) "
                    f"select distinct :name, {year}, {row}, :source, s._row_key, r._load_id, :run_id "
                    f"from {quote_ident(schema)}.{quote_ident(table)} as o "
                    f"join {_staged(link)} on {_match(link)} "
                    f"join {quote_ident('raw')}.{source} as r on r._row_key = s._row_key{where}"),
                    {"name": name, "source": link.source, "run_id": run_id, "year": collection_year,
                     "kind": link.health_kind})
            written[name] = int(conn.execute(sa.text(
                f"select count(*) from {target} where output_table = :name"), {"name": name}).scalar())
    return written


def write_return_lineage(warehouse: Warehouse, tables: Iterable[str], run_id: str,
                         collection_year: str | None) -> int:
    """:func:`write_lineage` for those of a return's tables (``returns.<table>``) this warehouse holds (a year's
    tables differ a little): how many pairs were written."""
    held = set(warehouse.tables("returns"))
    return sum(write_lineage(warehouse, "returns", [t for t in tables if t in held], run_id,
                             collection_year).values())
