"""Set-based rules in SQL that runs unchanged on DuckDB and PostgreSQL.

Raw columns are text, so dates are compared as their ISO ``YYYY-MM-DD`` prefix (text order is date order) and
only where the value looks like an ISO date (``LIKE '____-__-__%'``); unreadable dates are ``date_parseable``'s
business. Open periods end on ``9999-12-31``. No casts, no ``try_cast``, no dialect-specific functions.

Every query returns ``_row_key, record_id, value, other_value, other_id`` for the rows that fail, one row per
failing raw row (``GROUP BY _row_key``), so a duplicated parent never multiplies findings.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cs_pipeline.lib.nhs_number import normalise_sql, valid_nhs_number_sql
from cs_pipeline.lib.warehouse import quote_ident as q

RAW = "raw"
OPEN_END = "'9999-12-31'"


def iso_day(expr: str) -> str:
    """The ISO day (text) of a raw date value, or NULL when it does not look like an ISO date."""
    return f"(CASE WHEN {expr} LIKE '____-__-__%' THEN substr({expr}, 1, 10) END)"


def raw(table: str) -> str:
    return f"{q(RAW)}.{q(table)}"


def nonblank(expr: str) -> str:
    return f"NULLIF(trim({expr}), '')"


# -- per-column rules listed in suites ---------------------------------------------------------------------------
def key_not_null_sql(table: str, column: str) -> str:
    return f"""
        SELECT _row_key, NULL AS record_id, NULL AS value, NULL AS other_value, NULL AS other_id
        FROM {raw(table)}
        WHERE {nonblank(q(column))} IS NULL"""


def key_unique_sql(table: str, column: str, within: str | None = None) -> str:
    """Rows repeating an id already used by an earlier row (row order: ``_row_key`` as a number, then as text),
    among the rows with the same ``within`` value when given. The first row with an id is kept; ``other_value``
    names it."""
    key = nonblank(q(column))
    partition = f"{key}, {q(within)}" if within else key
    order = "length(_row_key), _row_key"
    return f"""
        WITH k AS (
            SELECT _row_key, {key} AS id,
                   ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order}) AS n,
                   FIRST_VALUE(_row_key) OVER (PARTITION BY {partition} ORDER BY {order}) AS first_row
            FROM {raw(table)}
            WHERE {key} IS NOT NULL
        )
        SELECT _row_key, id AS record_id, id AS value, first_row AS other_value, NULL AS other_id
        FROM k
        WHERE n > 1"""


def foreign_key_sql(table: str, column: str, record_id: str | None, parent_table: str, parent_column: str) -> str:
    rid = f"c.{q(record_id)}" if record_id else "NULL"
    return f"""
        SELECT c._row_key AS _row_key, min({rid}) AS record_id, min(c.{q(column)}) AS value,
               NULL AS other_value, NULL AS other_id
        FROM {raw(table)} AS c
        WHERE {nonblank(f"c.{q(column)}")} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {raw(parent_table)} AS p WHERE p.{q(parent_column)} = c.{q(column)})
        GROUP BY c._row_key"""


def not_before_birth_sql(table: str, column: str, record_id: str | None, person_id: str) -> str:
    rid = f"c.{q(record_id)}" if record_id else "NULL"
    event = iso_day(f"c.{q(column)}")
    return f"""
        SELECT c._row_key AS _row_key, min({rid}) AS record_id, min({event}) AS value,
               NULL AS other_value, min(c.{q(person_id)}) AS other_id
        FROM {raw(table)} AS c
        JOIN (
            SELECT pers_person_id, min({iso_day('pers_dob')}) AS dob
            FROM {raw('ssd_person')}
            GROUP BY pers_person_id
        ) AS p ON p.pers_person_id = c.{q(person_id)}
        WHERE p.dob IS NOT NULL AND {event} < p.dob
        GROUP BY c._row_key"""


# -- cross-table consistency rules ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CrossRule:
    rule_id: str
    table: str  # the table whose rows fail (and are quarantined / warned)
    needs: dict[str, tuple[str, ...]]  # every table read -> the columns it needs
    sql: Callable[[set[str]], str]  # given the raw tables present (optional tables may be left out)
    message: Callable[[dict], str]

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.needs)


def _overlap_sql(table: str, record_id: str, person: str, start: str, end: str) -> str:
    return f"""
        WITH spans AS (
            SELECT _row_key, {q(record_id)} AS record_id, {q(person)} AS person_id,
                   {iso_day(q(start))} AS span_start, COALESCE({iso_day(q(end))}, {OPEN_END}) AS span_end
            FROM {raw(table)}
            WHERE {nonblank(q(person))} IS NOT NULL AND {iso_day(q(start))} IS NOT NULL
        ), valid_spans AS (
            SELECT * FROM spans WHERE span_end >= span_start
        )
        SELECT a._row_key AS _row_key, min(a.record_id) AS record_id, min(a.span_start) AS value,
               min(a.span_end) AS other_value, min(b.record_id) AS other_id
        FROM valid_spans AS a
        JOIN valid_spans AS b
          ON a.person_id = b.person_id
         AND a._row_key <> b._row_key
         AND (a.record_id IS NULL OR b.record_id IS NULL OR a.record_id <> b.record_id)
         AND a.span_start < b.span_end
         AND b.span_start < a.span_end
        GROUP BY a._row_key"""


def _period(f: dict) -> str:
    end = f.get("other_value")
    return f"{f.get('value')} to {'open' if end in (None, '9999-12-31') else end}"


def _cp_plan_starts_at_icpc_sql(present: set[str] | None = None) -> str:
    p_start = iso_day("p.cppl_cp_plan_start_date")
    i_date = iso_day("i.icpc_icpc_date")
    select = f"""
            SELECT p._row_key, p.cppl_cp_plan_id AS record_id, {p_start} AS value, {i_date} AS other_value,
                   i.icpc_icpc_id AS other_id
            FROM {raw('ssd_cp_plans')} AS p JOIN {raw('ssd_initial_cp_conference')} AS i"""
    return f"""
        WITH pairs AS (
            {select} ON i.icpc_icpc_id = p.cppl_icpc_id
            UNION ALL
            {select} ON p.cppl_icpc_id IS NULL AND i.icpc_cp_plan_id = p.cppl_cp_plan_id
        )
        SELECT _row_key, min(record_id) AS record_id, min(value) AS value, min(other_value) AS other_value,
               min(other_id) AS other_id
        FROM pairs
        WHERE value IS NOT NULL AND other_value IS NOT NULL AND value <> other_value
        GROUP BY _row_key"""


def _cla_review_before_care_sql(present: set[str] | None = None) -> str:
    review = iso_day("r.clar_cla_review_date")
    return f"""
        WITH care AS (
            SELECT clae_cla_id AS cla_id, min({iso_day('clae_cla_episode_start_date')}) AS care_start
            FROM {raw('ssd_cla_episodes')}
            WHERE {nonblank('clae_cla_id')} IS NOT NULL
            GROUP BY clae_cla_id
        )
        SELECT r._row_key AS _row_key, min(r.clar_cla_review_id) AS record_id, min({review}) AS value,
               min(c.care_start) AS other_value, min(r.clar_cla_id) AS other_id
        FROM {raw('ssd_cla_reviews')} AS r
        JOIN care AS c ON c.cla_id = r.clar_cla_id
        WHERE c.care_start IS NOT NULL AND {review} < c.care_start
        GROUP BY r._row_key"""


def _cin_plan_during_cp_plan_sql(present: set[str] | None = None) -> str:
    return f"""
        WITH cin AS (
            SELECT _row_key, cinp_cin_plan_id AS record_id, cinp_person_id AS person_id,
                   {iso_day('cinp_cin_plan_start_date')} AS s,
                   COALESCE({iso_day('cinp_cin_plan_end_date')}, {OPEN_END}) AS e
            FROM {raw('ssd_cin_plans')}
            WHERE {iso_day('cinp_cin_plan_start_date')} IS NOT NULL
        ), cp AS (
            SELECT cppl_cp_plan_id AS plan_id, cppl_person_id AS person_id,
                   {iso_day('cppl_cp_plan_start_date')} AS s,
                   COALESCE({iso_day('cppl_cp_plan_end_date')}, {OPEN_END}) AS e
            FROM {raw('ssd_cp_plans')}
            WHERE {iso_day('cppl_cp_plan_start_date')} IS NOT NULL
        )
        SELECT cin._row_key AS _row_key, min(cin.record_id) AS record_id, min(cin.s) AS value,
               min(cin.e) AS other_value, min(cp.plan_id) AS other_id
        FROM cin
        JOIN cp ON cp.person_id = cin.person_id AND cin.s < cp.e AND cp.s < cin.e
        WHERE cin.e >= cin.s AND cp.e >= cp.s
        GROUP BY cin._row_key"""


def _health_child_known_sql(table: str, has_la_child_id: bool) -> Callable[[set[str]], str]:
    def build(present: set[str]) -> str:
        la_child_id = nonblank("la_child_id") if has_la_child_id else "NULL"
        linked = (
            f"""
            UNION
            SELECT {normalise_sql('link_identifier_value')} AS nhs
            FROM {raw('ssd_linked_identifiers')}
            WHERE link_identifier_type = 'NHS Number'"""
            if "ssd_linked_identifiers" in present
            else ""
        )
        return f"""
        WITH held AS (  -- the council's NHS numbers, normalised: equal to a valid number means valid too
            SELECT {normalise_sql('pers_common_child_id')} AS nhs FROM {raw('ssd_person')}{linked}
        ), h AS (
            SELECT _row_key, record_id, {la_child_id} AS la_child_id,
                   {valid_nhs_number_sql('nhs_number')} AS nhs
            FROM {raw(table)}
        )
        SELECT h._row_key AS _row_key, min(h.record_id) AS record_id, NULL AS value, NULL AS other_value,
               NULL AS other_id
        FROM h
        WHERE NOT EXISTS (SELECT 1 FROM {raw('ssd_person')} AS p WHERE p.pers_person_id = h.la_child_id)
          AND NOT (h.nhs IS NOT NULL AND EXISTS (SELECT 1 FROM held WHERE held.nhs = h.nhs))
        GROUP BY h._row_key"""

    return build


def _health_rule(kind_table: str, has_la_child_id: bool) -> CrossRule:
    needs = {kind_table: ("record_id", "nhs_number") + (("la_child_id",) if has_la_child_id else ()),
             "ssd_person": ("pers_person_id", "pers_common_child_id")}
    return CrossRule(
        "health_child_known", kind_table, needs, _health_child_known_sql(kind_table, has_la_child_id),
        lambda f: "no child the council holds has this record's la_child_id or valid NHS number "
                  "(kept for linkage)",
    )


CROSS_RULES: dict[str, CrossRule] = {
    "cla_episodes_overlap": CrossRule(
        "cla_episodes_overlap", "ssd_cla_episodes",
        {"ssd_cla_episodes": ("clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date",
                              "clae_cla_episode_ceased_date")},
        lambda present: _overlap_sql("ssd_cla_episodes", "clae_cla_episode_id", "clae_person_id",
                             "clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
        lambda f: f"care episode ({_period(f)}) overlaps episode {f.get('other_id')} of the same child",
    ),
    "cla_placements_overlap": CrossRule(
        "cla_placements_overlap", "ssd_cla_placement",
        {"ssd_cla_placement": ("clap_cla_placement_id", "clap_person_id", "clap_cla_placement_start_date",
                               "clap_cla_placement_end_date")},
        lambda present: _overlap_sql("ssd_cla_placement", "clap_cla_placement_id", "clap_person_id",
                             "clap_cla_placement_start_date", "clap_cla_placement_end_date"),
        lambda f: f"placement ({_period(f)}) overlaps placement {f.get('other_id')} of the same child",
    ),
    "cin_episodes_overlap": CrossRule(
        "cin_episodes_overlap", "ssd_cin_episodes",
        {"ssd_cin_episodes": ("cine_referral_id", "cine_person_id", "cine_referral_date", "cine_close_date")},
        lambda present: _overlap_sql("ssd_cin_episodes", "cine_referral_id", "cine_person_id", "cine_referral_date",
                             "cine_close_date"),
        lambda f: f"CIN episode ({_period(f)}) overlaps CIN episode {f.get('other_id')} of the same child",
    ),
    "cp_plans_overlap": CrossRule(
        "cp_plans_overlap", "ssd_cp_plans",
        {"ssd_cp_plans": ("cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date")},
        lambda present: _overlap_sql("ssd_cp_plans", "cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date",
                             "cppl_cp_plan_end_date"),
        lambda f: f"CP plan ({_period(f)}) overlaps CP plan {f.get('other_id')} of the same child",
    ),
    "cin_plan_during_cp_plan": CrossRule(
        "cin_plan_during_cp_plan", "ssd_cin_plans",
        {"ssd_cin_plans": ("cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan_start_date",
                           "cinp_cin_plan_end_date"),
         "ssd_cp_plans": ("cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date")},
        _cin_plan_during_cp_plan_sql,
        lambda f: f"CIN plan ({_period(f)}) is open while CP plan {f.get('other_id')} is open",
    ),
    "cp_plan_starts_at_icpc": CrossRule(
        "cp_plan_starts_at_icpc", "ssd_cp_plans",
        {"ssd_cp_plans": ("cppl_cp_plan_id", "cppl_icpc_id", "cppl_cp_plan_start_date"),
         "ssd_initial_cp_conference": ("icpc_icpc_id", "icpc_cp_plan_id", "icpc_icpc_date")},
        _cp_plan_starts_at_icpc_sql,
        lambda f: f"CP plan starts {f.get('value')} but its initial conference {f.get('other_id')} was held "
                  f"{f.get('other_value')}",
    ),
    "cla_review_before_care": CrossRule(
        "cla_review_before_care", "ssd_cla_reviews",
        {"ssd_cla_reviews": ("clar_cla_review_id", "clar_cla_id", "clar_cla_review_date"),
         "ssd_cla_episodes": ("clae_cla_id", "clae_cla_episode_start_date")},
        _cla_review_before_care_sql,
        lambda f: f"review on {f.get('value')} is before the child entered care on {f.get('other_value')} "
                  f"(period of care {f.get('other_id')})",
    ),
}

HEALTH_CROSS_RULES: dict[str, CrossRule] = {
    "health_lac_health_assessments": _health_rule("health_lac_health_assessments", True),
    "health_immunisations": _health_rule("health_immunisations", False),
    "health_dental_checks": _health_rule("health_dental_checks", False),
}


def cross_rule_for(rule_id: str, table: str) -> CrossRule:
    if rule_id == "health_child_known":
        return HEALTH_CROSS_RULES[table]
    return CROSS_RULES[rule_id]


def cross_rule_reads(rule_id: str, table: str) -> set[str]:
    """Every raw table a cross rule may read (its quarantine asset depends on them)."""
    tables = set(cross_rule_for(rule_id, table).tables)
    if rule_id == "health_child_known":
        tables.add("ssd_linked_identifiers")
    return tables
