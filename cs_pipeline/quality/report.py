"""The validation report a data officer acts on: offline HTML (inline CSS, no CDN) and an XLSX workbook.

Read from ``quarantine.validation_rule_results`` and ``quarantine.validation_findings`` (written by the engine).
Per table: rows, rejected, kept-with-warnings; per table and rule: failing rows and their record ids; every
finding with its message (row, rule, what is wrong). Ids and counts only: sensitive values never reach messages.
"""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from cs_pipeline.lib import xlsx as workbook
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline.quality.engine import FINDINGS_TABLE, QUARANTINE, RULE_RESULTS_TABLE

HTML_ROWS_PER_RULE = 50
XLSX_MAX_FINDINGS = 1_000_000

CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #1d70b8}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #b1b4b6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f2f1}.error{background:#f6d7d2}.warn{background:#fff7bf}.ok{background:#cce2d8}
.small{font-size:12px;color:#505a5f}
"""


def load_results(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not wh.table_exists(QUARANTINE, RULE_RESULTS_TABLE):
        return pd.DataFrame(), pd.DataFrame()
    rules = wh.query_frame(f'SELECT * FROM "{QUARANTINE}"."{RULE_RESULTS_TABLE}" ORDER BY raw_table, check_name')
    findings = wh.query_frame(
        f'SELECT raw_table, _row_key, record_id, rule_id, check_name, severity, column_name, message '
        f'FROM "{QUARANTINE}"."{FINDINGS_TABLE}" ORDER BY raw_table, check_name, _row_key'
    )
    return rules, findings


def summarise(rules: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for table, g in rules.groupby("raw_table", sort=True):
        f = findings[findings["raw_table"] == table]
        structural = g[g["structural"].astype(bool) & ~g["passed"].astype(bool)]
        rejected = set(f.loc[f["severity"] == "ERROR", "_row_key"].dropna())
        warned = set(f.loc[f["severity"] == "WARN", "_row_key"].dropna()) - rejected
        failing = g[~g["structural"].astype(bool) & (g["failing_rows"] > 0)]
        status = "BLOCKED" if len(structural) else ("ROWS REJECTED" if rejected else ("WARNINGS" if warned else "OK"))
        rows.append({
            "table": f"raw.{table}", "status": status, "raw_rows": int(g["raw_rows"].max()),
            "rejected_rows": len(rejected), "kept_with_warnings": len(warned), "rules_failing": len(failing),
            "structural_problems": "; ".join(structural["note"].fillna("")),
        })
    return pd.DataFrame(rows, columns=["table", "status", "raw_rows", "rejected_rows", "kept_with_warnings",
                                       "rules_failing", "structural_problems"])


def write_report(wh: Warehouse, out_dir: Path, *, as_at: dt.date, run_id: str = "") -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rules, findings = load_results(wh)
    summary = summarise(rules, findings) if not rules.empty else pd.DataFrame()
    paths = {"html": out_dir / "validation_report.html", "xlsx": out_dir / "validation_report.xlsx"}
    paths["html"].write_text(render_html(summary, rules, findings, as_at=as_at, run_id=run_id), encoding="utf-8")
    write_xlsx(paths["xlsx"], summary, rules, findings)
    return paths


def _rule_sheet(rules: pd.DataFrame) -> pd.DataFrame:
    if rules.empty:
        return rules
    r = rules.copy()
    r["table"] = "raw." + r["raw_table"]
    r["action"] = r.apply(_action, axis=1)
    return r[["table", "check_name", "rule_id", "severity", "column_name", "evaluated", "passed", "failing_rows",
              "action", "sample_record_ids", "sample_row_keys", "description", "note"]]


def _action(r) -> str:
    if bool(r["passed"]):
        return ""
    if bool(r["structural"]):
        return "table blocked: fix the delivery/extract and re-run"
    if r["severity"] == "ERROR":
        return "rows rejected (in quarantine): correct the record in the source system"
    return "rows kept: check and correct the record in the source system"


def write_xlsx(path: Path, summary: pd.DataFrame, rules: pd.DataFrame, findings: pd.DataFrame) -> None:
    f = findings.head(XLSX_MAX_FINDINGS).copy()
    if not f.empty:
        f.insert(0, "table", "raw." + f.pop("raw_table"))
    sheets = {"Summary": summary if not summary.empty else pd.DataFrame({"note": ["no validation results yet"]}),
              "Rules": _rule_sheet(rules), "Findings": f}
    workbook.write_xlsx(path, [workbook.Sheet(name, frame, widths=_widths(frame)) for name, frame in sheets.items()])


def _widths(frame: pd.DataFrame) -> list[float]:
    """Each column as wide as its header or its longest value in the first 200 rows, within 10 to 80."""
    head = frame.head(200)
    return [min(max(10, max([len(str(c)), *(len(str(v)) for v in head[c].dropna())]) + 2), 80) for c in frame.columns]


def _e(v) -> str:
    return html.escape("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def _table(frame: pd.DataFrame, row_class=None) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else ""
        body.append(f"<tr class='{cls}'>" + "".join(f"<td>{_e(v)}</td>" for v in row.values) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(summary: pd.DataFrame, rules: pd.DataFrame, findings: pd.DataFrame, *, as_at: dt.date,
                run_id: str) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Validation report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Validation report: children's social care and health extracts</h1>",
        f"<p class='small'>As-at date {as_at.isoformat()}; run {_e(run_id)}; generated "
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}. Rejected rows are in <code>quarantine.&lt;table&gt;</code> "
        "and left out of the returns and measures until corrected at source; rows with warnings are kept. "
        "Ids only: no names, NHS numbers or dates of birth.</p>",
    ]
    if summary.empty:
        parts.append("<p>No validation results yet.</p></body></html>")
        return "".join(parts)
    status_class = {"BLOCKED": "error", "ROWS REJECTED": "warn", "WARNINGS": "warn", "OK": "ok"}
    parts.append("<h2>Summary by table</h2>")
    parts.append(_table(summary, lambda r: status_class.get(r["status"], "")))
    rule_sheet = _rule_sheet(rules)
    for table, g in rule_sheet.groupby("table", sort=True):
        failing = g[~g["passed"].astype(bool)]
        if failing.empty:
            continue
        parts.append(f"<h2>{_e(table)}</h2>")
        parts.append(_table(failing[["check_name", "severity", "failing_rows", "action", "sample_record_ids",
                                     "description", "note"]],
                            lambda r: "error" if r["severity"] == "ERROR" else "warn"))
        tf = findings[("raw." + findings["raw_table"]) == table]
        for check, fg in tf.groupby("check_name", sort=True):
            shown = fg.head(HTML_ROWS_PER_RULE)
            more = len(fg) - len(shown)
            parts.append(f"<p><b>{_e(check)}</b>: {len(fg)} finding(s)"
                         + (f", first {len(shown)} shown (all in the XLSX)" if more > 0 else "") + "</p>")
            parts.append(_table(shown[["_row_key", "record_id", "severity", "message"]]))
    parts.append("</body></html>")
    return "".join(parts)
