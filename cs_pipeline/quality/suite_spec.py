"""Suites as data: ``cs_pipeline/quality/suites/<raw table>.yaml``, one per raw table.

A suite file lists, in order, what the table must satisfy. An analyst extends a suite by adding a line, e.g.::

    - {rule: code_in_list, column: clae_cla_episode_start_reason, code_list: reason_new_episode}

Entry keys: ``rule`` (a rule id from :mod:`cs_pipeline.quality.rules`), ``column`` (or ``start``/``end`` for
``end_not_before_start``), ``code_list`` (a file name in ``reference/code_lists/<year>/``), ``references``
(``table.column`` for ``foreign_key_resolves``), ``birth_column`` (``date_not_before_birth`` within the row),
``when`` (``{column: value}``: check only those rows), ``within`` (``key_unique`` per value of another column, e.g.
``_file``: an id may repeat across deliveries but not within one), ``ignore_case``, ``allow_test_numbers`` and
``severity`` (``ERROR`` rejects the row, ``WARN`` keeps it; each rule has a default).
Table keys: ``table``, ``description``, ``record_id`` (the id shown in messages), ``person_id`` (joins to
``ssd_person`` for ``date_not_before_birth``), ``required_columns``, ``expectations``, ``cross_rules`` and the
optional ``max_quarantined_share``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from cs_pipeline.quality.rules import RULES, rule

SUITES_PACKAGE = "cs_pipeline.quality.suites"


@dataclass(frozen=True)
class ExpectationSpec:
    rule_id: str
    column: str | None = None
    start: str | None = None
    end: str | None = None
    code_list: str | None = None
    references: str | None = None
    birth_column: str | None = None
    when: tuple[tuple[str, str], ...] = ()
    within: str | None = None
    ignore_case: bool = False
    allow_test_numbers: bool = True
    severity: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        cols = [c for c in (self.column, self.start, self.end, self.birth_column) if c]
        cols += [c for c, _ in self.when]
        return tuple(dict.fromkeys(cols))

    @property
    def target_column(self) -> str:
        """The column a failure is about (the end date for a date pair)."""
        return self.column or self.end or ""

    @property
    def check_name(self) -> str:
        """Unique within a table: the asset check's name."""
        name = f"{self.rule_id}__{self.target_column}" if self.target_column else self.rule_id
        if self.when:
            name += "__when_" + "_".join(c for c, _ in self.when)
        return name

    @property
    def engine(self) -> str:
        if self.rule_id == "date_not_before_birth" and self.birth_column:
            return "gx"  # the birth date is in the same row (health files)
        return RULES[self.rule_id].engine

    @property
    def effective_severity(self) -> str:
        return self.severity or RULES[self.rule_id].default_severity

    @property
    def parent(self) -> tuple[str, str] | None:
        if not self.references:
            return None
        table, column = self.references.split(".", 1)
        return table, column


@dataclass(frozen=True)
class TableSuite:
    table: str
    description: str
    record_id: str | None
    person_id: str | None
    required_columns: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    cross_rules: tuple[str, ...] = ()
    max_quarantined_share: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_health(self) -> bool:
        return self.table.startswith("health_")

    def by_engine(self, engine: str) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.engine == engine]

    def referenced_tables(self) -> set[str]:
        """Other raw tables this suite's SQL rules read (become the quarantine asset's deps)."""
        from cs_pipeline.quality.sql_rules import cross_rule_reads

        tables = {e.parent[0] for e in self.expectations if e.parent}
        if any(e.rule_id == "date_not_before_birth" and not e.birth_column for e in self.expectations):
            tables.add("ssd_person")
        for rule_id in self.cross_rules:
            tables |= cross_rule_reads(rule_id, self.table)
        tables.discard(self.table)
        return tables


def _entry(raw: dict, table: str) -> ExpectationSpec:
    raw = dict(raw)
    rule_id = raw.pop("rule")
    rule(rule_id)  # unknown ids fail loudly, naming the known ones
    when = raw.pop("when", None) or {}
    severity = str(raw.pop("severity", "") or "").upper()
    if severity not in ("", "ERROR", "WARN"):
        raise ValueError(f"{table}: {rule_id}: severity must be ERROR or WARN, not {severity!r}")
    spec = ExpectationSpec(rule_id=rule_id, when=tuple((str(k), str(v)) for k, v in when.items()),
                           severity=severity, **raw)
    if rule_id == "end_not_before_start" and not (spec.start and spec.end):
        raise ValueError(f"{table}: end_not_before_start needs start and end")
    if rule_id == "code_in_list" and not spec.code_list:
        raise ValueError(f"{table}: code_in_list on {spec.column} needs code_list")
    if rule_id == "foreign_key_resolves" and not spec.references:
        raise ValueError(f"{table}: foreign_key_resolves on {spec.column} needs references")
    return spec


def parse_suite(text: str) -> TableSuite:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml where there
    table = data["table"]
    expectations = tuple(_entry(e, table) for e in data.get("expectations") or [])
    names = [e.check_name for e in expectations]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"{table}: the same rule is listed twice for {sorted(dupes)}")
    cross = tuple(data.get("cross_rules") or ())
    for rule_id in cross:
        rule(rule_id)
    known = {"table", "description", "record_id", "person_id", "required_columns", "expectations", "cross_rules",
             "max_quarantined_share"}
    return TableSuite(
        table=table,
        description=data.get("description", ""),
        record_id=data.get("record_id"),
        person_id=data.get("person_id"),
        required_columns=tuple(data.get("required_columns") or ()),
        expectations=expectations,
        cross_rules=cross,
        max_quarantined_share=data.get("max_quarantined_share"),
        extra={k: v for k, v in data.items() if k not in known},
    )


@lru_cache(maxsize=None)
def load_suite(table: str) -> TableSuite:
    text = resources.files(SUITES_PACKAGE).joinpath(f"{table}.yaml").read_text(encoding="utf-8")
    suite = parse_suite(text)
    if suite.table != table:
        raise ValueError(f"suites/{table}.yaml describes {suite.table}")
    return suite


def suite_tables() -> list[str]:
    """Every raw table with a suite, in file-name order."""
    return sorted(
        p.name[: -len(".yaml")]
        for p in resources.files(SUITES_PACKAGE).iterdir()
        if p.name.endswith(".yaml")
    )


def all_suites() -> dict[str, TableSuite]:
    return {t: load_suite(t) for t in suite_tables()}
