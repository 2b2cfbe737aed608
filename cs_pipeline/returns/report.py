"""The validation report of a return: errors by rule with counts, and by child (ids only), as XLSX and HTML.

Every flag row is in the flags CSV; the report is what a 903 or CIN lead reads: which rules to fix first, which children
have most to fix. No names, dates of birth or other values of a child appear in it, only the return's child ids.
"""
from __future__ import annotations

import html
from pathlib import Path

import duckdb
import pandas as pd

from cs_pipeline.lib.xlsx import Sheet, write_xlsx
from cs_pipeline.returns.rules import rules_for_year

TITLES = {"ssda903": "SSDA903", "cin": "CIN census"}


def by_rule(validation) -> pd.DataFrame:
    rules = {r.code: r for r in rules_for_year(validation.return_name, validation.year)}
    flags = validation.run.flags
    counts = (
        duckdb.sql(
            "select rule_code, count(*) as flags, count(distinct child_id) as children, "
            "string_agg(distinct table_name, ', ' order by table_name) as tables "
            "from flags group by rule_code"
        ).df()
        if len(flags)
        else pd.DataFrame(columns=["rule_code", "flags", "children", "tables"])
    )
    counts["message"] = counts["rule_code"].map(lambda c: rules[c].message)
    counts["fields"] = counts["rule_code"].map(lambda c: ", ".join(rules[c].affected_fields))
    return counts.sort_values(["flags", "rule_code"], ascending=[False, True], kind="stable")[
        ["rule_code", "message", "fields", "tables", "flags", "children"]
    ]


def by_child(validation) -> pd.DataFrame:
    flags = validation.run.flags
    if not len(flags):
        return pd.DataFrame(columns=["child_id", "flags", "rules"])
    return duckdb.sql(
        "select child_id, count(*) as flags, string_agg(distinct rule_code, ' ' order by rule_code) as rules "
        "from flags group by child_id order by flags desc, child_id"
    ).df()


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def write_report(validation, folder: Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rules, children = by_rule(validation), by_child(validation)
    run = validation.run
    status = pd.DataFrame(
        [(c, "skipped", why) for c, why in sorted(run.skipped.items())]
        + [(c, "failed", error) for c, error in sorted(run.failed.items())],
        columns=["rule_code", "status", "detail"],
    )
    unreadable = pd.DataFrame(
        [(i.file, i.row, i.column, i.problem) for i in validation.loaded.issues], columns=["file", "row", "column", "problem"]
    )
    name = f"{validation.return_name}_{validation.year}_validation"
    title = TITLES[validation.return_name]
    xlsx = folder / f"{name}.xlsx"
    # text is written as text, never as a formula, whatever it starts with (a child id "=HYPERLINK(...)")
    write_xlsx(xlsx, [Sheet(title, frame) for title, frame in {
        "By rule": rules, "By child": children, "Rules not run": status, "Unreadable values": unreadable}.items()])
    page = folder / f"{name}.html"
    total = len(run.flags)
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title} {validation.year}: validation</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}</style></head><body>"
        f"<h1>{title} {validation.year}: DfE validation</h1>"
        f"<p>{total:,} flags from {len(rules)} rules on {len(children):,} children; {len(run.ran)} rules run, "
        f"{len(run.skipped)} not run (tables not supplied), {len(run.failed)} failed.</p>"
        f"<h2>By rule</h2>{_html_table(rules)}"
        f"<h2>Rules not run</h2>{_html_table(status)}"
        f"<h2>Unreadable values</h2>{_html_table(unreadable)}"
        f"<h2>By child</h2>{_html_table(children)}</body></html>",
        encoding="utf-8",
    )
    return [xlsx, page]
