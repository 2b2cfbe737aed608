"""On a synthetic council (cs_pipeline.synthetic), the IHA mart reproduces what the generator simulated.

The generator decides, per period of care, whether the IHA happens within 20 working days with probability
`iha_on_time_rate` (0.22), and keeps its own record of each period's entry, due date and IHA date. This test captures
that record, builds the warehouse with `demo_loader` and checks: the mart's due dates and IHA dates agree item by item
with the generator's (an independent working-day implementation), and the on-time rate over periods that started in
the data window matches the configured rate within a point, or within 3 standard errors where the sample is too small
for a point to be meaningful (scale 1 gives about 1,100 due items: one standard error is 1.25 points).
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from cs_pipeline_tests.marts.demo_loader import load_council
from cs_pipeline_tests.marts.warehouse_fixture import read_table, run_dbt

pytestmark = pytest.mark.slow
SCALE = 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory, monkeypatch_module):
    from cs_pipeline.synthetic import generator

    truth: list[tuple] = []

    class RecordingUnit(generator.CouncilUnit):
        def run(self):
            super().run()
            truth.extend(self.truth_iha)

    monkeypatch_module.setattr(generator, "CouncilUnit", RecordingUnit)
    out = tmp_path_factory.mktemp("demo")
    generator.generate(out / "council", scale=SCALE, seed=7)
    url = f"duckdb:///{out / 'warehouse.duckdb'}"
    manifest = load_council(out / "council", url)
    result = run_dbt(url, dt.date.fromisoformat(manifest["as_at"]), "build", "--select", "+iha_timeliness", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-5000:]
    return manifest, truth, read_table(url, "marts", "iha_timeliness")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value.date()


def test_due_dates_and_events_match_the_generator(demo):
    manifest, truth, iha = demo
    as_at = dt.date.fromisoformat(manifest["as_at"])
    # the extract holds no health records for periods that began before its window (their IHA is not in the data)
    window_start = dt.date.fromisoformat(manifest["period_start"])
    mart = {(r.person_id, _date(r.period_of_care_start)): r for r in iha.itertuples()}
    compared = due_agree = event_agree = 0
    mismatches = []
    for _cla_id, pid, entry, due, done in truth:
        entry, due = dt.date.fromordinal(entry), dt.date.fromordinal(due)
        row = mart.get((pid, entry))
        if row is None or entry > as_at or entry < window_start:
            continue
        compared += 1
        due_agree += _date(row.due_date) == due
        expected_event = dt.date.fromordinal(done) if done is not None and done <= as_at.toordinal() else None
        got_event = None if row.event_date is None or row.event_date != row.event_date else _date(row.event_date)
        event_agree += got_event == expected_event
        if got_event != expected_event and len(mismatches) < 15:
            mismatches.append((pid, entry, due, expected_event, got_event, row.outcome, row.exclusion_reason))
    assert compared > 500, compared
    assert due_agree == compared
    print(f"{compared} periods: due dates agree {due_agree}, IHA dates agree {event_agree}", *mismatches, sep="\n")
    assert event_agree / compared > 0.98  # defects (quarantined rows, unknown children) account for the rest


def test_iha_on_time_rate_matches_configured_rate(demo):
    manifest, _truth, iha = demo
    configured = manifest["settings"]["iha_on_time_rate"]
    window_start = dt.date.fromisoformat(manifest["period_start"])
    in_window = iha[iha["period_of_care_start"].map(_date) >= window_start]
    due = in_window[in_window["outcome"].isin(["on_time", "late", "overdue"])]
    rate = (due["outcome"] == "on_time").mean()
    standard_error = math.sqrt(configured * (1 - configured) / len(due))
    print(f"IHA on time: {rate:.3f} of {len(due)} due items; configured {configured}; SE {standard_error:.4f}")
    assert abs(rate - configured) <= max(0.01, 3 * standard_error)
