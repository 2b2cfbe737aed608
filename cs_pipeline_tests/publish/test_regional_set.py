"""The regional set from councils' degraded copies: row counts add up, la_code is carried, and a council whose copy
is missing, stale, changed, another's, hashed under another key or laid out differently is refused by name."""
from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.publish.regional import SHARED_SCHEMA, hash_child_id, write_regional_copy
from cs_pipeline.publish.regional_set import (
    REGIONAL_SCHEMA, STATUS_TABLE, CopySource, RegionalSetRefused, combine, main,
)
from cs_pipeline_tests.conftest import fresh_postgres_database

KEY = b"the-partnerships-shared-key-1234"
NOW = dt.datetime(2026, 10, 1, 7, 0, tzinfo=dt.timezone.utc)
WRITTEN = NOW - dt.timedelta(hours=2)


def council_marts(n: int, offset: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"C{offset + i:04d}" for i in range(n)]
    iha = pd.DataFrame({"person_id": ids, "due_date": [dt.date(2026, 1, 5)] * n,
                        "working_days": [i if i % 3 else None for i in range(n)],  # ints with blanks
                        "outcome": ["late"] * n})
    episodes = pd.DataFrame({"CHILD": ids, "DOB": pd.to_datetime([dt.date(2015, 5, 17)] * n),
                             "HOME_POST": ["E1 6AN"] * n, "UPN": ["A123456789012"] * n})
    return iha, episodes


def make_copy(url: str, la_code: str, n: int, *, key: bytes = KEY, written_at: dt.datetime = WRITTEN,
              tmp_path=None) -> Warehouse:
    """A council's warehouse with two marts/returns tables and its regional copy of them."""
    warehouse = Warehouse(url)
    iha, episodes = council_marts(n, offset=int(la_code) * 1000)
    warehouse.write_frame(iha, "marts", "iha_timeliness")
    warehouse.write_frame(episodes, "returns", "ssda903_episodes")
    write_regional_copy(warehouse, [("marts", "iha_timeliness"), ("returns", "ssda903_episodes")],
                        tmp_path / f"shared_{la_code}", key, la_code=la_code, as_at=dt.date(2026, 9, 30),
                        written_at=written_at)
    return warehouse


@pytest.fixture
def councils(tmp_path):
    """Council 201 on DuckDB (5 children), 202 on the real PostgreSQL (3 children)."""
    first = make_copy(f"duckdb:///{tmp_path / 'c201.duckdb'}", "201", 5, tmp_path=tmp_path)
    second = make_copy(fresh_postgres_database("cs_regional_set_202"), "202", 3, tmp_path=tmp_path)
    return [CopySource("201", "First", first.url), CopySource("202", "Second", second.url)]


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def regional_url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'regional_set.duckdb'}"
    return fresh_postgres_database("cs_regional_set_hub")


def test_the_regional_set_is_every_councils_rows_with_its_la_code(councils, regional_url, tmp_path):
    report = combine(councils, regional_url, tmp_path / "out", now=NOW)
    assert [c.status for c in report.councils] == ["combined", "combined"] and report.written
    assert report.tables == {"marts__iha_timeliness": 8, "returns__ssda903_episodes": 8}
    regional = Warehouse(regional_url)
    frame = regional.query_frame(f"select * from {REGIONAL_SCHEMA}.returns__ssda903_episodes")
    assert list(frame.columns) == ["la_code", "CHILD", "DOB", "HOME_POST"]
    assert frame["la_code"].value_counts().to_dict() == {"201": 5, "202": 3}
    assert set(frame["CHILD"]) == {hash_child_id(f"C{o + i:04d}", KEY) for o, n in ((201000, 5), (202000, 3))
                                   for i in range(n)}
    assert set(frame["HOME_POST"]) == {"E1 6"} and {str(d)[:10] for d in frame["DOB"]} == {"2015-05-01"}
    iha = regional.query_frame(f"select la_code, working_days from {REGIONAL_SCHEMA}.marts__iha_timeliness")
    assert iha["working_days"].isna().sum() == 2 + 1  # the blanks stayed blank, on both engines
    csv_text = (tmp_path / "out" / "returns__ssda903_episodes.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[0] == "la_code,CHILD,DOB,HOME_POST" and len(csv_text.splitlines()) == 9
    assert "C201000" not in csv_text and "A123456789012" not in csv_text and "E1 6AN" not in csv_text
    status = regional.query_frame(f"select la_code, status, tables, \"rows\" from {REGIONAL_SCHEMA}.{STATUS_TABLE}")
    assert status.to_dict("records") == [{"la_code": "201", "status": "combined", "tables": 2, "rows": 10},
                                         {"la_code": "202", "status": "combined", "tables": 2, "rows": 6}]


def test_a_missing_or_stale_copy_is_refused_by_name_and_the_others_combined(councils, tmp_path):
    make_copy(f"duckdb:///{tmp_path / 'c204.duckdb'}", "204", 2, written_at=NOW - dt.timedelta(hours=40),
              tmp_path=tmp_path)
    Warehouse(f"duckdb:///{tmp_path / 'c205.duckdb'}").write_frame(pd.DataFrame({"a": [1]}), "marts", "x")
    sources = councils + [CopySource("203", "Never ran", f"duckdb:///{tmp_path / 'c203.duckdb'}"),
                          CopySource("204", "Stale", f"duckdb:///{tmp_path / 'c204.duckdb'}"),
                          CopySource("205", "No key", f"duckdb:///{tmp_path / 'c205.duckdb'}"),
                          CopySource("206", "Unset", problem="council 206 (Unset): warehouse_url needs ${X}")]
    regional_url = f"duckdb:///{tmp_path / 'regional_set.duckdb'}"
    report = combine(sources, regional_url, tmp_path / "out", max_age_hours=36, now=NOW)
    reasons = {c.la_code: c.reason for c in report.refused}
    assert [c.la_code for c in report.combined] == ["201", "202"]
    assert reasons["203"].startswith("missing: no warehouse file")
    assert reasons["204"].startswith("stale: copy written") and "older than 36 h" in reasons["204"]
    assert reasons["205"].startswith("missing: no regional copy")
    assert "needs ${X}" in reasons["206"]
    assert not (tmp_path / "c203.duckdb").exists()  # looking for a copy never makes a warehouse
    assert report.tables["marts__iha_timeliness"] == 8
    status = Warehouse(regional_url).query_frame(f"select la_code, status, reason from {REGIONAL_SCHEMA}.{STATUS_TABLE}")
    assert status.set_index("la_code")["status"].to_dict() == {
        "201": "combined", "202": "combined", "203": "refused", "204": "refused", "205": "refused", "206": "refused"}
    assert any(line.startswith("council 204 (Stale): REFUSED: stale") for line in report.lines())

    # on_refused=fail: nothing written, the previous set stays as it was
    with pytest.raises(RegionalSetRefused, match="203: missing") as refused:
        combine(sources[:3], regional_url, tmp_path / "out", on_refused="fail", now=NOW)
    assert not refused.value.report.written
    assert Warehouse(regional_url).row_count(REGIONAL_SCHEMA, STATUS_TABLE) == 6


def test_a_council_laid_out_differently_is_refused_naming_the_table_and_columns(councils, tmp_path):
    odd = make_copy(f"duckdb:///{tmp_path / 'c207.duckdb'}", "207", 2, tmp_path=tmp_path)
    odd.execute(f'ALTER TABLE {SHARED_SCHEMA}.marts__iha_timeliness DROP COLUMN outcome')
    odd.execute(f'ALTER TABLE {SHARED_SCHEMA}.returns__ssda903_episodes ADD COLUMN "NEW_ITEM" TEXT')
    report = combine(councils + [CopySource("207", "Odd", odd.url)], f"duckdb:///{tmp_path / 'r.duckdb'}",
                     tmp_path / "out", now=NOW)
    (refused,) = report.refused
    assert refused.la_code == "207"
    assert refused.reason == ("columns differ from the other councils': marts__iha_timeliness lacks outcome; "
                              "returns__ssda903_episodes has extra NEW_ITEM")
    assert report.tables == {"marts__iha_timeliness": 8, "returns__ssda903_episodes": 8}


def test_a_copy_under_another_key_changed_since_written_or_not_its_own_is_refused(councils, tmp_path):
    other_key = make_copy(f"duckdb:///{tmp_path / 'c208.duckdb'}", "208", 2, key=b"another-key-entirely-1234",
                          tmp_path=tmp_path)
    changed = make_copy(f"duckdb:///{tmp_path / 'c209.duckdb'}", "209", 2, tmp_path=tmp_path)
    changed.execute(f"DELETE FROM {SHARED_SCHEMA}.marts__iha_timeliness WHERE outcome = 'late'")
    shutil.copy(tmp_path / "c201.duckdb", tmp_path / "c210.duckdb")  # a file pointing at 201's warehouse
    half = make_copy(f"duckdb:///{tmp_path / 'c211.duckdb'}", "211", 2, tmp_path=tmp_path)
    half.execute(f"DROP TABLE {SHARED_SCHEMA}.copy_manifest")
    sources = councils + [CopySource("208", "Other key", other_key.url), CopySource("209", "Changed", changed.url),
                          CopySource("210", "Not its own", f"duckdb:///{tmp_path / 'c210.duckdb'}"),
                          CopySource("211", "Half", half.url)]
    report = combine(sources, f"duckdb:///{tmp_path / 'r.duckdb'}", tmp_path / "out", now=NOW)
    reasons = {c.la_code: c.reason for c in report.refused}
    assert reasons["208"].startswith("hashed under a different key")
    assert reasons["209"] == ("changed since written: returns_shared.marts__iha_timeliness has 0 rows, "
                              "its manifest 2")
    assert reasons["210"].startswith("not its own: the copy in this warehouse is LA 201's, not 210's")
    assert reasons["211"].startswith("missing: returns_shared has no copy_manifest")
    assert [c.la_code for c in report.combined] == ["201", "202"]


def test_a_table_no_longer_shared_leaves_the_regional_set(councils, tmp_path):
    url, out = f"duckdb:///{tmp_path / 'r.duckdb'}", tmp_path / "out"
    combine(councils, url, out, now=NOW)
    for source in councils:
        warehouse = Warehouse(source.warehouse_url)
        write_regional_copy(warehouse, [("marts", "iha_timeliness")], tmp_path / "again", KEY,
                            la_code=source.la_code, written_at=WRITTEN)
    report = combine(councils, url, out, now=NOW)
    assert set(report.tables) == {"marts__iha_timeliness"}
    assert set(Warehouse(url).tables(REGIONAL_SCHEMA)) == {"marts__iha_timeliness", STATUS_TABLE}
    assert sorted(p.name for p in out.glob("*.csv")) == [f"{STATUS_TABLE}.csv", "marts__iha_timeliness.csv"]


def test_the_command_reads_a_councils_file_and_says_who_was_refused(councils, tmp_path, capsys, monkeypatch):
    first, second = councils
    monkeypatch.setenv("CS_TEST_SECOND_URL", second.warehouse_url)
    (tmp_path / "councils.yaml").write_text(f"""
regional: {{warehouse_url: "duckdb:///regional_set.duckdb", output_dir: regional_out, max_age_hours: 100000}}
councils:
  - {{la_code: "201", name: First, cms_url: "sqlite:///a.sqlite", health_dir: a, output_dir: a,
      warehouse_url: "{first.warehouse_url}"}}
  - {{la_code: "202", name: Second, cms_url: "sqlite:///b.sqlite", health_dir: b, output_dir: b,
      warehouse_url: "${{CS_TEST_SECOND_URL}}"}}
  - {{la_code: "203", name: Third, cms_url: "sqlite:///c.sqlite", health_dir: c, output_dir: c,
      warehouse_url: "duckdb:///c203.duckdb"}}
""", encoding="utf-8")
    assert main(["--councils", str(tmp_path / "councils.yaml")]) == 3
    printed = capsys.readouterr().out
    assert "council 203 (Third): REFUSED: missing: no warehouse file" in printed
    assert "regional set: 2 of 3 councils, 2 tables, 16 rows" in printed
    assert (tmp_path / "regional_out" / "marts__iha_timeliness.csv").exists()
    assert main(["--councils", str(tmp_path / "councils.yaml"), "--on-refused", "fail"]) == 1
