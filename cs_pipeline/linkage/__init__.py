"""Record linkage of the health provider's records to SSD persons. Pure logic, no Dagster
(the assets are in ``cs_pipeline.defs.linkage``).

- ``sources``: read raw (minus quarantined rows) from the warehouse into an in-memory DuckDB;
- ``standardise``: person nodes (one per SSD person) and health patient nodes (one per distinct normalised
  identity across health records, keyed by a hash of it) with cleaned names, nicknames (``data/nicknames.csv``),
  dates, sex, postcodes and sectors, validated NHS numbers (``cs_pipeline.lib.nhs_number``);
- ``matching``: deterministic pass (clerical decisions, NHS number + date of birth, carried council id), Splink
  scoring of the rest, one health node to at most one child, review queue;
- ``model``: the Splink 5 comparisons and blocking rules, training, versioned model bundles; the packaged
  default ``models/default_model.json`` is rebuilt by ``python -m cs_pipeline.linkage.train_default``;
- ``pipeline``: one run end to end (warehouse -> DuckDB -> ``linkage.*``) and model registration;
- ``evaluation``: precision/recall against the synthetic generator's ground truth (tests, benchmarks).
"""
