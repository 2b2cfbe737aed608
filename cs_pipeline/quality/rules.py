"""The validation rule catalogue: every rule id, what it checks, where it runs and what a failure does.

Rule ids are the words of docs/architecture.md's defect vocabulary (``code_in_list``, ``key_unique`` ...), so a
defect, a quarantine row, an asset check and a report line all use the same name.

Severity of a failing *row*:
- ``ERROR``: the row is rejected: written to ``quarantine.<raw table>`` and left out of staging.
- ``WARN``: the row is kept (it goes on to staging) and the finding is reported. NHS numbers and UPNs are WARN:
  rejecting a child's record for an identifier typo would drop the child from statutory measures.
A suite entry may override a rule's default severity (``severity: WARN``).

Structural rules (``structure_valid``, ``rows_conserved``, ``quarantine_share``) judge the whole table; when they
fail, the table's quarantine asset fails an ERROR check and the dbt step leaves out its staging model
and everything built on it (transform/dbt.py).
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "ERROR"
WARN = "WARN"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    engine: str  # "gx" (Great Expectations on the table's rows), "sql" (set-based, in the warehouse), "table"
    default_severity: str
    description: str


RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in (
        # structural, evaluated on the table as a whole
        Rule("structure_valid", "table", ERROR, "The raw table can be read and has every contract column."),
        Rule("rows_conserved", "table", ERROR,
             "Rows eligible for staging (raw minus quarantined) plus quarantined rows equal the raw rows."),
        Rule("quarantine_share", "table", ERROR,
             "The share of rows quarantined is at most the configured limit (default 20%)."),
        Rule("column_present", "gx", ERROR, "A contract column is present in the raw table."),
        # row-level keys: set-based, so in SQL (GX's pandas uniqueness over a million rows is slow)
        Rule("key_not_null", "sql", ERROR, "The table's id is filled in."),
        Rule("key_unique", "sql", ERROR,
             "The table's id is unique; the first row with an id is kept, later rows with the same id are rejected."),
        # row-level, in the table's GX suite (on each distinct value, see gx_suite)
        Rule("code_in_list", "gx", ERROR, "A coded value is in the code list of the collection year."),
        Rule("date_parseable", "gx", ERROR, "A date is a real calendar date in ISO form (YYYY-MM-DD[ hh:mm:ss])."),
        Rule("date_not_after_as_at", "gx", ERROR, "An event date is not after the extract's as-at date."),
        Rule("end_not_before_start", "gx", ERROR, "An end date is not before its start date."),
        Rule("nhs_number_valid", "gx", WARN,
             "An NHS number has 10 digits, passes Modulus 11 and is not a placeholder (row kept)."),
        Rule("upn_valid", "gx", WARN, "A UPN has 13 characters and the right check letter (row kept)."),
        Rule("flag_readable", "gx", WARN, "A flag reads as Y/N, 1/0, true/false or yes/no (row kept; else null)."),
        # row-level, set-based in SQL (joins to other tables)
        Rule("foreign_key_resolves", "sql", ERROR, "A reference to another table's record finds that record."),
        Rule("date_not_before_birth", "sql", ERROR, "An event of a child in care is not before the child's birth."),
        # cross-table consistency (SQL)
        Rule("cla_episodes_overlap", "sql", ERROR, "A child's care episodes do not overlap."),
        Rule("cla_placements_overlap", "sql", ERROR, "A child's placements do not overlap."),
        Rule("cin_episodes_overlap", "sql", ERROR, "A child's CIN episodes (referral to closure) do not overlap."),
        Rule("cp_plans_overlap", "sql", ERROR, "A child's child protection plans do not overlap."),
        Rule("cin_plan_during_cp_plan", "sql", ERROR, "A CIN plan is not open on a day a CP plan is open."),
        Rule("cp_plan_starts_at_icpc", "sql", ERROR, "A CP plan starts on the date of its initial conference."),
        Rule("cla_review_before_care", "sql", ERROR, "A looked-after review is not before the child entered care."),
        Rule("health_child_known", "sql", WARN,
             "A health record's la_child_id or valid NHS number matches a child the council holds (row kept: it "
             "feeds linkage, not rejection)."),
    )
}

STRUCTURAL_RULES = ("structure_valid", "rows_conserved", "quarantine_share")


def rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}; known: {', '.join(sorted(RULES))}") from None
