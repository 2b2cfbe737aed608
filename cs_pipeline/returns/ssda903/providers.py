"""Ofsted's provider lists (XLSX), read into DuckDB as ``provider_info``, the table the URN rules query.

The 903 rules on Ofsted URNs (1008, 219, 221, 224, 227, 228, 229) check an episode's URN against Ofsted's lists:
either the "Children's homes" list together with the "Social care providers" list, or one combined list (one
sheet, or a "Providers" sheet with an "SA providers" sheet for supported accommodation). ``provider_info`` has,
as the public validator (csc-validator-be-903 0.1.17, ``ingress.py``) builds it, one row per row of the lists:

- ``URN``: as in the list (a URN Excel stored as a number is its digits: ``1234567``, not ``1234567.0``);
- ``LA_NAME_FROM_FILE``: the list's local authority column (for supported accommodation, the provider's LA);
- ``PLACE_CODES``, ``PROVIDER_CODES``: the codes, comma separated as in the list (``/`` becomes ``,`` where the
  validator does so: the children's homes' and the combined lists' provider codes); not trimmed, so ``'RD1, RD2'``
  holds ``' RD2'`` as the validator's ``split(',')`` does;
- ``REG_END`` (DATE): the closed/deregistration date (NULL when blank or text such as ``-``), ``REG_END_raw``
  its text; ``POSTCODE``: upper-cased, spaces removed; ``source``: CH List, SCP List or Combined SCPCH List;
- ``LA_CODE_INFERRED``: always NULL. The validator infers it from the postcode with a postcode lookup (ONS
  postcode to district, then district to upper-tier authority) that we do not ship, as for episodes' PL_LA; so
  rule 229, which compares it with the council's code, needs that lookup and is not run (see its rule file).

Where the validator reads a column that a list does not have, it crashes or leaves the column blank; here the load
stops with a message naming the file, the sheet and the missing columns. Two deliberate differences: the combined
lists of 2025 name the postcode "Provider postcode" on their Providers sheet (the validator reads only "Setting
address postcode", so every URN of that sheet fails 221), and numeric URNs match the episodes' text URNs (the
validator's merge of text with numbers either never matches or crashes all seven rules).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from cs_pipeline.returns.ssda903.files import ReturnFileError

# column -> SQL type; row_id is the 0-based row of the table (children's homes first, then the other list)
PROVIDER_INFO_COLUMNS = {
    "row_id": "bigint",
    "URN": "varchar",
    "LA_NAME_FROM_FILE": "varchar",
    "PLACE_CODES": "varchar",
    "PROVIDER_CODES": "varchar",
    "REG_END": "date",
    "REG_END_raw": "varchar",
    "POSTCODE": "varchar",
    "source": "varchar",
    "LA_CODE_INFERRED": "varchar",
}
_FIELDS = ["URN", "LA_NAME_FROM_FILE", "PLACE_CODES", "PROVIDER_CODES", "REG_END", "POSTCODE"]
_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


class ProviderListError(ReturnFileError):
    """An Ofsted list that cannot be read; the message names the file and sheet."""


# --- reading sheets ---------------------------------------------------------------------------------------------
def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if text.strip() else None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DMY.match(value) if isinstance(value, str) else None
    if match:
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    return None


class _Sheet:
    """One sheet's rows as dicts keyed by header, looked up case-insensitively (headers trimmed)."""

    def __init__(self, path: Path, title: str, rows: list[tuple]):
        self.path, self.title = path, title
        header = rows[0] if rows else ()
        self.columns: dict[str, int] = {}
        for i, name in enumerate(header):
            if name is not None and str(name).strip():
                self.columns.setdefault(str(name).strip().lower(), i)
        self.rows = [r for r in rows[1:] if any(v is not None and str(v).strip() for v in r)]

    def has(self, name: str) -> bool:
        return name.lower() in self.columns

    def require(self, names: list[str], what: str) -> None:
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise ProviderListError(
                f"{self.path}: sheet {self.title!r} of the {what} lacks column(s) {', '.join(missing)} "
                f"(it has: {', '.join(sorted(self.columns)) or 'no header'})"
            )

    def values(self, name: str) -> list:
        i = self.columns.get(name.lower())
        return [(r[i] if i is not None and i < len(r) else None) for r in self.rows]


def _read_workbook(path: Path) -> list[_Sheet]:
    import openpyxl

    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # not an XLSX file, or a damaged one
        raise ProviderListError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        return [_Sheet(path, ws.title, list(ws.iter_rows(values_only=True))) for ws in workbook.worksheets]
    finally:
        workbook.close()


def _frame(sheet: _Sheet, mapping: dict[str, str | None], source: str, constants: dict | None = None) -> pd.DataFrame:
    """Our fields from the sheet's columns (mapping field -> column; None: blank), plus constant fields."""
    data = {field: (sheet.values(column) if column else [None] * len(sheet.rows)) for field, column in mapping.items()}
    for field, value in (constants or {}).items():
        data[field] = [value] * len(sheet.rows)
    frame = pd.DataFrame({field: pd.Series(data[field], dtype=object) for field in _FIELDS})
    frame["source"] = source
    return frame


def _slashes_to_commas(value):
    # the validator's .str.replace("/", ","): a cell that is not text (a number, a date) becomes blank
    return value.replace("/", ",") if isinstance(value, str) else None


def _first_present(sheet: _Sheet, names: list[str]) -> str:
    for name in names:
        if sheet.has(name):
            return name
    return names[0]


# --- the three kinds of list ------------------------------------------------------------------------------------
def _is_children_homes(sheets: list[_Sheet]) -> bool:
    titles = {s.title.strip().lower() for s in sheets}
    return "provider information" in titles or {"settings and inspection info", "address details"} <= titles


def _is_two_sheet_combined(sheets: list[_Sheet]) -> bool:
    return {s.title.strip().lower() for s in sheets} == {"providers", "sa providers"}


def _children_homes(path: Path, sheets: list[_Sheet]) -> pd.DataFrame:
    what = "Children's homes list"
    by_title = {s.title.strip().lower(): s for s in sheets}
    columns = ["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Closed Date"]
    postcode = ["Setting Postcode", "Setting Address Postcode"]
    mapping = dict(zip(_FIELDS[:5], columns))
    if "provider information" in by_title:
        sheet = by_title["provider information"]
        sheet.require(columns + [_first_present(sheet, postcode)], what)
        frame = _frame(sheet, {**mapping, "POSTCODE": _first_present(sheet, postcode)}, "CH List")
    else:
        setting, address = by_title["settings and inspection info"], by_title["address details"]
        setting.require(columns, what)
        address.require(["URN", _first_present(address, postcode)], what)
        frame = _frame(setting, {**mapping, "POSTCODE": None}, "CH List").drop(columns="POSTCODE")
        postcodes = pd.DataFrame(
            {"URN": address.values("URN"), "POSTCODE": address.values(_first_present(address, postcode))}
        )
        # the validator's inner merge on URN: homes without an address row are dropped, duplicates fan out
        frame["_key"], postcodes["_key"] = frame["URN"].map(_text), postcodes["URN"].map(_text)
        frame = frame.merge(postcodes.drop(columns="URN"), on="_key", how="inner").drop(columns="_key")
        frame = frame[_FIELDS + ["source"]]
    frame["PROVIDER_CODES"] = frame["PROVIDER_CODES"].map(_slashes_to_commas)
    return frame


def _social_care_providers(path: Path, sheets: list[_Sheet]) -> pd.DataFrame:
    what = "Social care providers list"
    if len(sheets) < 2:
        raise ProviderListError(
            f"{path}: the Social care providers list should have the current providers' sheet and the closed "
            f"providers' sheet; it has only {', '.join(repr(s.title) for s in sheets) or 'no sheet'}"
        )
    columns = ["URN", "Local authority", "Placement code", "Placement provider code", "Deregistration date", "Setting postcode"]
    current, closed = sheets[0], sheets[1]
    current.require([c for c in columns if c != "Deregistration date"], what)
    closed.require(columns, what)
    mapping = dict(zip(_FIELDS, columns))
    frames = [
        _frame(current, {**mapping, "REG_END": None}, "SCP List"),
        _frame(closed, mapping, "SCP List"),
    ]
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)


def _combined(path: Path, sheets: list[_Sheet]) -> pd.DataFrame:
    what = "combined Children's homes and Social care providers list"
    providers = sheets[0] if len(sheets) == 1 else next(s for s in sheets if s.title.strip().lower() == "providers")
    postcode = _first_present(providers, ["setting address postcode", "provider postcode"])
    columns = ["urn", "local authority", "placement code", "placement provider code", "deregistration date", postcode]
    providers.require(columns, what)
    frames = [_frame(providers, dict(zip(_FIELDS, columns)), "Combined SCPCH List")]
    if len(sheets) == 2:
        sa = next(s for s in sheets if s.title.strip().lower() == "sa providers")
        sa.require(["urn", "provider local authority", "closed date", "setting address postcode"], what)
        mapping = {
            "URN": "urn",
            "LA_NAME_FROM_FILE": "provider local authority",
            "PLACE_CODES": None,
            "PROVIDER_CODES": "placement provider code" if sa.has("placement provider code") else None,
            "REG_END": "closed date",
            "POSTCODE": "setting address postcode",
        }
        # supported accommodation: placement K3; provider PR4 when the sheet has no provider code column
        constants = {"PLACE_CODES": "K3", **({} if sa.has("placement provider code") else {"PROVIDER_CODES": "PR4"})}
        frames.append(_frame(sa, mapping, "Combined SCPCH List", constants))
    frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    frame["PROVIDER_CODES"] = frame["PROVIDER_CODES"].map(_slashes_to_commas)
    return frame


def read_provider_lists(paths: list[Path]) -> pd.DataFrame:
    """The lists as the provider_info frame (see the module's docstring): one combined list, or the Children's
    homes list and the Social care providers list (in either order)."""
    paths = [Path(p) for p in paths]
    if len(paths) not in (1, 2):
        raise ProviderListError(
            f"give Ofsted's Children's homes list and Social care providers list, or one combined list; got {len(paths)} files"
        )
    books = [(p, _read_workbook(p)) for p in paths]
    if len(books) == 1:
        path, sheets = books[0]
        if _is_children_homes(sheets):
            raise ProviderListError(
                f"{path}: this is the Children's homes list alone; give the Social care providers list too"
            )
        if not (_is_two_sheet_combined(sheets) or len(sheets) == 1):
            raise ProviderListError(
                f"{path}: not a combined provider list (expected one sheet, or sheets 'Providers' and "
                f"'SA providers'; it has {', '.join(repr(s.title) for s in sheets)}); give the Children's homes "
                "list and the Social care providers list as two files"
            )
        frame = _combined(path, sheets)
    else:
        homes = [(p, s) for p, s in books if _is_children_homes(s)]
        others = [(p, s) for p, s in books if not _is_children_homes(s)]
        if len(homes) != 1:
            raise ProviderListError(
                f"{', '.join(str(p) for p in paths)}: expected one Children's homes list (a sheet 'Provider information', "
                f"or sheets 'Settings and Inspection Info' and 'Address Details') and one Social care providers list; "
                f"found {len(homes)} Children's homes lists"
            )
        frames = [_children_homes(*homes[0]), _social_care_providers(*others[0])]
        frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    frame["REG_END_raw"] = frame["REG_END"].map(_text)
    frame["REG_END"] = frame["REG_END"].map(_date).astype(object)
    for field in ("URN", "LA_NAME_FROM_FILE", "PLACE_CODES", "PROVIDER_CODES"):
        frame[field] = frame[field].map(_text).astype(object)
    # the validator: .str.replace(" ", "").str.upper(), so a postcode that is not text is blank
    frame["POSTCODE"] = frame["POSTCODE"].map(lambda v: v.replace(" ", "").upper() if isinstance(v, str) else None)
    frame = frame[frame["URN"].notna()].reset_index(drop=True)  # a row without URN matches no episode
    frame["LA_CODE_INFERRED"] = None
    frame.insert(0, "row_id", pd.Series(range(len(frame)), dtype="int64"))
    return frame[list(PROVIDER_INFO_COLUMNS)]


def _create(con, name: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    view = f"_{name}_frame"
    con.execute("select 1").fetchall()  # DuckDB refuses register() while an earlier execute()'s result is unread
    con.register(view, frame)
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
    con.execute(f"create or replace table {name} as select {select} from {view}")
    con.unregister(view)


def load_provider_lists(con, paths: list[Path]) -> int:
    """Read Ofsted's lists into the DuckDB table ``provider_info``; returns its number of rows."""
    frame = read_provider_lists(paths)
    _create(con, "provider_info", frame, PROVIDER_INFO_COLUMNS)
    return len(frame)


def provider_info_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows given as text (REG_END as DD/MM/YYYY; omitted columns blank) -> the provider_info table (rule cases)."""
    names = [c for c in PROVIDER_INFO_COLUMNS if c not in ("row_id", "REG_END_raw")]
    text = pd.DataFrame([{c: row.get(c) for c in names} for row in rows], columns=names)
    frame = pd.DataFrame({"row_id": pd.Series(range(len(text)), dtype="int64")})
    for column in names:
        values = text[column].map(lambda v: None if v is None or v == "" else str(v)).astype(object)
        if column == "REG_END":
            frame["REG_END"] = values.map(_date).astype(object)
            frame["REG_END_raw"] = values
        else:
            frame[column] = values
    return frame[list(PROVIDER_INFO_COLUMNS)]


# --- the council's own code (rule 229) ---------------------------------------------------------------------------
LOCAL_AUTHORITY_COLUMNS = {"LA_CODE": "varchar"}


def local_authority_frame(rows: list[dict]) -> pd.DataFrame:
    """The one-row ``local_authority`` table: the council's ONS code (``E09000030``), as the public validator's
    ``localAuthority``; rule 229 needs it together with providers' LA_CODE_INFERRED."""
    return pd.DataFrame({"LA_CODE": [None if r.get("LA_CODE") in (None, "") else str(r["LA_CODE"]) for r in rows]}, dtype=object)


def load_local_authority(con, la_code: str) -> None:
    _create(con, "local_authority", local_authority_frame([{"LA_CODE": la_code}]), LOCAL_AUTHORITY_COLUMNS)
