"""The quality assets in Dagster: a broken delivery blocks only what depends on it, checks carry every result, the
report is written and linked. Real GX, real DuckDB, in-process Dagster runs."""
from __future__ import annotations

import dagster as dg

from cs_pipeline.defs.quality import defs as quality_defs
from cs_pipeline.defs.quality.assets import SUITES, quarantine_assets, quarantine_key
from cs_pipeline.defs.quality.report import validation_report
from cs_pipeline.defs.resources import PipelineSettings
from cs_pipeline.defs.transform.dbt import blocked_dbt_selectors
from cs_pipeline_tests.quality.conftest import AS_AT, write_raw

TABLES = ("ssd_person", "ssd_cla_episodes", "ssd_contacts", "health_immunisations")


def settings(tmp_path, url) -> PipelineSettings:
    return PipelineSettings(cms_url="sqlite://", health_dir=str(tmp_path), warehouse_url=url,
                            output_dir=str(tmp_path / "output"), as_at=AS_AT.isoformat(), la_code="211")


def run(tmp_path, wh, tables=TABLES):
    assets = [a for a in quarantine_assets if a.key.path[1] in tables]
    return dg.materialize(
        assets,
        resources={"pipeline": settings(tmp_path, wh.url)},
        raise_on_error=False,
    )


def good_people(wh):
    write_raw(wh, "ssd_person", [{"pers_person_id": f"P{i}", "pers_dob": "2015-01-01", "pers_sex": "F"}
                                 for i in range(30)])


def check_evals(result, table):
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == quarantine_key(table)}


def test_definitions_load_with_one_asset_and_checks_per_raw_table():
    # 35 SSD tables + 4 extension tables (core groups, PEP, DoLO, substance misuse offers) + 3 health files
    assert len(quarantine_assets) == 42 == len(SUITES)
    graph = dg.Definitions.merge(
        quality_defs, dg.Definitions(resources={"pipeline": PipelineSettings(
            cms_url="sqlite://", health_dir=".", warehouse_url="duckdb:///:memory:", output_dir=".",
            as_at=AS_AT.isoformat(), la_code="211")})
    ).resolve_asset_graph()
    spec = graph.get(quarantine_key("ssd_cla_placement"))
    assert spec.group_name == "quality"
    assert dg.AssetKey(["raw", "ssd_cla_placement"]) in spec.parent_keys
    checks = {k.name for k in graph.asset_check_keys if k.asset_key == quarantine_key("ssd_cla_placement")}
    assert {"structure_valid", "rows_conserved", "quarantine_share", "cla_placements_overlap",
            "code_in_list__clap_cla_placement_type"} <= checks


def test_broken_deliveries_block_only_what_depends_on_them(tmp_path, duck):
    good_people(duck)
    # a missing column
    write_raw(duck, "ssd_cla_episodes", [{"clae_cla_episode_id": "E1", "clae_person_id": "P1"}],
              drop=("clae_cla_episode_start_date",))
    # duplicate keys throughout
    write_raw(duck, "ssd_contacts", [{"cont_contact_id": f"C{i % 10}", "cont_person_id": "P1"} for i in range(40)])
    # a health delivery whose dates cannot be read
    write_raw(duck, "health_immunisations", [
        {"record_id": f"I{i}", "nhs_number": "9990000018", "status_date": "2026-13-45", "up_to_date": "Y"}
        for i in range(25)], file="immunisations_20260301.csv")
    result = run(tmp_path, duck)
    assert result.success  # the run goes on: other tables' figures are still built
    # The dbt step leaves out exactly the broken tables' staging models and what is built on them.
    assert set(blocked_dbt_selectors(result.get_asset_check_evaluations())) == {
        "stg_ssd__cla_episodes", "stg_ssd__contacts", "stg_health__immunisations"}
    for broken in ("ssd_cla_episodes", "ssd_contacts", "health_immunisations"):
        assert duck.table_exists("quarantine", broken)

    ep = check_evals(result, "ssd_cla_episodes")["structure_valid"]
    assert not ep.passed and ep.severity == dg.AssetCheckSeverity.ERROR
    assert "raw.ssd_cla_episodes: missing column(s) clae_cla_episode_start_date (rule column_present)" in (
        ep.metadata["note"].value)

    dup = check_evals(result, "ssd_contacts")
    assert not dup["quarantine_share"].passed
    assert dup["key_unique__cont_contact_id"].severity == dg.AssetCheckSeverity.WARN
    assert dup["key_unique__cont_contact_id"].metadata["failing_rows"].value == 30
    q = duck.query_frame("SELECT message FROM quarantine.ssd_contacts WHERE _row_key = '11'")
    assert q.message[0] == ("raw.ssd_contacts row 11 (cont_contact_id C0): cont_contact_id 'C0' is also on row 1, "
                            "which is kept (rule key_unique)")

    imm = check_evals(result, "health_immunisations")
    assert not imm["quarantine_share"].passed
    assert imm["date_parseable__status_date"].metadata["sample_row_keys"].value[0] == "immunisations_20260301.csv#1"
    msg = duck.query_frame("SELECT message FROM quarantine.health_immunisations WHERE rule_id = 'date_parseable' "
                           "ORDER BY _row_key LIMIT 1").message[0]
    assert msg == ("raw.health_immunisations row immunisations_20260301.csv#1 (record_id I0): status_date "
                   "'2026-13-45' is not a date (rule date_parseable)")


def test_row_failures_warn_and_the_run_goes_on(tmp_path, duck):
    good_people(duck)
    write_raw(duck, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{i}", "clae_person_id": f"P{i}", "clae_cla_episode_start_date": "2024-01-01",
         "clae_cla_episode_start_reason": "S" if i else "Q"} for i in range(25)])
    result = run(tmp_path, duck, tables=("ssd_person", "ssd_cla_episodes"))
    assert result.success
    evals = check_evals(result, "ssd_cla_episodes")
    code = evals["code_in_list__clae_cla_episode_start_reason"]
    assert not code.passed and code.severity == dg.AssetCheckSeverity.WARN and not code.blocking
    assert code.metadata["sample_record_ids"].value == ["E0"]
    assert code.metadata["rule"].value == "code_in_list"
    assert all(e.passed for n, e in evals.items() if n != "code_in_list__clae_cla_episode_start_reason")
    # metadata never carries names, NHS numbers or dates of birth
    for e in result.get_asset_check_evaluations():
        assert "9990000018" not in str(e.metadata) and "2015-01-01" not in str(e.metadata)


def test_validation_report_offline_html_and_xlsx(tmp_path, duck):
    good_people(duck)
    write_raw(duck, "ssd_contacts", [{"cont_contact_id": "C1", "cont_person_id": "P404"}])
    assets = [a for a in quarantine_assets if a.key.path[1] in ("ssd_person", "ssd_contacts")]
    result = dg.materialize([*assets, validation_report], resources={"pipeline": settings(tmp_path, duck.url)},
                            selection=[*(a.key for a in assets), validation_report.key], raise_on_error=False)
    mat = [e for e in result.get_asset_materialization_events()
           if e.asset_key == dg.AssetKey(["quality", "validation_report"])][0]
    md = mat.materialization.metadata
    html_path = md["html_report"].value
    assert html_path.endswith("validation/validation_report.html")
    text = open(html_path, encoding="utf-8").read()
    assert "<style>" in text and "http://" not in text and "https://" not in text  # no CDN
    assert "raw.ssd_contacts" in text and "foreign_key_resolves__cont_person_id" in text
    assert "cont_person_id &#x27;P404&#x27; has no matching ssd_person.pers_person_id" in text
    import openpyxl

    wb = openpyxl.load_workbook(md["xlsx_report"].value)
    assert wb.sheetnames == ["Summary", "Rules", "Findings"]
    findings = [r for r in wb["Findings"].iter_rows(values_only=True)]
    assert any(r[0] == "raw.ssd_contacts" and r[1] == "1" for r in findings[1:])


def test_staging_row_count_check_after_dbt(tmp_path, duck):
    from cs_pipeline.defs.quality.assets import build_staging_conservation_checks

    good_people(duck)
    write_raw(duck, "ssd_contacts", [{"cont_contact_id": "C1", "cont_person_id": "P1"},
                                     {"cont_contact_id": "C2", "cont_person_id": "P404"}])
    contacts = next(a for a in quarantine_assets if a.key == quarantine_key("ssd_contacts"))
    people = next(a for a in quarantine_assets if a.key == quarantine_key("ssd_person"))
    check = build_staging_conservation_checks(["ssd_contacts"])

    @dg.asset(key=["staging", "stg_ssd__contacts"], deps=[contacts.key])
    def stg_contacts() -> None:  # stands in for the dbt model: raw rows not quarantined
        duck.execute("CREATE SCHEMA IF NOT EXISTS staging")
        duck.execute("CREATE OR REPLACE TABLE staging.stg_ssd__contacts AS SELECT * FROM raw.ssd_contacts r "
                     "WHERE NOT EXISTS (SELECT 1 FROM quarantine.ssd_contacts q WHERE q._row_key = r._row_key)")

    result = dg.materialize([people, contacts, stg_contacts, check],
                            resources={"pipeline": settings(tmp_path, duck.url)})
    (ev,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "rows_conserved_from_raw"]
    assert ev.passed and ev.metadata["staging_rows"].value == 1 and ev.metadata["quarantined_rows"].value == 1
