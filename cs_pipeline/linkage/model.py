"""The Splink 5 model: comparisons, blocking rules, training, and the versioned JSON it is saved as.

A saved model is a *bundle*::

    {"format": "cs_pipeline.linkage.model/1", "model_version": "...", "source": "default|trained",
     "created_at": "...", "splink_version": "5.0.0", "training": {counts only}, "splink_model": {...}}

``splink_model`` is exactly what Splink's ``linker.misc.save_model_to_json`` returns, so it loads with
``Linker(tables, bundle["splink_model"])``. ``model_version`` is ``<source>-<first 12 hex of the sha256 of the
canonical splink_model JSON>``: the same parameters always get the same version.

The packaged default (``models/default_model.json``, trained on synthetic data) is used until a council trains
its own; a council with a dozen children can link with it. Training needs enough children to estimate from
(see :data:`MIN_TRAINING_PERSONS`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb

from cs_pipeline.lib.warehouse import quote_ident

FORMAT = "cs_pipeline.linkage.model/1"
MIN_TRAINING_PERSONS = 200
SOURCE_DATASET_SSD = "ssd"
SOURCE_DATASET_HEALTH = "health"

# Splink output gamma_<name> columns, in this order.
COMPARISON_NAMES = ("nhs_number", "forename", "surname", "dob", "postcode", "sex", "looked_after")


def _null_level(condition: str) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": "null", "is_null_level": True}


def _level(condition: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": label, **extra}


def _else() -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "else"}


def comparisons() -> list[dict[str, Any]]:
    """The comparisons, as plain dicts of DuckDB SQL so the saved JSON reads on its own.

    No term-frequency adjustments: a pair's score depends on that pair alone, so scoring can leave out persons
    no blocking rule pairs with any health node, and a small council's chance name frequencies (a surname seen
    twice among 30 records) do not mark down every exact match.
    """
    return [
        {
            "output_column_name": "nhs_number",
            "comparison_description": "NHS number: exact (valid), one digit different (raw digits), else",
            "comparison_levels": [
                _null_level('"nhs_number_raw_l" IS NULL OR "nhs_number_raw_r" IS NULL'),
                _level('"nhs_number_l" = "nhs_number_r"', "exact"),
                _level('damerau_levenshtein("nhs_number_raw_l", "nhs_number_raw_r") <= 1', "one_digit"),
                _else(),
            ],
        },
        {
            "output_column_name": "forename",
            "comparison_description": "First forename: exact, nickname, Jaro-Winkler >= 0.92, >= 0.80, else",
            "comparison_levels": [
                _null_level('"forename_l" IS NULL OR "forename_r" IS NULL'),
                _level('"forename_l" = "forename_r"', "exact"),
                _level('list_has_any("forename_canons_l", "forename_canons_r")', "nickname"),
                _level('jaro_winkler_similarity("forename_l", "forename_r") >= 0.92', "jw_0.92"),
                _level('jaro_winkler_similarity("forename_l", "forename_r") >= 0.8', "jw_0.80"),
                _else(),
            ],
        },
        {
            "output_column_name": "surname",
            "comparison_description": "Surname (spaces removed): exact, Jaro-Winkler >= 0.92, >= 0.80, else",
            "comparison_levels": [
                _null_level('"surname_l" IS NULL OR "surname_r" IS NULL'),
                _level('"surname_l" = "surname_r"', "exact"),
                _level('jaro_winkler_similarity("surname_l", "surname_r") >= 0.92', "jw_0.92"),
                _level('jaro_winkler_similarity("surname_l", "surname_r") >= 0.8', "jw_0.80"),
                _else(),
            ],
        },
        {
            "output_column_name": "dob",
            "comparison_description": "Date of birth: exact, day/month swapped, within 3 days, one character, else",
            "comparison_levels": [
                _null_level('"dob_l" IS NULL OR "dob_r" IS NULL'),
                _level('"dob_l" = "dob_r"', "exact"),
                _level(
                    'day("dob_l") = month("dob_r") AND month("dob_l") = day("dob_r") AND year("dob_l") = year("dob_r")',
                    "day_month_swapped",
                ),
                _level('abs(date_diff(\'day\', "dob_l", "dob_r")) <= 3', "within_3_days"),
                _level('levenshtein(CAST("dob_l" AS VARCHAR), CAST("dob_r" AS VARCHAR)) <= 1', "one_character"),
                _else(),
            ],
        },
        {
            "output_column_name": "postcode",
            "comparison_description": "Postcode: exact (current), any known postcode, same sector, else",
            "comparison_levels": [
                _null_level('"postcodes_l" IS NULL OR "postcodes_r" IS NULL'),
                _level('"postcode_l" = "postcode_r"', "exact"),
                _level('list_has_any("postcodes_l", "postcodes_r")', "any_known_postcode"),
                _level('list_has_any("sectors_l", "sectors_r")', "sector"),
                _else(),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_description": "Sex: exact, else",
            "comparison_levels": [
                _null_level('"sex_l" IS NULL OR "sex_r" IS NULL'),
                _level('"sex_l" = "sex_r"', "exact"),
                _else(),
            ],
        },
        {
            # One-sided: only SSD persons carry it. The extract is of looked-after children, so a candidate who
            # has never been looked after is less likely to be the match.
            "output_column_name": "looked_after",
            "comparison_description": "The SSD person has a CLA episode, else",
            "comparison_levels": [
                _null_level('"looked_after_l" IS NULL AND "looked_after_r" IS NULL'),
                _level('coalesce("looked_after_l", "looked_after_r")', "looked_after"),
                _else(),
            ],
        },
    ]


def blocking_rules() -> list[str]:
    """Candidate pairs. Each rule stays selective at national scale (13 million SSD persons) and together they
    admit a record with two defects: NHS number; date of birth with surname, or with forename key (nicknames
    meet); both names with the birth month (dates a few days out) or with day and month swapped; postcode with
    either name (a typo and a date slip together)."""
    return [
        "l.nhs_number = r.nhs_number",
        "l.dob = r.dob AND l.surname = r.surname",
        "l.dob = r.dob AND l.forename_key = r.forename_key",
        "l.forename_key = r.forename_key AND l.surname = r.surname AND l.birth_year = r.birth_year "
        "AND month(l.dob) = month(r.dob)",
        "l.forename_key = r.forename_key AND l.surname = r.surname "
        "AND strftime(l.dob, '%Y-%m-%d') = strftime(r.dob, '%Y-%d-%m')",
        "l.postcode = r.postcode AND l.surname = r.surname",
        "l.postcode = r.postcode AND l.forename_key = r.forename_key",
    ]


def base_settings() -> dict[str, Any]:
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "source_dataset_column_name": "source_dataset",
        "probability_two_random_records_match": 0.001,
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


def level_labels(splink_model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison name -> {gamma value: label} (Splink numbers levels from the top, null = -1)."""
    out: dict[str, dict[int, str]] = {}
    for comp in splink_model["comparisons"]:
        levels = comp["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        labels = {-1: "null"}
        for i, lv in enumerate(non_null):
            labels[len(non_null) - 1 - i] = lv.get("label_for_charts", str(len(non_null) - 1 - i))
        out[comp["output_column_name"]] = labels
    return out


# -- bundles ------------------------------------------------------------------------------------------------
@dataclass
class ModelBundle:
    splink_model: dict[str, Any]
    source: str
    created_at: str
    training: dict[str, Any] = field(default_factory=dict)
    splink_version: str = "5.0.0"

    @property
    def model_version(self) -> str:
        canonical = json.dumps(self.splink_model, sort_keys=True, separators=(",", ":"))
        return f"{self.source}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model_version": self.model_version,
            "source": self.source,
            "created_at": self.created_at,
            "splink_version": self.splink_version,
            "training": self.training,
            "splink_model": self.splink_model,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelBundle":
        if data.get("format") != FORMAT:
            raise ValueError(f"not a cs_pipeline linkage model (format {data.get('format')!r})")
        bundle = cls(
            splink_model=data["splink_model"],
            source=data["source"],
            created_at=data["created_at"],
            training=data.get("training", {}),
            splink_version=data.get("splink_version", "5.0.0"),
        )
        if data.get("model_version") and data["model_version"] != bundle.model_version:
            raise ValueError("model JSON was edited after it was versioned: model_version does not match its content")
        return bundle

    @classmethod
    def from_json(cls, text: str) -> "ModelBundle":
        return cls.from_dict(json.loads(text))


def default_model() -> ModelBundle:
    text = resources.files("cs_pipeline.linkage").joinpath("models/default_model.json").read_text(encoding="utf-8")
    return ModelBundle.from_json(text)


# -- training -----------------------------------------------------------------------------------------------
class NotEnoughTrainingData(RuntimeError):
    pass


def quiet_splink_logging() -> None:
    """Splink logs progress at INFO; counts only, but keep it out of run logs."""
    logging.getLogger("splink").setLevel(logging.WARNING)


def train(
    con: duckdb.DuckDBPyConnection,
    persons_table: str,
    health_table: str,
    *,
    seed: int = 42,
    max_pairs_u: float = 3e6,
    max_pairs_em: float = 5e6,
    min_persons: int = MIN_TRAINING_PERSONS,
    source: str = "trained",
) -> ModelBundle:
    """Estimate the model from two tables in ``con`` shaped by :func:`standardise.splink_input_sql`.

    u from random pairs (seeded), the prior from two deterministic rules, m by expectation maximisation in two
    sessions (blocked on date of birth; on forename and surname) so every comparison is estimated once.
    """
    from splink import DuckDBAPI, Linker

    quiet_splink_logging()
    n_persons = con.cursor().execute(f"SELECT count(*) FROM {quote_ident(persons_table)}").fetchall()[0][0]
    n_health = con.cursor().execute(f"SELECT count(*) FROM {quote_ident(health_table)}").fetchall()[0][0]
    if n_persons < min_persons or n_health < min_persons:
        raise NotEnoughTrainingData(
            f"training needs at least {min_persons} SSD persons and health patient nodes "
            f"(have {n_persons} and {n_health}); keep using the current model"
        )
    db_api = DuckDBAPI(connection=con)
    persons = db_api.register(persons_table, dataset_display_name=SOURCE_DATASET_SSD)
    health = db_api.register(health_table, dataset_display_name=SOURCE_DATASET_HEALTH)
    linker = Linker([persons, health], base_settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [
            "l.nhs_number = r.nhs_number AND l.dob = r.dob",
            "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob",
        ],
        recall=0.8,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
    for rule in ("l.dob = r.dob", "l.forename = r.forename AND l.surname = r.surname"):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=max_pairs_em)
    splink_model = regularise(linker.misc.save_model_to_json())
    return ModelBundle(
        splink_model=splink_model,
        source=source,
        created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        training={"ssd_persons": int(n_persons), "health_patient_nodes": int(n_health), "seed": seed},
    )


M_FLOOR = 1e-3
U_FLOOR = 1e-6  # about one in the million random pairs u sampling draws
# Floors set from knowledge of the data rather than the synthetic training set: a few health records belong to
# a child whose CLA episode is not in the SSD yet (request before the episode is recorded, extract lag).
M_FLOORS = {("looked_after", "else"): 0.05}


def regularise(splink_model: dict[str, Any]) -> dict[str, Any]:
    """Keep trained parameters usable on other data.

    - m is floored (:data:`M_FLOOR`, or :data:`M_FLOORS` for a level) and each comparison's m re-normalised:
      EM on clean synthetic data learns "a sex or date of birth mismatch never happens" (weights of -40),
      which real typing errors then contradict;
    - a level never seen among matches gets m = u (weight 0); one never seen among the random pairs u is
      estimated from gets u = :data:`U_FLOOR` (e.g. two NHS numbers one digit apart).
    """
    out = json.loads(json.dumps(splink_model))
    out.pop("linker_uid", None)
    for comp in out["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is None:  # never seen among matches: no evidence either way
                m = u if u is not None else M_FLOOR
                level["m_probability"] = level["u_probability"] = float(m)
                continue
            floor = M_FLOORS.get((comp["output_column_name"], level.get("label_for_charts")), M_FLOOR)
            level["m_probability"] = max(float(m), floor)
            level["u_probability"] = max(float(u), U_FLOOR) if u is not None else U_FLOOR
        total = sum(lv["m_probability"] for lv in levels)
        if total > 1:
            for level in levels:
                level["m_probability"] /= total
        for level in levels:  # parallel sums differ in the last bits from run to run; the version must not
            level["m_probability"] = _round(level["m_probability"])
            level["u_probability"] = _round(level["u_probability"])
    out["probability_two_random_records_match"] = _round(out["probability_two_random_records_match"])
    return out


def _round(x: float) -> float:
    return float(f"{x:.8g}")


def for_population(splink_model: dict[str, Any], prior: float) -> dict[str, Any]:
    """The model set up for scoring one population: its prior, and comparison levels kept in the output."""
    out = json.loads(json.dumps(splink_model))
    out["probability_two_random_records_match"] = prior
    # Splink 5 keeps the gamma_ columns (comparison levels, shown in the review queue) only with the matching
    # columns; they stay in the in-memory DuckDB.
    out["retain_matching_columns"] = True
    out["retain_intermediate_calculation_columns"] = False
    out.pop("linker_uid", None)
    return out
