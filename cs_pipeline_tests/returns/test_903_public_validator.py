"""Our 903 rules flag exactly what csc-validator-be-903 0.1.17 flags on its own fake data, row for row.

Both sides are read from ../shared/reference: the fake data (placed_for_adoption_errors.csv left out, as when the
public validator's flags were made) and the flags it wrote. Rules where we believe the public validator is wrong
say so in the rule file (``differs_from_public_validator``, with DfE's rule text); for those the test asserts the
difference is real, and the rule's own cases pin the behaviour DfE's text asks for.
"""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.returns.collection_year import CollectionYear
from cs_pipeline.returns.rules import rules_for_year
from cs_pipeline.returns.validate import flags_for_csv, validate_ssda903_folder

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
FAKE_DATA = REFERENCE / "csc-validator-be-903" / "tests" / "fake_data"
PUBLIC_FLAGS = REFERENCE / "derived" / "ssda903_fake_data_flags_lac2025_26.csv"
YEAR = CollectionYear.parse("2025-26")
RULES = rules_for_year("ssda903", YEAR)


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake903")
    for path in FAKE_DATA.glob("*.csv"):
        if path.name != "placed_for_adoption_errors.csv":
            shutil.copy(path, folder / path.name)
    validation = validate_ssda903_folder(folder, YEAR)
    assert not validation.run.failed, validation.run.failed
    return flags_for_csv(validation)


@pytest.fixture(scope="module")
def theirs():
    assert PUBLIC_FLAGS.exists(), f"the shared reference is expected beside the checkout: {PUBLIC_FLAGS}"
    return pd.read_csv(PUBLIC_FLAGS, dtype=str)


def _rows(flags: pd.DataFrame, code: str) -> set[tuple[str, int, str]]:
    chosen = flags[flags["rule_code"].astype(str) == code]
    return {(t, int(r), str(c)) for t, r, c in zip(chosen["table"], chosen["row"], chosen["CHILD"])}


@pytest.mark.parametrize("code", [r.code for r in RULES if not r.differs_from_public_validator])
def test_rule_flags_what_the_public_validator_flags(ours, theirs, code):
    mine, public = _rows(ours, code), _rows(theirs, code)
    assert mine == public, (
        f"rule {code}: {len(mine - public)} flags the public validator does not raise "
        f"(first {sorted(mine - public)[:5]}), {len(public - mine)} it raises that we miss (first {sorted(public - mine)[:5]})"
    )


@pytest.mark.parametrize("rule", [r for r in RULES if r.differs_from_public_validator], ids=lambda r: r.code)
def test_rule_where_we_differ_from_the_public_validator_does_differ(ours, theirs, rule):
    """A rule marked as differing must differ on the fake data; otherwise the note is stale."""
    assert len(rule.differs_from_public_validator) > 40, "say why, quoting DfE's rule text"
    assert _rows(ours, rule.code) != _rows(theirs, rule.code)
