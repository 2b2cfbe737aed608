"""Measuring linkage against the synthetic generator's ground truth (benchmarks and tests; the pipeline never
reads ground truth).

Health-record level, as the targets are set: a record whose true ``person_id`` is known is correct when it
resolves to that person; a record of a child unknown to the council must stay unlinked (a link is a false
positive). "No NHS number" recall counts the records of children whose SSD record carries no valid NHS number.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cs_pipeline.lib.nhs_number import valid_nhs_number_sql
from cs_pipeline.lib.warehouse import Warehouse

LINKAGE_SSD_TABLES = ("ssd_person", "ssd_linked_identifiers", "ssd_address", "ssd_cla_episodes")


def load_synthetic_sources(out_dir: Path | str, wh: Warehouse, *, load_id: str = "evaluation") -> dict[str, int]:
    """Extract what linkage reads from a generated council into ``raw.*`` with the pipeline's own extractors."""
    from cs_pipeline.lib.extract import extract_ssd_table
    from cs_pipeline.lib.health_files import HEALTH_KINDS, ingest_health_folder

    out = Path(out_dir)
    cms_url = f"sqlite:///{out / 'ssd.sqlite'}"
    rows: dict[str, int] = {}
    for table in LINKAGE_SSD_TABLES:
        extract_ssd_table(cms_url, wh, table, load_id=load_id)
        rows[table] = wh.row_count("raw", table)
    for kind in HEALTH_KINDS:
        report = ingest_health_folder(wh, out / "health", kind, load_id=load_id)
        rows[f"health_{kind}"] = report.rows_loaded
    return rows


def persons_without_nhs_number(wh: Warehouse) -> set[str]:
    """SSD persons holding no valid NHS number (neither ``pers_common_child_id`` nor an NHS Number identifier),
    read from raw with the shared rule, independently of what linkage published."""
    person_nhs = valid_nhs_number_sql("pers_common_child_id")
    linked_nhs = valid_nhs_number_sql("link_identifier_value")
    frame = wh.query_frame(
        f"""
        SELECT DISTINCT trim(pers_person_id) AS person_id FROM raw.ssd_person
        WHERE {person_nhs} IS NULL
          AND trim(pers_person_id) NOT IN (
              SELECT trim(link_person_id) FROM raw.ssd_linked_identifiers
              WHERE lower(link_identifier_type) LIKE 'nhs%' AND {linked_nhs} IS NOT NULL)
        """
    )
    return set(frame["person_id"])


@dataclass
class Accuracy:
    records_with_truth: int
    known_child_records: int
    linked_records: int
    true_links: int
    false_links: int
    precision: float
    recall: float
    no_nhs_records: int
    recall_no_nhs: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def accuracy(wh: Warehouse, truth_csv: Path | str) -> Accuracy:
    truth = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)
    links = wh.query_frame("SELECT file_kind, record_id, person_id FROM linkage.health_record_link")
    no_nhs = persons_without_nhs_number(wh)
    merged = truth.merge(links, on=["file_kind", "record_id"], how="left", suffixes=("_true", "_linked"))
    merged["person_id_linked"] = merged["person_id_linked"].fillna("")
    linked = merged[merged.person_id_linked != ""]
    known = merged[merged.person_id_true != ""]
    true_links = int((linked.person_id_linked == linked.person_id_true).sum())
    known_no_nhs = known[known.person_id_true.isin(no_nhs)]
    return Accuracy(
        records_with_truth=len(merged),
        known_child_records=len(known),
        linked_records=len(linked),
        true_links=true_links,
        false_links=len(linked) - true_links,
        precision=true_links / len(linked) if len(linked) else 1.0,
        recall=true_links / len(known) if len(known) else 1.0,
        no_nhs_records=len(known_no_nhs),
        recall_no_nhs=(
            float((known_no_nhs.person_id_linked == known_no_nhs.person_id_true).mean()) if len(known_no_nhs) else 1.0
        ),
    )
