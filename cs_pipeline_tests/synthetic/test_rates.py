"""The scale-1 council reproduces the national figures it is calibrated to (TIMELINESS.md), within tolerances."""
from __future__ import annotations

from .rates import observed_rates


def test_national_rates(council_scale1):
    rates = observed_rates(council_scale1)
    print("\nobserved rates, scale 1 seed 7 (run pytest -s to see this table)")
    for r in rates:
        print(r.line())
    out = [r.line() for r in rates if not r.ok]
    assert not out, "rates outside tolerance:\n" + "\n".join(out)
    assert len(rates) >= 24
