"""The demo's run history: Dagster's SQLite event log with kept engines, read back as Dagster's own would be."""
import dagster as dg
import pytest

from cs_pipeline.lib.run_history import KEPT_ENGINES, RunHistoryEventLogStorage


@dg.asset
def episodes() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=episodes)
def episodes_have_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"rows": 3})


@dg.asset_check(asset=episodes, blocking=False)
def episodes_flagged() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


@pytest.fixture
def demo_home(monkeypatch, tmp_path):
    from cs_pipeline.demo import ensure_dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return ensure_dagster_home()


def _materialise(instance):
    return dg.materialize([episodes, episodes_have_rows, episodes_flagged], instance=instance)


def test_the_demo_instance_keeps_run_history_in_our_storage_and_reads_it_back(demo_home):
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, RunHistoryEventLogStorage)
        result = _materialise(instance)
        assert result.success
        # the run's shard and the cross-run index both hold the events, as Dagster's own storage keeps them
        logs = instance.all_logs(result.run_id)
        types = [e.dagster_event.event_type_value for e in logs if e.is_dagster_event]
        assert types.count("ASSET_CHECK_EVALUATION_PLANNED") == 2 and types.count("ASSET_CHECK_EVALUATION") == 2
        latest = instance.get_latest_materialization_event(dg.AssetKey("episodes"))
        assert latest.asset_materialization.metadata["rows"].value == 3
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("episodes"), "episodes_flagged"), limit=5)
        assert [c.status.value for c in checks] == ["FAILED"]   # a WARN check that did not pass
        assert (demo_home / "history" / "runs" / f"{result.run_id}.db").exists()


def test_a_second_instance_reads_what_the_first_wrote(demo_home):
    """The webserver and a run are separate processes, each with its own storage object over the same files."""
    with dg.DagsterInstance.get() as writer:
        run_id = _materialise(writer).run_id
        with dg.DagsterInstance.get() as reader:
            assert len(reader.all_logs(run_id)) == len(writer.all_logs(run_id)) > 0
            assert reader.get_run_by_id(run_id).is_success


def test_its_connections_commit_with_synchronous_normal_in_wal(demo_home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        with storage.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1   # NORMAL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_it_keeps_a_bounded_number_of_engines(demo_home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        for n in range(KEPT_ENGINES + 5):
            with storage.run_connection(f"run{n}") as conn:
                conn.exec_driver_sql("select 1")
        assert len(storage._engines) == KEPT_ENGINES
        assert f"run{KEPT_ENGINES + 4}" in storage._engines and "run0" not in storage._engines
        # a shard whose engine was let go still opens again
        with storage.run_connection("run0") as conn:
            assert conn.exec_driver_sql("select 1").scalar() == 1


def test_a_councils_own_dagster_yaml_is_left_alone(monkeypatch, tmp_path):
    from cs_pipeline.demo import ensure_dagster_home

    home = tmp_path / "home"
    home.mkdir()
    own = "telemetry:\n  enabled: false\nstorage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n"
    (home / "dagster.yaml").write_text(own)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home()
    assert (home / "dagster.yaml").read_text() == own


@pytest.mark.parametrize("earlier", ["ours", "before the first line"])
def test_the_demos_older_dagster_yaml_is_brought_up_to_date(monkeypatch, tmp_path, earlier):
    from cs_pipeline.demo import EARLIER_INSTANCE_CONFIG, INSTANCE_CONFIG, ensure_dagster_home

    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG if earlier == "ours" else EARLIER_INSTANCE_CONFIG)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home()
    assert "RunHistoryEventLogStorage" in (home / "dagster.yaml").read_text()


def test_storing_a_runs_events_opens_no_engine_or_connection_per_event(demo_home, monkeypatch):
    """Dagster's storage builds an engine (and opens a SQLite file) per statement and per asset check event."""
    import sqlite3

    from dagster._core.storage.event_log.sqlite import sqlite_event_log

    with dg.DagsterInstance.get() as instance:
        _materialise(instance)  # the shards and tables exist
        engines, connects = [], []
        real_engine, real_connect = sqlite_event_log.create_engine, sqlite3.connect
        monkeypatch.setattr(sqlite_event_log, "create_engine", lambda *a, **k: engines.append(a) or real_engine(*a, **k))
        monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connects.append(a) or real_connect(*a, **k))
        result = _materialise(instance)
        assert len(instance.all_logs(result.run_id)) > 20
        assert engines == []   # the checks table was looked up once, in the first run
        assert len(connects) <= 3   # the new run's shard (and its first look-up): not one per event
