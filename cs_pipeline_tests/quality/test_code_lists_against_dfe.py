"""The package's own code lists agree with DfE's published SSDA903 code lists (../shared/reference, read in place)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cs_pipeline.config import PROJECT_ROOT

DFE_LISTS = PROJECT_ROOT.parent / "shared" / "reference" / "derived" / "ssda903_code_lists.csv"
OURS = PROJECT_ROOT / "cs_pipeline" / "reference" / "code_lists" / "2026"
# our list -> the 903 field it implements
PAIRS = {
    "legal_status": "LS",
    "reason_new_episode": "RNE",
    "reason_episode_ceased": "REC",
    "placement_type": "PLACE",
    "cla_category_of_need": "CIN",
    "placement_provider": "PLACE_PROVIDER",
    "placement_change_reason": "REASON_PLACE_CHANGE",
    "care_leaver_in_touch": "IN_TOUCH",
    "care_leaver_activity": "ACTIV",
    "care_leaver_accommodation": "ACCOM",
}


def codes(path: Path, field: str | None = None) -> set[str]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["code"].strip() for r in rows if field is None or r["field"] == field}


@pytest.mark.parametrize("ours,field", sorted(PAIRS.items()))
def test_every_current_dfe_code_is_accepted(ours, field):
    assert DFE_LISTS.exists(), f"the shared reference is expected beside the checkout: {DFE_LISTS}"
    dfe = codes(DFE_LISTS, field)
    if field == "ACCOM":  # 903 joins type letter + suitability digit; the SSD holds them in two columns
        dfe = {code[0] for code in dfe}
    ours_codes = codes(OURS / f"{ours}.csv")
    assert dfe, field
    missing = dfe - ours_codes
    assert not missing, f"{ours}.csv lacks DfE {field} codes {sorted(missing)}"
