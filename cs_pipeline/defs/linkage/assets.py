"""Linkage assets: the match model, and the crosswalk run that scores with it.

``linkage/match_model`` keeps a model registered in ``linkage.match_model``: in a routine run it only makes sure
one is (the packaged default until the council trains its own) and trains nothing; the job
``retrain_linkage_model`` runs it with ``retrain: true`` (train on the current raw data, register the new version)
and re-scores. ``linkage/child_link`` and its sibling tables come from one scoring run with the model in force.

Logs and metadata carry counts, shares, ids of models and runs: never names, NHS numbers or dates of birth.
"""

import dagster as dg
from pydantic import Field

from cs_pipeline.defs.operations import OWNERS
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.linkage import model as lm
from cs_pipeline.linkage.matching import LinkageSettings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.linkage.pipeline import ensure_model, run_linkage, train_from_warehouse

GROUP = "linkage"
RAW_DEPS = [
    dg.AssetKey(["raw", t])
    for t in (
        "ssd_person",
        "ssd_linked_identifiers",
        "ssd_address",
        "ssd_cla_episodes",
        "health_lac_health_assessments",
        "health_immunisations",
        "health_dental_checks",
    )
]
MATCH_MODEL = dg.AssetKey(["linkage", "match_model"])
CHILD_LINK = dg.AssetKey(["linkage", "child_link"])
REVIEW_QUEUE = dg.AssetKey(["linkage", "review_queue"])
HEALTH_RECORD_LINK = dg.AssetKey(["linkage", "health_record_link"])
PERSON_NODES = dg.AssetKey(["linkage", "person_nodes"])
HEALTH_PATIENT_NODES = dg.AssetKey(["linkage", "health_patient_nodes"])


class MatchModelConfig(dg.Config):
    retrain: bool = Field(default=False, description="Train a new model on the current raw data (retrain job).")
    seed: int = Field(default=42, description="Seed for u sampling, so a retrain is reproducible.")
    min_training_persons: int = Field(
        default=lm.MIN_TRAINING_PERSONS, description="Refuse to train on fewer SSD persons / health patient nodes."
    )
    max_pairs_u: float = Field(default=3e6, description="Random pairs sampled to estimate u probabilities.")


class LinkageConfig(dg.Config):
    match_threshold: float = Field(
        default=LinkageSettings.match_threshold, description="Link at or above this probability."
    )
    review_threshold: float = Field(
        default=LinkageSettings.review_threshold,
        description="Queue for review from this probability up to the match threshold.",
    )
    ambiguity_margin: float = Field(
        default=LinkageSettings.ambiguity_margin,
        description="The best candidate must beat the runner-up by this many match-weight units (log2) to link.",
    )
    known_child_share: float = Field(
        default=LinkageSettings.known_child_share,
        description="Share of health patients expected to be SSD children (sets the prior for this population).",
    )

    def settings(self) -> LinkageSettings:
        return LinkageSettings(
            match_threshold=self.match_threshold,
            review_threshold=self.review_threshold,
            ambiguity_margin=self.ambiguity_margin,
            known_child_share=self.known_child_share,
        )


@dg.asset(
    key=MATCH_MODEL,
    group_name=GROUP,
    deps=RAW_DEPS,
    kinds={"splink", "duckdb"},
    owners=OWNERS,
    description=(
        "The Splink model in force, registered as versioned JSON in linkage.match_model. Routine runs only make "
        "sure one is registered (the packaged default trained on synthetic data, until the council trains its "
        "own); the retrain_linkage_model job trains on the current data and registers a new version."
    ),
    metadata={"warehouse_table": "linkage.match_model"},
)
def match_model(
    context: dg.AssetExecutionContext, config: MatchModelConfig, pipeline: PipelineSettings
) -> dg.MaterializeResult:
    wh = pipeline.warehouse()
    run_id = context.run.run_id
    trained: dict[str, int] = {}
    if config.retrain:
        try:
            bundle, counts = train_from_warehouse(
                wh,
                run_id=run_id,
                seed=config.seed,
                max_pairs_u=config.max_pairs_u,
                min_persons=config.min_training_persons,
            )
        except lm.NotEnoughTrainingData as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        registered = True
        trained = {
            "training_ssd_persons": counts["person_nodes"],
            "training_health_patient_nodes": counts["health_patient_nodes"],
        }
    else:
        bundle, registered = ensure_model(wh, run_id=run_id)
    context.log.info(f"model in force {bundle.model_version} ({bundle.source}); registered now: {registered}")
    return dg.MaterializeResult(
        metadata={
            "model_version": bundle.model_version,
            "model_source": bundle.source,
            "registered_now": registered,
            "retrained": config.retrain,
            **{k: dg.MetadataValue.int(int(v)) for k, v in trained.items()},
        }
    )


def _spec(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=[MATCH_MODEL, *RAW_DEPS],
        group_name=GROUP,
        kinds={"splink", "duckdb"},
        owners=OWNERS,
        description=description,
        metadata={"warehouse_table": ".".join(key.path)},
    )


# ERROR checks, reported by the crosswalk step itself and not Dagster-blocking: the dbt step leaves out every model
# built on the linkage tables when one fails in the run (transform/dbt.py), so the social care marts still build.
CLUSTER_CHECK = "no_health_patient_linked_to_two_children"
RECORD_CHECK = "one_child_per_health_record"
INTEGRITY_CHECK_SPECS = [
    dg.AssetCheckSpec(
        CLUSTER_CHECK,
        asset=CHILD_LINK,
        description="Cluster sizes: a health patient node links to at most one child (ERROR); children linked to "
        "several nodes are counted.",
    ),
    dg.AssetCheckSpec(
        RECORD_CHECK,
        asset=HEALTH_RECORD_LINK,
        description="Each health record appears once and resolves to at most one child (ERROR: the health marts "
        "read this crosswalk).",
    ),
]


def integrity_check_results(wh: Warehouse) -> list[dg.AssetCheckResult]:
    """The two ERROR checks, computed from the published linkage tables (counts only)."""
    conflicts = int(
        wh.scalar(
            "SELECT count(*) FROM (SELECT health_patient_key FROM linkage.child_link "
            "GROUP BY health_patient_key HAVING count(DISTINCT person_id) > 1) AS x"
        )
    )
    sizes = wh.query_frame(
        "SELECT nodes, count(*) AS children FROM (SELECT person_id, count(*) AS nodes FROM linkage.child_link "
        "GROUP BY person_id) AS s GROUP BY nodes ORDER BY nodes"
    )
    distribution = {str(int(r.nodes)): int(r.children) for r in sizes.itertuples()}
    several = sum(n for k, n in distribution.items() if int(k) > 1)
    duplicated = int(
        wh.scalar(
            "SELECT count(*) FROM (SELECT file_kind, record_id FROM linkage.health_record_link "
            "GROUP BY file_kind, record_id HAVING count(*) > 1) AS x"
        )
    )
    return [
        dg.AssetCheckResult(
            asset_key=CHILD_LINK,
            check_name=CLUSTER_CHECK,
            passed=conflicts == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "health_patient_nodes_linked_to_several_children": conflicts,
                "children_linked_to_several_nodes": several,
                "children_by_node_count": dg.MetadataValue.json(distribution),
            },
        ),
        dg.AssetCheckResult(
            asset_key=HEALTH_RECORD_LINK,
            check_name=RECORD_CHECK,
            passed=duplicated == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"health_records_listed_more_than_once": duplicated},
        ),
    ]


@dg.multi_asset(
    name="linkage_crosswalk",
    specs=[
        _spec(CHILD_LINK, "Crosswalk SSD person <-> health patient node: method, match probability, model version."),
        _spec(
            REVIEW_QUEUE,
            "Pairs in the grey zone (or ambiguous, or contradicting NHS numbers) for a person to confirm or reject "
            "in linkage.review_decisions.",
        ),
        _spec(
            HEALTH_RECORD_LINK,
            "Every health record (file_kind, record_id) -> health patient node -> person_id (NULL when unlinked).",
        ),
        _spec(PERSON_NODES, "SSD persons with standardised identifiers (one row per child)."),
        _spec(HEALTH_PATIENT_NODES, "Distinct normalised health identities (one row per health patient node)."),
    ],
    check_specs=INTEGRITY_CHECK_SPECS,
    can_subset=False,
)
def linkage_crosswalk(context: dg.AssetExecutionContext, config: LinkageConfig, pipeline: PipelineSettings):
    wh = pipeline.warehouse()
    summary = run_linkage(wh, run_id=context.run.run_id, settings=config.settings())
    v = summary.values
    context.log.info(
        f"linked {v['links']} health patient nodes to {v['children_linked']} children "
        f"(nhs_number {v['links_nhs_number']}, la_id {v['links_la_id']}, probabilistic {v['links_probabilistic']}, "
        f"clerical {v['links_clerical']}); {v['review_queue_pairs']} pairs to review; "
        f"{v['health_records_unlinked_share']:.1%} of health records unlinked"
    )

    def md(keys: list[str]) -> dict[str, dg.MetadataValue]:
        out: dict[str, dg.MetadataValue] = {}
        for k in keys:
            val = v.get(k)
            if isinstance(val, bool) or val is None:
                out[k] = dg.MetadataValue.text(str(val))
            elif isinstance(val, int):
                out[k] = dg.MetadataValue.int(val)
            elif isinstance(val, float):
                out[k] = dg.MetadataValue.float(val)
            else:
                out[k] = dg.MetadataValue.text(str(val))
        return out

    common = ["model_version", "match_threshold", "review_threshold"]
    yield dg.MaterializeResult(
        asset_key=CHILD_LINK,
        metadata=md(
            common
            + [
                "links",
                "links_nhs_number",
                "links_la_id",
                "links_probabilistic",
                "links_clerical",
                "children_linked",
                "children_with_several_nodes",
                "max_nodes_per_child",
                "nodes_linked_to_several_children",
                "scored_health_nodes",
                "scored_pairs",
                "prior",
                "read_s",
                "standardise_s",
                "score_s",
                "publish_s",
            ]
        )
        | {"dagster/row_count": dg.MetadataValue.int(v["links"])},
    )
    yield dg.MaterializeResult(
        asset_key=REVIEW_QUEUE,
        metadata=md(common + ["review_queue_pairs", "review_decisions_read"])
        | {"dagster/row_count": dg.MetadataValue.int(v["review_queue_pairs"])},
    )
    yield dg.MaterializeResult(
        asset_key=HEALTH_RECORD_LINK,
        metadata=md(
            ["health_records", "health_records_unlinked", "health_records_unlinked_share", "quarantined_rows_excluded"]
        )
        | {"dagster/row_count": dg.MetadataValue.int(v["health_records"])},
    )
    yield dg.MaterializeResult(
        asset_key=PERSON_NODES, metadata={"dagster/row_count": dg.MetadataValue.int(v["ssd_persons"])}
    )
    yield dg.MaterializeResult(
        asset_key=HEALTH_PATIENT_NODES,
        metadata={"dagster/row_count": dg.MetadataValue.int(v["health_patient_nodes"])},
    )
    for result in integrity_check_results(wh):
        if not result.passed:
            context.log.error(f"linkage check {result.check_name} failed: models built on linkage.* will not run")
        yield result


LINKAGE_ASSET_KEYS = [MATCH_MODEL, CHILD_LINK, REVIEW_QUEUE, HEALTH_RECORD_LINK, PERSON_NODES, HEALTH_PATIENT_NODES]

retrain_linkage_model = dg.define_asset_job(
    "retrain_linkage_model",
    selection=dg.AssetSelection.assets(*LINKAGE_ASSET_KEYS),
    description="Train a new linkage model on the current raw data, register it, and re-score the crosswalk.",
    config={"ops": {"linkage__match_model": {"config": {"retrain": True}}}},
)
