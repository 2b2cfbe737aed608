"""Our CIN rules flag the children csc-validator-be-cin 0.1.13 flags on its own fake data, rule by rule.

Both sides are read from ../shared/reference: fake_CIN_data.xml and the child-level issues the public validator
raised on it. The comparison is by child (its issue rows number episodes its own way). Rules where we believe the
public validator is wrong say so in the rule file (``differs_from_public_validator``, with DfE's rule text); for
those the test asserts the difference is real, and the rule's own cases pin the behaviour DfE's text asks for.
Header-level rules (100) have no child and are not in its child-level table.
"""
from __future__ import annotations

import pandas as pd
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rules import rules_for_year
from cs_pipeline.returns.validate import flags_for_csv, validate_cin_file

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
FAKE_DATA = REFERENCE / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"
PUBLIC_ISSUES = REFERENCE / "derived" / "cin_fake_data_issues_cin2025_26.csv"
YEAR = CollectionYear.parse("2025-26")
RULES = [r for r in rules_for_year("cin", YEAR) if r.tables != ("header",)]


@pytest.fixture(scope="module")
def ours():
    validation = validate_cin_file(FAKE_DATA, YEAR)
    assert not validation.run.failed, validation.run.failed
    return flags_for_csv(validation)


@pytest.fixture(scope="module")
def theirs():
    assert PUBLIC_ISSUES.exists(), f"the shared reference is expected beside the checkout: {PUBLIC_ISSUES}"
    return pd.read_csv(PUBLIC_ISSUES, dtype=str)


def _children(flags: pd.DataFrame, code: str) -> set[str]:
    return set(flags.loc[flags["rule_code"].astype(str) == code, "child_id"].dropna().astype(str))


def test_the_public_validator_flagged_something_we_compare_with(theirs):
    assert len(theirs) == 2020 and theirs["rule_code"].nunique() == 14


@pytest.mark.parametrize("code", [r.code for r in RULES if not r.differs_from_public_validator])
def test_rule_flags_the_children_the_public_validator_flags(ours, theirs, code):
    mine, public = _children(ours, code), _children(theirs, code)
    assert mine == public, (
        f"rule {code}: {len(mine - public)} children the public validator does not flag "
        f"(first {sorted(mine - public)[:5]}), {len(public - mine)} it flags that we miss (first {sorted(public - mine)[:5]})"
    )


@pytest.mark.parametrize("rule", [r for r in RULES if r.differs_from_public_validator], ids=lambda r: r.code)
def test_rule_where_we_differ_from_the_public_validator_does_differ(ours, theirs, rule):
    """A rule marked as differing must differ on the fake data; otherwise the note is stale."""
    assert len(rule.differs_from_public_validator) > 40, "say why, quoting DfE's rule text"
    assert _children(ours, rule.code) != _children(theirs, rule.code)
