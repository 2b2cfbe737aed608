"""WARN asset checks on the published crosswalk: counts and shares only in their metadata.

The two ERROR checks (a health node linked to two children, a health record listed twice) are reported by the
crosswalk asset itself (assets.py), so they are recorded before the dbt step decides what to leave out.
"""

import dagster as dg

from cs_pipeline.defs.linkage.assets import CHILD_LINK, HEALTH_RECORD_LINK
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage.pipeline import weight_drift

MIN_LINKED_SHARE_IN_CARE = 0.8
MAX_UNLINKED_RECORD_SHARE = 0.2
MAX_WEIGHT_PSI = 0.25


def _open_cla_children_sql(wh: Warehouse, as_at: str) -> str:
    """Distinct person ids with an SSD CLA episode open at ``as_at`` (quarantined rows left out)."""
    quarantine = ""
    if wh.table_exists("quarantine", "ssd_cla_episodes"):
        quarantine = (
            " AND NOT EXISTS (SELECT 1 FROM quarantine.ssd_cla_episodes AS q WHERE q._row_key = e._row_key)"
        )
    return f"""
        SELECT DISTINCT trim(CAST(e.clae_person_id AS TEXT)) AS person_id
        FROM raw.ssd_cla_episodes AS e
        WHERE (e.clae_cla_episode_ceased_date IS NULL OR trim(CAST(e.clae_cla_episode_ceased_date AS TEXT)) = ''
               OR left(CAST(e.clae_cla_episode_ceased_date AS TEXT), 10) > '{as_at}')
          AND left(CAST(e.clae_cla_episode_start_date AS TEXT), 10) <= '{as_at}'{quarantine}
    """


@dg.asset_check(
    asset=CHILD_LINK,
    name="linked_share_of_children_in_care",
    description="Share of children with an open CLA episode linked to a health record "
    f"(WARN below {MIN_LINKED_SHARE_IN_CARE:.0%}).",
)
def linked_share_of_children_in_care(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    wh = pipeline.warehouse()
    if not wh.table_exists("raw", "ssd_cla_episodes"):
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"children_in_care": 0, "note": "no raw.ssd_cla_episodes"},
        )
    as_at = pipeline.settings().as_at.isoformat()
    in_care, linked = wh.query_frame(
        f"""
        SELECT count(*) AS in_care, sum(CASE WHEN l.person_id IS NULL THEN 0 ELSE 1 END) AS linked
        FROM ({_open_cla_children_sql(wh, as_at)}) AS c
        LEFT JOIN (SELECT DISTINCT person_id FROM linkage.child_link) AS l ON l.person_id = c.person_id
        """
    ).iloc[0]
    in_care, linked = int(in_care), int(linked or 0)
    share = linked / in_care if in_care else 1.0
    return dg.AssetCheckResult(
        passed=share >= MIN_LINKED_SHARE_IN_CARE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "children_in_care": int(in_care),
            "children_in_care_linked": int(linked),
            "linked_share": round(share, 4),
            "threshold": MIN_LINKED_SHARE_IN_CARE,
            "as_at": as_at,
        },
    )


@dg.asset_check(
    asset=HEALTH_RECORD_LINK,
    name="health_records_unlinked_share",
    description=f"Share of health records linked to no SSD child (WARN above {MAX_UNLINKED_RECORD_SHARE:.0%}).",
)
def health_records_unlinked_share(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    wh = pipeline.warehouse()
    frame = wh.query_frame(
        "SELECT file_kind, count(*) AS records, sum(CASE WHEN person_id IS NULL THEN 1 ELSE 0 END) AS unlinked "
        "FROM linkage.health_record_link GROUP BY file_kind ORDER BY file_kind"
    )
    records = int(frame["records"].sum()) if not frame.empty else 0
    unlinked = int(frame["unlinked"].sum()) if not frame.empty else 0
    share = unlinked / records if records else 0.0
    by_kind = {r.file_kind: round(int(r.unlinked) / int(r.records), 4) for r in frame.itertuples()}
    return dg.AssetCheckResult(
        passed=share <= MAX_UNLINKED_RECORD_SHARE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "health_records": records,
            "unlinked": unlinked,
            "unlinked_share": round(share, 4),
            "threshold": MAX_UNLINKED_RECORD_SHARE,
            "unlinked_share_by_file_kind": dg.MetadataValue.json(by_kind),
        },
    )


@dg.asset_check(
    asset=CHILD_LINK,
    name="match_weight_drift",
    description=f"Population stability index of the scored pairs' match weights against the previous run "
    f"(linkage.match_weight_history; WARN above {MAX_WEIGHT_PSI}).",
)
def match_weight_drift(pipeline: PipelineSettings) -> dg.AssetCheckResult:
    drift = weight_drift(pipeline.warehouse())
    psi = drift.get("psi")
    metadata = {k: v for k, v in drift.items() if v is not None}
    metadata["threshold"] = MAX_WEIGHT_PSI
    if psi is not None:
        metadata["psi"] = round(float(psi), 4)
    return dg.AssetCheckResult(
        passed=psi is None or psi <= MAX_WEIGHT_PSI,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


linkage_checks = [
    linked_share_of_children_in_care,
    health_records_unlinked_share,
    match_weight_drift,
]
