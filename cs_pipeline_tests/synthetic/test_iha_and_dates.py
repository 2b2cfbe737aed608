"""Every period of care has its health assessments (also those that started before the window), and nothing that is
not an injected defect is dated after the as-at date."""
from __future__ import annotations

import datetime as dt
import json

from .rates import dates_after_as_at, iha_outcomes, share_tolerance


def _manifest(out) -> dict:
    return json.loads((out / "ground_truth" / "manifest.json").read_text(encoding="utf-8"))


def test_iha_on_time_share_over_all_periods_of_care(council_scale1):
    """on time / (on time + late + overdue) over ALL IHA due items matches the setting within a point."""
    m = _manifest(council_scale1)
    rate = m["settings"]["iha_on_time_rate"]
    as_at = dt.date.fromisoformat(m["as_at"])
    every = iha_outcomes(council_scale1)
    before = iha_outcomes(council_scale1, started="before")
    inside = iha_outcomes(council_scale1, started="in")
    cms = iha_outcomes(council_scale1, source="cms")
    cms_before = iha_outcomes(council_scale1, source="cms", started="before")
    print(f"\nIHA on time, all periods (health files): {every.share:.1%} of {every.due} "
          f"(on time {every.on_time}, late {every.late}, overdue {every.overdue}; excluded {every.excluded})")
    print(f"  started before the window {before.share:.1%} of {before.due}; in the window {inside.share:.1%} of "
          f"{inside.due}; case management (ssd_cla_health) {cms.share:.1%}")
    assert every.due > 1200 and before.due > 300
    assert abs(every.share - rate) <= 0.01
    assert abs(before.share - rate) <= share_tolerance(rate, before.due, 0.03)
    assert abs(inside.share - rate) <= share_tolerance(rate, inside.due, 0.03)
    # not done by the as-at date although due: rare, and mostly recent
    # (children who left care without one stay overdue for ever: kept to a few)
    assert every.overdue <= 0.03 * every.due
    old = sum(d < as_at - dt.timedelta(days=365) for d in every.overdue_due_dates)
    assert old <= 0.01 * every.due
    # the case-management record holds the pre-window assessments too (7% never recorded, 8% recorded late)
    assert cms_before.overdue <= 0.12 * cms_before.due
    assert 0.8 * rate <= cms.share <= rate + 0.01


def test_nothing_dated_after_as_at_except_defects(council_scale1, tiny_council):
    for out in (council_scale1, tiny_council):
        found = dates_after_as_at(out)
        assert not found, f"{len(found)} dates after as-at, e.g. {found[:10]}"


def test_nothing_dated_after_another_as_at(tmp_path):
    from cs_pipeline.synthetic import generate

    generate(tmp_path / "march", scale=0.2, seed=5, as_at=dt.date(2025, 3, 31))
    found = dates_after_as_at(tmp_path / "march")
    assert not found, f"{len(found)} dates after as-at, e.g. {found[:10]}"
