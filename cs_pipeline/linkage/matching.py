"""Linking health patient nodes to SSD persons: deterministic pass, Splink scoring, one-to-one resolution.

All in one in-memory DuckDB connection holding the node tables of :mod:`cs_pipeline.linkage.standardise` and
``review_decisions`` (person_id, health_patient_key, decision, decided_by, decided_at).

Order, for each health patient node:

1. **clerical**: the latest decision on a pair is ``confirm`` -> that link, whatever else says;
2. **nhs_number**: its valid NHS number is one a single SSD person carries, and the dates of birth agree;
3. **la_id**: it carries an ``la_child_id`` that is an SSD person id (and no valid NHS number contradicts it);
4. **probabilistic**: Splink scores it against every SSD person the blocking rules pair it with; the best
   candidate links when its probability reaches ``match_threshold`` and it beats the runner-up by
   ``ambiguity_margin`` match-weight units; pairs between ``review_threshold`` and there, ambiguous pairs, and
   links whose valid NHS numbers contradict the child's go to the review queue.

A pair whose latest decision is ``reject`` never links by any method. A node links to at most one child; a
child may link to several nodes (the same child typed differently across records), reported as a count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from cs_pipeline.linkage import model as lm
from cs_pipeline.linkage.standardise import persons_sql, splink_input_sql

METHODS = ("nhs_number", "la_id", "probabilistic", "clerical")
HISTOGRAM_EDGES = tuple(range(-20, 42, 2))  # match weight bins; below/above go to the open end bins


@dataclass(frozen=True)
class LinkageSettings:
    match_threshold: float = 0.99
    review_threshold: float = 0.5
    ambiguity_margin: float = 3.0
    known_child_share: float = 0.8
    score_floor_weight: float = -10.0

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.match_threshold < 1:
            raise ValueError("need 0 < review_threshold <= match_threshold < 1")


@dataclass
class LinkResult:
    counts: dict[str, Any] = field(default_factory=dict)
    prior: float | None = None


def _sql(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Run on a fresh cursor and drain it: an unfinished result on Splink's connection breaks its next query."""
    cur = con.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return _sql(con, sql)[0][0]


def deterministic_pass(con: duckdb.DuckDBPyConnection) -> None:
    """Tables ``decided`` (latest decision per pair), ``clerical_links``, ``det_links``."""
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE decided AS
        SELECT person_id, health_patient_key, decision, decided_at
        FROM (
            SELECT trim(person_id) AS person_id, trim(health_patient_key) AS health_patient_key,
                   lower(trim(decision)) AS decision, decided_at,
                   row_number() OVER (PARTITION BY trim(person_id), trim(health_patient_key)
                                      ORDER BY decided_at DESC NULLS LAST) AS rn
            FROM review_decisions
        ) AS d
        WHERE rn = 1 AND decision IN ('confirm', 'reject')
        """,
    )
    # A node confirmed to two children keeps the latest confirmation only.
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE clerical_links AS
        SELECT d.person_id, d.health_patient_key
        FROM decided AS d
        JOIN person_nodes AS p ON p.unique_id = d.person_id
        JOIN health_patient_nodes AS h ON h.unique_id = d.health_patient_key
        WHERE d.decision = 'confirm'
        QUALIFY row_number() OVER (PARTITION BY d.health_patient_key
                                   ORDER BY d.decided_at DESC NULLS LAST, d.person_id) = 1
        """,
    )
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE det_links AS
        WITH rejected AS (SELECT person_id, health_patient_key FROM decided WHERE decision = 'reject'),
        open_nodes AS (
            SELECT * FROM health_patient_nodes
            WHERE unique_id NOT IN (SELECT health_patient_key FROM clerical_links)
        ),
        by_nhs AS (
            SELECT DISTINCT h.unique_id AS health_patient_key, pn.person_id
            FROM open_nodes AS h
            JOIN person_nhs AS pn ON pn.nhs_number = h.nhs_number
            JOIN person_nodes AS p ON p.unique_id = pn.person_id AND p.dob = h.dob
            WHERE NOT EXISTS (SELECT 1 FROM rejected AS r
                              WHERE r.person_id = pn.person_id AND r.health_patient_key = h.unique_id)
        ),
        nhs_unique AS (
            SELECT health_patient_key, min(person_id) AS person_id
            FROM by_nhs GROUP BY health_patient_key HAVING count(*) = 1
        ),
        by_la AS (
            SELECT h.unique_id AS health_patient_key, p.unique_id AS person_id
            FROM open_nodes AS h
            JOIN person_nodes AS p ON p.unique_id = h.la_child_id
            WHERE h.unique_id NOT IN (SELECT health_patient_key FROM nhs_unique)
              AND NOT EXISTS (SELECT 1 FROM rejected AS r
                              WHERE r.person_id = p.unique_id AND r.health_patient_key = h.unique_id)
              -- a valid NHS number on both sides that disagrees outweighs a carried id: let scoring decide
              AND NOT (h.nhs_number IS NOT NULL
                       AND EXISTS (SELECT 1 FROM person_nhs AS pn WHERE pn.person_id = p.unique_id)
                       AND NOT EXISTS (SELECT 1 FROM person_nhs AS pn
                                       WHERE pn.person_id = p.unique_id AND pn.nhs_number = h.nhs_number))
        )
        SELECT health_patient_key, person_id, 'nhs_number' AS method FROM nhs_unique
        UNION ALL
        SELECT health_patient_key, person_id, 'la_id' FROM by_la
        """,
    )


def _enriched(with_postcodes: bool) -> str:
    """Select list over persons ``p`` joined to ``sure_seen`` ``s``: NHS number (and postcodes) from sure links."""
    replaced = [
        "coalesce(p.nhs_number, s.nhs_number) AS nhs_number",
        "coalesce(p.nhs_number, s.nhs_number, p.nhs_number_raw) AS nhs_number_raw",
    ]
    if with_postcodes:
        replaced.append(
            "CASE WHEN s.postcodes IS NULL THEN p.postcodes ELSE list_sort(list_distinct(list_concat("
            "coalesce(p.postcodes, CAST([] AS VARCHAR[])), s.postcodes))) END AS postcodes"
        )
    return f"p.* REPLACE ({', '.join(replaced)})"


def splink_inputs(con: duckdb.DuckDBPyConnection, blocking_rules: list[str]) -> dict[str, int]:
    """Tables ``splink_health`` (nodes no clerical or deterministic link took) and ``splink_persons`` (the
    persons some blocking rule pairs with one of them: a pair's score does not depend on who else is in Splink's
    input, so the others can stay out).

    Persons carry what their sure links already showed: a child's health records share placements and NHS
    numbers, so the postcodes of health nodes linked by NHS number, council id or a reviewer join the child's
    known postcodes, and their NHS number stands in where the SSD holds no valid one. A sibling record without
    an NHS number then meets them.
    """
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE open_nodes AS
        SELECT * FROM health_patient_nodes
        WHERE unique_id NOT IN (SELECT health_patient_key FROM clerical_links)
          AND unique_id NOT IN (SELECT health_patient_key FROM det_links)
        """,
    )
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE sure_seen AS
        SELECT s.person_id,
               list(DISTINCT h.postcode) FILTER (WHERE h.postcode IS NOT NULL) AS postcodes,
               CASE WHEN count(DISTINCT h.nhs_number) = 1 THEN max(h.nhs_number) END AS nhs_number
        FROM (SELECT person_id, health_patient_key FROM det_links
              UNION ALL SELECT person_id, health_patient_key FROM clerical_links) AS s
        JOIN health_patient_nodes AS h ON h.unique_id = s.health_patient_key
        GROUP BY s.person_id
        """,
    )
    _sql(
        con,
        f"""
        CREATE OR REPLACE VIEW blocking_persons AS
        SELECT {_enriched(False)} FROM person_nodes AS p LEFT JOIN sure_seen AS s ON s.person_id = p.unique_id
        """,
    )
    pairs = " UNION ".join(
        f"SELECT l.unique_id FROM blocking_persons AS l JOIN open_nodes AS r ON {rule}" for rule in blocking_rules
    )
    _sql(con, f"CREATE OR REPLACE TABLE candidate_ids AS {pairs}")
    candidates = f"""(
        SELECT {_enriched(True)}
        FROM ({persons_sql('candidate_ids')}) AS p LEFT JOIN sure_seen AS s ON s.person_id = p.unique_id
    ) AS candidates"""
    _sql(con, f"CREATE OR REPLACE TABLE splink_persons AS {splink_input_sql(candidates)}")
    _sql(con, f"CREATE OR REPLACE TABLE splink_health AS {splink_input_sql('open_nodes')}")
    return {
        "scored_health_nodes": _scalar(con, "SELECT count(*) FROM splink_health"),
        "candidate_persons": _scalar(con, "SELECT count(*) FROM splink_persons"),
    }


def population_prior(n_persons: int, known_child_share: float) -> float:
    """P(a random person-node pair matches): each known child's node matches one of ``n_persons`` people."""
    return min(0.5, max(1e-9, known_child_share / max(n_persons, 1)))


def score(con: duckdb.DuckDBPyConnection, bundle: lm.ModelBundle, settings: LinkageSettings) -> LinkResult:
    """Splink-score the nodes no clerical or deterministic link took; table ``predictions``."""
    from splink import DuckDBAPI, Linker

    result = LinkResult()
    rules = [
        br["blocking_rule"] if isinstance(br, dict) else br
        for br in bundle.splink_model["blocking_rules_to_generate_predictions"]
    ]
    result.counts.update(splink_inputs(con, rules))
    gammas = ", ".join(f"gamma_{c}" for c in lm.COMPARISON_NAMES)
    if result.counts["scored_health_nodes"] == 0 or result.counts["candidate_persons"] == 0:
        _sql(
            con,
            "CREATE OR REPLACE TABLE predictions AS SELECT CAST(NULL AS VARCHAR) AS person_id, "
            "CAST(NULL AS VARCHAR) AS health_patient_key, CAST(NULL AS DOUBLE) AS match_weight, "
            "CAST(NULL AS DOUBLE) AS match_probability, "
            + ", ".join(f"CAST(NULL AS INTEGER) AS gamma_{c}" for c in lm.COMPARISON_NAMES)
            + " WHERE false",
        )
        result.counts["scored_pairs"] = 0
        return result

    # The prior is the whole population's, not the candidates': each node matches one of all the SSD persons.
    result.prior = population_prior(_scalar(con, "SELECT count(*) FROM person_nodes"), settings.known_child_share)
    lm.quiet_splink_logging()
    db_api = DuckDBAPI(connection=con)
    persons = db_api.register("splink_persons", dataset_display_name=lm.SOURCE_DATASET_SSD)
    health = db_api.register("splink_health", dataset_display_name=lm.SOURCE_DATASET_HEALTH)
    linker = Linker([persons, health], lm.for_population(bundle.splink_model, result.prior), log_level=None)
    predicted = linker.inference.predict(threshold_match_weight=settings.score_floor_weight, warning_mode="never")
    ssd = lm.SOURCE_DATASET_SSD
    _sql(
        con,
        f"""
        CREATE OR REPLACE TABLE predictions AS
        SELECT
            CASE WHEN source_dataset_l = '{ssd}' THEN unique_id_l ELSE unique_id_r END AS person_id,
            CASE WHEN source_dataset_l = '{ssd}' THEN unique_id_r ELSE unique_id_l END AS health_patient_key,
            match_weight, match_probability, {gammas}
        FROM {predicted.physical_name}
        """,
    )
    db_api.delete_tables_created_by_splink_from_db()
    result.counts["scored_pairs"] = _scalar(con, "SELECT count(*) FROM predictions")
    return result


def resolve(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    """Tables ``links`` (health_patient_key -> person_id, method, probability, weight) and ``review_pairs``."""
    mt, rt, margin = settings.match_threshold, settings.review_threshold, settings.ambiguity_margin
    _sql(
        con,
        f"""
        CREATE OR REPLACE TABLE candidates AS
        SELECT pr.*,
               row_number() OVER (PARTITION BY health_patient_key ORDER BY match_weight DESC, person_id) AS rank,
               lead(match_weight) OVER (PARTITION BY health_patient_key ORDER BY match_weight DESC, person_id)
                   AS runner_up_weight
        FROM predictions AS pr
        WHERE match_probability >= {rt}
          AND NOT EXISTS (SELECT 1 FROM decided AS d WHERE d.decision = 'reject'
                          AND d.person_id = pr.person_id AND d.health_patient_key = pr.health_patient_key)
        """,
    )
    _sql(
        con,
        f"""
        CREATE OR REPLACE TABLE prob_links_raw AS
        SELECT health_patient_key, person_id, match_weight, match_probability
        FROM candidates
        WHERE rank = 1 AND match_probability >= {mt}
          AND (runner_up_weight IS NULL OR match_weight - runner_up_weight >= {margin})
        """,
    )
    # Valid NHS numbers must not contradict: against the child's own, or (child without one) against the
    # child's strongest link.
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE nhs_conflicts AS
        WITH linked AS (
            SELECT l.health_patient_key, l.person_id, l.match_weight, h.nhs_number AS node_nhs
            FROM prob_links_raw AS l JOIN health_patient_nodes AS h ON h.unique_id = l.health_patient_key
        ),
        fixed AS (   -- NHS numbers already tied to the child
            SELECT person_id, nhs_number FROM person_nhs
            UNION
            SELECT x.person_id, h.nhs_number
            FROM (SELECT person_id, health_patient_key FROM det_links
                  UNION ALL SELECT person_id, health_patient_key FROM clerical_links) AS x
            JOIN health_patient_nodes AS h ON h.unique_id = x.health_patient_key
            WHERE h.nhs_number IS NOT NULL
        ),
        anchor AS (
            SELECT person_id, arg_max(node_nhs, match_weight) AS nhs_number
            FROM linked
            WHERE node_nhs IS NOT NULL AND person_id NOT IN (SELECT person_id FROM fixed)
            GROUP BY person_id
        ),
        allowed AS (SELECT person_id, nhs_number FROM fixed UNION SELECT person_id, nhs_number FROM anchor)
        SELECT l.health_patient_key, l.person_id
        FROM linked AS l
        WHERE l.node_nhs IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM allowed AS a WHERE a.person_id = l.person_id AND a.nhs_number = l.node_nhs)
        """,
    )
    _sql(
        con,
        """
        CREATE OR REPLACE TABLE links AS
        SELECT health_patient_key, person_id, 'clerical' AS method, 1.0 AS match_probability,
               CAST(NULL AS DOUBLE) AS match_weight
        FROM clerical_links
        UNION ALL
        SELECT health_patient_key, person_id, method, 1.0, CAST(NULL AS DOUBLE) FROM det_links
        UNION ALL
        SELECT l.health_patient_key, l.person_id, 'probabilistic', l.match_probability, l.match_weight
        FROM prob_links_raw AS l
        WHERE NOT EXISTS (SELECT 1 FROM nhs_conflicts AS c
                          WHERE c.health_patient_key = l.health_patient_key AND c.person_id = l.person_id)
        """,
    )
    _sql(
        con,
        f"""
        CREATE OR REPLACE TABLE review_pairs AS
        WITH best AS (SELECT health_patient_key, match_weight AS best_weight FROM candidates WHERE rank = 1),
        flagged AS (
            SELECT c.*,
                   CASE
                     WHEN EXISTS (SELECT 1 FROM nhs_conflicts AS x WHERE x.health_patient_key = c.health_patient_key
                                  AND x.person_id = c.person_id) THEN 'nhs_number_conflict'
                     WHEN c.rank = 1 AND c.match_probability < {mt} THEN 'below_match_threshold'
                     WHEN c.rank = 1 THEN 'ambiguous'
                     WHEN b.best_weight - c.match_weight < {margin} THEN 'ambiguous'
                   END AS reason
            FROM candidates AS c JOIN best AS b USING (health_patient_key)
        )
        SELECT f.* EXCLUDE (rank, runner_up_weight)
        FROM flagged AS f
        WHERE f.reason IS NOT NULL
          AND f.health_patient_key NOT IN (SELECT health_patient_key FROM links)
          AND NOT EXISTS (SELECT 1 FROM decided AS d
                          WHERE d.person_id = f.person_id AND d.health_patient_key = f.health_patient_key)
        """,
    )


def weight_histogram(con: duckdb.DuckDBPyConnection) -> list[tuple[float | None, float | None, int]]:
    """(lower, upper, count) of the scored pairs' match weights; open-ended first and last bins."""
    edges = HISTOGRAM_EDGES
    bins: list[tuple[float | None, float | None]] = [(None, float(edges[0]))]
    bins += [(float(a), float(b)) for a, b in zip(edges, edges[1:])]
    bins.append((float(edges[-1]), None))
    cases = " ".join(
        f"WHEN match_weight {'>= ' + str(lo) if lo is not None else 'IS NOT NULL'}"
        f"{' AND match_weight < ' + str(hi) if hi is not None else ''} THEN {i}"
        for i, (lo, hi) in enumerate(bins)
    )
    rows = dict(_sql(con, f"SELECT CASE {cases} END AS b, count(*) FROM predictions GROUP BY b"))
    return [(lo, hi, int(rows.get(i, 0))) for i, (lo, hi) in enumerate(bins)]


def population_stability_index(previous: list[int], current: list[int]) -> float | None:
    """PSI between two histograms over the same bins (0 = same shape; > 0.25 usually means drift)."""
    if len(previous) != len(current) or sum(previous) == 0 or sum(current) == 0:
        return None
    eps = 1e-4
    p_tot, c_tot = sum(previous), sum(current)
    psi = 0.0
    for p, c in zip(previous, current):
        pp = max(p / p_tot, eps)
        cc = max(c / c_tot, eps)
        psi += (cc - pp) * math.log(cc / pp)
    return psi

