"""Each rule family on small hand-built raw tables, on real DuckDB and real PostgreSQL, with real GX."""

from cs_pipeline.quality.engine import validate_table
from cs_pipeline_tests.quality.conftest import AS_AT, findings_by_rule, write_raw

TEST_NHS = "9990000018"  # fixtures use the 999 test range only


def persons(wh, extra=()):
    write_raw(wh, "ssd_person", [
        {"pers_person_id": "P1", "pers_dob": "2015-01-01", "pers_sex": "M", "pers_ethnicity": "WBRI",
         "pers_common_child_id": TEST_NHS},
        {"pers_person_id": "P2", "pers_dob": "2018-06-01", "pers_sex": "F", "pers_ethnicity": "ABAN",
         "pers_common_child_id": "999 000 0026"},
        *extra,
    ])


def validate(wh, table, **kw):
    return validate_table(wh, table, as_at=AS_AT, run_id="test-run", **kw)


def test_keys_not_null_and_unique_first_row_kept(wh):
    persons(wh)
    write_raw(wh, "ssd_contacts", [
        {"cont_contact_id": "C1", "cont_person_id": "P1", "cont_contact_date": "2025-01-01"},
        {"cont_contact_id": "C1", "cont_person_id": "P1", "cont_contact_date": "2025-02-01"},
        {"cont_contact_id": None, "cont_person_id": "P1", "cont_contact_date": "2025-03-01"},
        {"cont_contact_id": "C2", "cont_person_id": "P2", "cont_contact_date": "2025-03-01"},
    ])
    v = validate(wh, "ssd_contacts")
    got = findings_by_rule(v)
    assert got["key_unique__cont_contact_id"] == {"2"}
    assert got["key_not_null__cont_contact_id"] == {"3"}
    assert v.quarantined_rows == 2 and v.eligible_rows == 2
    msg = v.findings.loc[v.findings.check_name == "key_unique__cont_contact_id", "message"].iloc[0]
    assert msg == ("raw.ssd_contacts row 2 (cont_contact_id C1): cont_contact_id 'C1' is also on row 1, which is "
                   "kept (rule key_unique)")
    q = wh.query_frame("SELECT _row_key, rule_id, severity, run_id, cont_contact_date FROM quarantine.ssd_contacts "
                       "ORDER BY _row_key")
    assert q.to_dict("records") == [
        {"_row_key": "2", "rule_id": "key_unique", "severity": "ERROR", "run_id": "test-run",
         "cont_contact_date": "2025-02-01"},
        {"_row_key": "3", "rule_id": "key_not_null", "severity": "ERROR", "run_id": "test-run",
         "cont_contact_date": "2025-03-01"},
    ]


def test_codes_in_the_collection_years_lists(wh):
    persons(wh)
    write_raw(wh, "ssd_cla_episodes", [
        {"clae_cla_episode_id": "E1", "clae_person_id": "P1", "clae_cla_episode_start_date": "2024-01-01",
         "clae_cla_episode_start_reason": "S", "clae_cla_primary_need_code": "N1",
         "clae_cla_episode_ceased_date": "2024-02-01", "clae_cla_episode_ceased_reason": "E10"},
        {"clae_cla_episode_id": "E2", "clae_person_id": "P2", "clae_cla_episode_start_date": "2024-01-01",
         "clae_cla_episode_start_reason": "Q", "clae_cla_primary_need_code": "N9"},
        {"clae_cla_episode_id": "E3", "clae_person_id": "P1", "clae_cla_episode_start_date": "2024-03-01",
         "clae_cla_episode_start_reason": " P ", "clae_cla_primary_need_code": "N2"},  # trimmed, as staging does
    ])
    write_raw(wh, "ssd_legal_status", [
        {"lega_legal_status_id": "L1", "lega_person_id": "P1", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2024-01-01"},
        {"lega_legal_status_id": "L2", "lega_person_id": "P1", "lega_legal_status": "C3",
         "lega_legal_status_start_date": "2024-01-01"},
    ])
    got = findings_by_rule(validate(wh, "ssd_cla_episodes"))
    assert got["code_in_list__clae_cla_episode_ceased_reason"] == {"1"}
    assert got["code_in_list__clae_cla_episode_start_reason"] == {"2"}
    assert got["code_in_list__clae_cla_primary_need_code"] == {"2"}  # N9 is CIN census only
    v = validate(wh, "ssd_legal_status")
    assert findings_by_rule(v) == {"code_in_list__lega_legal_status": {"2"}}
    assert "lega_legal_status 'C3' is not in code list legal_status" in v.findings.message.iloc[0]


def test_health_dates_parseable_plausible_with_file_row_and_rule_in_the_message(wh):
    persons(wh)
    base = {"nhs_number": TEST_NHS, "date_of_birth": "2015-01-01", "sex": "Male", "la_child_id": "P1",
            "assessment_type": "IHA", "status": "COMPLETED", "practitioner_type": "DOCTOR"}
    write_raw(wh, "health_lac_health_assessments", [
        {**base, "record_id": "A1", "request_received_date": "2026-01-05", "assessment_date": "2026-02-01"},
        {**base, "record_id": "A2", "request_received_date": "2026-01-05", "assessment_date": "31/02/2026"},
        {**base, "record_id": "A3", "request_received_date": "2026-01-05", "assessment_date": "2026-12-01"},
        {**base, "record_id": "A4", "request_received_date": "2026-01-05", "assessment_date": "2025-12-01"},
        {**base, "record_id": "A5", "request_received_date": "2014-01-05", "date_of_birth": "2015-01-01"},
        {**base, "record_id": "A6", "date_of_birth": "2015-02-30"},
    ], file="lac_health_assessments_20260301.csv")
    v = validate(wh, "health_lac_health_assessments")
    got = findings_by_rule(v)
    f = "lac_health_assessments_20260301.csv#"
    assert got["date_parseable__assessment_date"] == {f + "2"}
    assert got["date_not_after_as_at__assessment_date"] == {f + "3"}
    assert got["end_not_before_start__assessment_date"] == {f + "4"}
    assert got["date_not_before_birth__request_received_date"] == {f + "5"}
    assert got["date_parseable__date_of_birth"] == {f + "6"}
    messages = set(v.findings.message)
    assert ("raw.health_lac_health_assessments row lac_health_assessments_20260301.csv#2 (record_id A2): "
            "assessment_date '31/02/2026' is not a date (rule date_parseable)") in messages
    # a date of birth is never echoed
    assert not any("2015-02-30" in m for m in messages)
    assert v.quarantined_rows == 5


def test_end_not_before_start_on_ssd_episodes_placements_and_plans(wh):
    persons(wh)
    write_raw(wh, "ssd_cp_plans", [
        {"cppl_cp_plan_id": "CP1", "cppl_person_id": "P1", "cppl_cp_plan_start_date": "2024-05-01",
         "cppl_cp_plan_end_date": "2024-04-01 00:00:00"},
        {"cppl_cp_plan_id": "CP2", "cppl_person_id": "P2", "cppl_cp_plan_start_date": "2024-05-01",
         "cppl_cp_plan_end_date": "2024-05-01"},
    ])
    assert findings_by_rule(validate(wh, "ssd_cp_plans")) == {"end_not_before_start__cppl_cp_plan_end_date": {"1"}}


def test_foreign_keys_resolve(wh):
    persons(wh)
    write_raw(wh, "ssd_cin_episodes", [{"cine_referral_id": "R1", "cine_person_id": "P1",
                                        "cine_referral_date": "2024-01-01"}])
    write_raw(wh, "ssd_cin_assessments", [
        {"cina_assessment_id": "A1", "cina_person_id": "P1", "cina_referral_id": "R1"},
        {"cina_assessment_id": "A2", "cina_person_id": "P1", "cina_referral_id": "R404"},
        {"cina_assessment_id": "A3", "cina_person_id": "P404", "cina_referral_id": "R1",
         "cina_assessment_worker_id": "W404"},
    ])
    write_raw(wh, "ssd_professionals", [{"prof_professional_id": "W1"}])
    v = validate(wh, "ssd_cin_assessments")
    got = findings_by_rule(v)
    assert got["foreign_key_resolves__cina_referral_id"] == {"2"}
    assert got["foreign_key_resolves__cina_person_id"] == {"3"}
    # an unknown worker is reported but does not reject the child's assessment
    assert got["foreign_key_resolves__cina_assessment_worker_id"] == {"3"}
    assert v.result("foreign_key_resolves__cina_assessment_worker_id").severity == "WARN"
    assert v.quarantined_rows == 2


def test_nhs_numbers_and_upns_warn_and_keep_the_row(wh):
    persons(wh, extra=[
        {"pers_person_id": "P3", "pers_dob": "2016-01-01", "pers_common_child_id": "9990000019"},  # mistyped
        {"pers_person_id": "P4", "pers_dob": "2016-01-01", "pers_common_child_id": "4444444444"},  # placeholder
    ])
    write_raw(wh, "ssd_linked_identifiers", [
        {"link_table_id": "L1", "link_person_id": "P1", "link_identifier_type": "Unique Pupil Number",
         "link_identifier_value": "H801200001001"},
        {"link_table_id": "L2", "link_person_id": "P2", "link_identifier_type": "Unique Pupil Number",
         "link_identifier_value": "Z801200001001"},
        {"link_table_id": "L3", "link_person_id": "P2", "link_identifier_type": "NHS Number",
         "link_identifier_value": "1234567890"},
    ])
    v = validate(wh, "ssd_person")
    assert findings_by_rule(v) == {"nhs_number_valid__pers_common_child_id": {"3", "4"}}
    assert v.quarantined_rows == 0 and v.warned_rows == 2
    assert not any("9990000019" in m or "4444444444" in m for m in v.findings.message)
    assert wh.row_count("quarantine", "ssd_person") == 0
    v = validate(wh, "ssd_linked_identifiers")
    got = findings_by_rule(v)
    assert got["upn_valid__link_identifier_value__when_link_identifier_type"] == {"2"}
    assert got["nhs_number_valid__link_identifier_value__when_link_identifier_type"] == {"3"}
    assert v.quarantined_rows == 0


def test_overlapping_cla_episodes_and_placements(wh):
    persons(wh)
    write_raw(wh, "ssd_cla_episodes", [
        # contiguous episodes (one ends the day the next starts) are fine
        {"clae_cla_episode_id": "E1", "clae_person_id": "P1", "clae_cla_episode_start_date": "2024-01-01",
         "clae_cla_episode_ceased_date": "2024-03-01", "clae_cla_id": "C1"},
        {"clae_cla_episode_id": "E2", "clae_person_id": "P1", "clae_cla_episode_start_date": "2024-03-01",
         "clae_cla_id": "C1"},
        {"clae_cla_episode_id": "E3", "clae_person_id": "P2", "clae_cla_episode_start_date": "2024-01-01",
         "clae_cla_episode_ceased_date": "2024-06-01", "clae_cla_id": "C2"},
        {"clae_cla_episode_id": "E4", "clae_person_id": "P2", "clae_cla_episode_start_date": "2024-05-01",
         "clae_cla_episode_ceased_date": "2024-07-01", "clae_cla_id": "C2"},
    ])
    write_raw(wh, "ssd_cla_placement", [
        {"clap_cla_placement_id": "PL1", "clap_person_id": "P1", "clap_cla_placement_start_date": "2024-01-01",
         "clap_cla_id": "C1"},
        {"clap_cla_placement_id": "PL2", "clap_person_id": "P1", "clap_cla_placement_start_date": "2024-02-01",
         "clap_cla_id": "C1"},
    ])
    got = findings_by_rule(validate(wh, "ssd_cla_episodes"))
    assert got == {"cla_episodes_overlap": {"3", "4"}}
    assert findings_by_rule(validate(wh, "ssd_cla_placement"))["cla_placements_overlap"] == {"1", "2"}


def test_cin_and_cp_consistency(wh):
    persons(wh)
    write_raw(wh, "ssd_cin_episodes", [
        {"cine_referral_id": "R1", "cine_person_id": "P1", "cine_referral_date": "2024-01-01",
         "cine_close_date": "2024-06-01"},
        {"cine_referral_id": "R2", "cine_person_id": "P1", "cine_referral_date": "2024-05-01"},
    ])
    write_raw(wh, "ssd_initial_cp_conference", [
        {"icpc_icpc_id": "I1", "icpc_person_id": "P1", "icpc_icpc_date": "2024-02-01", "icpc_cp_plan_id": "CP1"},
        {"icpc_icpc_id": "I2", "icpc_person_id": "P2", "icpc_icpc_date": "2024-02-01", "icpc_cp_plan_id": "CP2"},
    ])
    write_raw(wh, "ssd_cp_plans", [
        {"cppl_cp_plan_id": "CP1", "cppl_icpc_id": "I1", "cppl_person_id": "P1",
         "cppl_cp_plan_start_date": "2024-02-01", "cppl_cp_plan_end_date": "2024-04-01"},
        {"cppl_cp_plan_id": "CP2", "cppl_icpc_id": None, "cppl_person_id": "P2",
         "cppl_cp_plan_start_date": "2024-02-04"},
        {"cppl_cp_plan_id": "CP3", "cppl_person_id": "P2", "cppl_cp_plan_start_date": "2024-03-01"},
    ])
    write_raw(wh, "ssd_cin_plans", [
        {"cinp_cin_plan_id": "CIN1", "cinp_person_id": "P1", "cinp_cin_plan_start_date": "2024-01-10",
         "cinp_cin_plan_end_date": "2024-02-01"},  # ends the day the CP plan starts: fine
        {"cinp_cin_plan_id": "CIN2", "cinp_person_id": "P1", "cinp_cin_plan_start_date": "2024-03-01"},
    ])
    assert findings_by_rule(validate(wh, "ssd_cin_episodes")) == {"cin_episodes_overlap": {"1", "2"}}
    got = findings_by_rule(validate(wh, "ssd_cp_plans"))
    assert got == {"cp_plan_starts_at_icpc": {"2"}, "cp_plans_overlap": {"2", "3"}}
    assert findings_by_rule(validate(wh, "ssd_cin_plans")) == {"cin_plan_during_cp_plan": {"2"}}


def test_review_before_care(wh):
    persons(wh)
    write_raw(wh, "ssd_cla_episodes", [
        {"clae_cla_episode_id": "E1", "clae_person_id": "P1", "clae_cla_episode_start_date": "2024-01-10",
         "clae_cla_id": "C1"},
    ])
    write_raw(wh, "ssd_cla_reviews", [
        {"clar_cla_review_id": "RV1", "clar_cla_id": "C1", "clar_cla_review_date": "2024-02-01"},
        {"clar_cla_review_id": "RV2", "clar_cla_id": "C1", "clar_cla_review_date": "2024-01-02"},
    ])
    v = validate(wh, "ssd_cla_reviews")
    assert findings_by_rule(v) == {"cla_review_before_care": {"2"}}
    assert "review on 2024-01-02 is before the child entered care on 2024-01-10" in v.findings.message.iloc[0]


def test_event_of_a_child_in_care_before_birth(wh):
    persons(wh)
    write_raw(wh, "ssd_legal_status", [
        {"lega_legal_status_id": "L1", "lega_person_id": "P2", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2018-05-01"},
    ])
    assert findings_by_rule(validate(wh, "ssd_legal_status")) == {
        "date_not_before_birth__lega_legal_status_start_date": {"1"}}


def test_health_record_for_a_child_the_council_does_not_hold_is_a_warning(wh):
    persons(wh)
    write_raw(wh, "ssd_linked_identifiers", [
        {"link_table_id": "L1", "link_person_id": "P2", "link_identifier_type": "NHS Number",
         "link_identifier_value": "9990000034"},
    ])
    write_raw(wh, "health_immunisations", [
        {"record_id": "I1", "nhs_number": "999 000 0018", "date_of_birth": "2015-01-01", "status_date": "2026-01-01",
         "up_to_date": "Y", "sex": "M"},  # held: P1's NHS number written with spaces
        {"record_id": "I2", "nhs_number": "9990000034", "status_date": "2026-01-01"},  # held via linked identifiers
        {"record_id": "I3", "nhs_number": "9990000042", "status_date": "2026-01-01"},  # valid, nobody holds it
        {"record_id": "I4", "nhs_number": "1111111111", "status_date": "2026-01-01"},  # placeholder: not a match
    ])
    write_raw(wh, "health_lac_health_assessments", [
        {"record_id": "A1", "la_child_id": "P2", "nhs_number": None, "assessment_type": "RHA"},  # held by id
        {"record_id": "A2", "la_child_id": "P999", "nhs_number": None, "assessment_type": "rha"},
    ])
    v = validate(wh, "health_immunisations")
    assert findings_by_rule(v)["health_child_known"] == {"immunisations_20260301.csv#3", "immunisations_20260301.csv#4"}
    assert v.quarantined_rows == 0
    v = validate(wh, "health_lac_health_assessments")
    assert findings_by_rule(v) == {"health_child_known": {"lac_health_assessments_20260301.csv#2"}}


def test_flags_in_any_spelling_are_read_others_warned(wh):
    persons(wh)
    write_raw(wh, "ssd_cin_visits", [
        {"cinv_cin_visit_id": "V1", "cinv_person_id": "P1", "cinv_cin_visit_seen": "Y"},
        {"cinv_cin_visit_id": "V2", "cinv_person_id": "P1", "cinv_cin_visit_seen": "true"},
        {"cinv_cin_visit_id": "V3", "cinv_person_id": "P1", "cinv_cin_visit_seen": "0"},
        {"cinv_cin_visit_id": "V4", "cinv_person_id": "P1", "cinv_cin_visit_seen": "maybe"},
    ])
    v = validate(wh, "ssd_cin_visits")
    assert findings_by_rule(v) == {"flag_readable__cinv_cin_visit_seen": {"4"}}
    assert v.quarantined_rows == 0


def test_present_but_empty_table_is_valid_and_quarantine_is_always_created(wh):
    write_raw(wh, "ssd_mother", [])
    v = validate(wh, "ssd_mother")
    assert not v.blocked and v.raw_rows == 0
    assert wh.table_exists("quarantine", "ssd_mother") and wh.row_count("quarantine", "ssd_mother") == 0
    cols = wh.columns("quarantine", "ssd_mother")
    assert cols[:6] == ["_row_key", "rule_id", "severity", "message", "run_id", "quarantined_at"]
    assert "moth_childs_person_id" in cols


def test_missing_column_is_structural_and_blocks(wh):
    persons(wh)
    write_raw(wh, "ssd_cla_episodes", [{"clae_cla_episode_id": "E1", "clae_person_id": "P1"}],
              drop=("clae_cla_episode_start_date",))
    v = validate(wh, "ssd_cla_episodes")
    assert v.blocked
    assert [r.check_name for r in v.structural_failures] == ["structure_valid"]
    assert "missing column(s) clae_cla_episode_start_date" in v.result("structure_valid").note
    assert wh.table_exists("quarantine", "ssd_cla_episodes")


def test_missing_table_is_structural(wh):
    v = validate(wh, "ssd_cla_convictions", raw_tables=set())
    assert v.blocked and "does not exist" in v.result("structure_valid").note
    assert wh.table_exists("quarantine", "ssd_cla_convictions")


def test_quarantined_share_above_the_limit_blocks(wh):
    persons(wh)
    rows = [{"cont_contact_id": f"C{i}", "cont_person_id": "P1", "cont_contact_date": "2025-01-01",
             "cont_contact_source_code": "6" if i % 3 else "XX"} for i in range(30)]
    write_raw(wh, "ssd_contacts", rows)
    v = validate(wh, "ssd_contacts")
    assert v.quarantined_rows == 10 and v.blocked
    assert [r.check_name for r in v.structural_failures] == ["quarantine_share"]
    assert not validate(wh, "ssd_contacts", max_quarantined_share=0.5).blocked
    # small tables are not judged on their share
    assert not validate(wh, "ssd_contacts", min_rows_for_share=100).blocked


def test_row_conservation(wh):
    persons(wh)
    write_raw(wh, "ssd_contacts", [
        {"cont_contact_id": "C1", "cont_person_id": "P404", "cont_contact_source_code": "XX"},  # two rules, one row
        {"cont_contact_id": "C2", "cont_person_id": "P1"},
    ])
    v = validate(wh, "ssd_contacts")
    r = v.result("rows_conserved")
    assert r.passed and v.raw_rows == 2 and v.quarantined_rows == 1 and v.eligible_rows == 1
    assert wh.row_count("quarantine", "ssd_contacts") == 2  # one quarantine row per failed rule


def test_many_failing_rows_are_looked_up_through_a_staged_table_with_the_same_result(wh, monkeypatch):
    """Above LARGE_IN_LIST keys or values the rows are found by a join on a staged table (a national-scale contacts
    table must not be read into memory); the quarantine is the same, and nothing staged is left behind."""
    from cs_pipeline.quality import engine

    persons(wh)
    rows = [{"cont_contact_id": f"C{i % 3}", "cont_person_id": "P1" if i % 2 else "P9",
             "cont_contact_date": "2025-01-01" if i % 4 else "2025-13-01"} for i in range(12)]
    write_raw(wh, "ssd_contacts", rows)
    validate(wh, "ssd_contacts")
    query = ("SELECT _row_key, rule_id, message, cont_person_id, cont_contact_date FROM quarantine.ssd_contacts "
             "ORDER BY CAST(_row_key AS INTEGER), rule_id")
    direct = wh.query_frame(query)
    monkeypatch.setattr(engine, "LARGE_IN_LIST", 0)
    validate(wh, "ssd_contacts")
    staged = wh.query_frame(query)
    assert len(direct) > 10 and set(direct["rule_id"]) == {"key_unique", "foreign_key_resolves", "date_parseable"}
    assert staged.equals(direct)
    assert not [t for t in wh.tables("quarantine") if t.endswith("__staged")]
