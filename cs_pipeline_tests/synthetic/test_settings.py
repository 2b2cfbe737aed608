"""The settings change what they say they change; the CLI works."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from cs_pipeline.synthetic import generate

from .rates import iha_outcomes


def test_iha_on_time_rate_follows_the_setting(tmp_path):
    m = generate(tmp_path / "high", scale=0.3, seed=21, iha_on_time_rate=0.8)
    o = iha_outcomes(tmp_path / "high")
    assert m.settings["iha_on_time_rate"] == 0.8
    assert o.due > 300
    assert abs(o.share - 0.8) <= 0.02, (o.share, o.on_time, o.late, o.overdue)


def test_another_as_at(tmp_path):
    m = generate(tmp_path / "march", scale=0.05, seed=2, as_at=dt.date(2025, 3, 31))
    assert m.as_at == "2025-03-31" and m.period_start == "2019-04-01"
    assert m.settings["health_deliveries"][-1] == "2025-03-31"
    import sqlalchemy as sa

    eng = sa.create_engine(f"sqlite:///{tmp_path / 'march' / 'ssd.sqlite'}")
    with eng.connect() as conn:
        latest = conn.execute(sa.text("select max(cont_contact_date) from ssd_contacts")).scalar()
    assert latest[:10] <= "2025-03-31"


def test_cli(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "cs_pipeline.synthetic", "--scale", "0.05", "--seed", "9",
                           "--out", str(out), "--as-at", "2026-09-30", "--iha-on-time-rate", "0.5"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "ground_truth" / "manifest.json").read_text())
    assert m["seed"] == 9 and m["settings"]["iha_on_time_rate"] == 0.5
    assert (out / "ssd.sqlite").exists() and len(list((out / "health").glob("*.csv"))) == 37
