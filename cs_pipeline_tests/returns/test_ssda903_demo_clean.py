"""The SSDA903 return the demo builds raises DfE's rule flags only where the synthetic generator seeded a 903 defect.

The whole pipeline runs on a small synthetic council (the demo command, as ``test_end_to_end`` runs it), then DfE's
rules run on the built return (``validate_in_warehouse``). The generator writes the defects it seeded on purpose to
``ground_truth/ssda903_defects.csv`` (``person_id, rule_code, description``; ``cs_pipeline/synthetic/
ssda903_defects.py``): every one must be flagged for its child by its rule, and nothing else may be flagged.
"""
from __future__ import annotations

import csv
from collections import Counter

import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.cin.publish import validate_in_warehouse as validate_cin_in_warehouse
from cs_pipeline.returns.ssda903.publish import validate_in_warehouse
from cs_pipeline_tests.test_end_to_end import run_demo

YEAR = CollectionYear.parse("2025-26")   # the latest year ended by the generator's as-at date (30 September 2026)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ssda903_demo_clean")
    run_demo(data_dir, scale=0.05)
    warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    validate_in_warehouse(warehouse, YEAR)
    cin_run, _ = validate_cin_in_warehouse(warehouse, YEAR, "211")
    assert not cin_run.failed, cin_run.failed
    with open(data_dir / "demo" / "ground_truth" / "ssda903_defects.csv", encoding="utf-8", newline="") as f:
        seeded = list(csv.DictReader(f))
    flags = warehouse.query_frame(
        "select rule_code, table_name, child_id from returns.dfe_rule_results "
        f"where return_name = 'ssda903' and collection_year = '{YEAR}'")
    return seeded, flags, warehouse


def _summary(pairs: set[tuple[str, str]], flags) -> str:
    by_rule = Counter(rule for _, rule in pairs)
    lines = []
    for rule, children in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        rows = flags[flags["rule_code"] == rule]
        tables = ", ".join(sorted(set(rows["table_name"])))
        examples = ", ".join(sorted(child for child, r in pairs if r == rule)[:5])
        lines.append(f"  {rule:<10} {children:>4} children ({len(rows)} rows in {tables or '-'}), e.g. {examples}")
    return "\n".join(lines)


def test_seeded_defects_are_in_the_ground_truth(demo):
    seeded, _, _ = demo
    assert len({row["rule_code"] for row in seeded}) >= 5
    assert all(row["person_id"] and row["rule_code"] and row["description"] for row in seeded)


def test_flags_are_the_seeded_defects(demo):
    seeded, flags, _ = demo
    expected = {(row["person_id"], row["rule_code"]) for row in seeded}
    flagged = {(str(child), str(rule)) for child, rule in zip(flags["child_id"], flags["rule_code"])}
    unexpected = flagged - expected
    missed = expected - flagged
    message = []
    if unexpected:
        message.append(f"{len(unexpected)} (child, rule) flags the generator did not seed:\n"
                       + _summary(unexpected, flags))
    if missed:
        descriptions = {(r["person_id"], r["rule_code"]): r["description"] for r in seeded}
        message.append(f"{len(missed)} seeded defects not flagged:\n" + "\n".join(
            f"  {rule:<10} child {child}: {descriptions[(child, rule)]}" for child, rule in sorted(missed)))
    assert not message, "\n".join(message)


def test_the_cin_census_raises_no_dfe_flag(demo):
    """The generator seeds no CIN defect: the demo's census must pass every CIN rule implemented."""
    _, _, warehouse = demo
    flags = warehouse.query_frame(
        "select rule_code, count(distinct child_id) as children from returns.dfe_rule_results "
        f"where return_name = 'cin' and collection_year = '{YEAR}' group by rule_code order by rule_code")
    assert flags.empty, flags.to_string(index=False)
