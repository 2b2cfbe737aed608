"""The generator writes the same SSD database to SQLite and to the real PostgreSQL server."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from cs_pipeline.lib.ssd_schema import ssd_tables
from cs_pipeline.synthetic import generate

pytestmark = pytest.mark.postgres


def _table(url: str, name: str) -> pd.DataFrame:
    eng = sa.create_engine(url)
    md = sa.MetaData()
    t = sa.Table(name, md, autoload_with=eng)
    with eng.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(t))]
    eng.dispose()
    df = pd.DataFrame(rows, columns=[c.name for c in t.columns], dtype=object)
    return df.sort_values(list(df.columns), key=lambda s: s.astype(str)).reset_index(drop=True)


def test_sqlite_and_postgres_hold_the_same_tables(tmp_path, pg_url):
    m_pg = generate(tmp_path / "pg", scale=0.05, seed=5, cms_url=pg_url)
    m_lite = generate(tmp_path / "lite", scale=0.05, seed=5)
    lite_url = f"sqlite:///{tmp_path / 'lite' / 'ssd.sqlite'}"
    assert {k: v for k, v in m_pg.counts.items()} == m_lite.counts
    insp = sa.inspect(sa.create_engine(pg_url))
    assert set(insp.get_table_names()) == set(ssd_tables())
    for name in ssd_tables():
        a, b = _table(lite_url, name), _table(pg_url, name)
        assert len(a) == len(b) == m_lite.counts[name], name
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    # health files and truth do not depend on where the SSD tables went
    for f in ("ground_truth/defects.csv", "ground_truth/health_record_truth.csv"):
        assert (tmp_path / "pg" / f).read_bytes() == (tmp_path / "lite" / f).read_bytes()


def test_rewriting_replaces_the_tables(tmp_path, pg_url):
    generate(tmp_path / "one", scale=0.05, seed=6, cms_url=pg_url)
    m = generate(tmp_path / "two", scale=0.05, seed=6, cms_url=pg_url)
    eng = sa.create_engine(pg_url)
    with eng.connect() as conn:
        n = conn.execute(sa.text("select count(*) from ssd_person")).scalar()
    eng.dispose()
    assert n == m.counts["ssd_person"]
