"""A degraded copy of the marts and returns for a regional partnership (as London councils share through LIIA).

Child ids (and the case records' and workers' ids) become a keyed hash (HMAC-SHA256 under CS_PIPELINE_SHARED_HASH_KEY: partners with the same key can join
their copies, nobody without it can reverse or recompute them), dates of birth the first of their month, postcodes
their sector; UPNs, NHS numbers, names and social worker ids are dropped. Columns are recognised by name, so a new
mart column is degraded (or dropped) by the same rules. The key is never logged or written.

Last, ``returns_shared.copy_manifest`` (and ``manifest.json`` beside the CSVs) says what was written: one row per
table with its row count, the council's LA code, when the copy was written, the run's as-at date, and the key's
fingerprint (an HMAC of a fixed text under the key, not the key): a regional hub combining several councils' copies
(``cs_pipeline.publish.regional_set``) reads it to refuse a copy that is stale, incomplete or hashed under another key.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

import pandas as pd

from cs_pipeline.lib.warehouse import Warehouse, quote_ident, sql_type

KEY_VARIABLE = "CS_PIPELINE_SHARED_HASH_KEY"
SHARED_SCHEMA = "returns_shared"
MANIFEST_TABLE = "copy_manifest"  # not <schema>__<table>: never mistaken for a shared table
MANIFEST_COLUMNS = {"table_name": "TEXT", "row_count": "BIGINT", "la_code": "TEXT", "written_at": "TEXT",
                    "as_at": "TEXT", "key_fingerprint": "TEXT"}
_FINGERPRINT_TEXT = b"cs_pipeline/returns_shared key fingerprint"
_ID_COLUMNS = {"person_id", "child_id", "child", "lachildid", "la_child_id", "mother_id", "cindetailsid",
               "assessmentid", "cppid",
               # Annex A's person columns: a worker's id, a family's and an adopter's
               "allocated_worker", "family_identifier", "individual_adopter_identifier"}
# record ids that are not a person's (kept: a team is no one; row_id is the row's place in its table)
_KEPT_IDS = {"team_id", "team_parent_id", "row_id"}
_DOB_COLUMNS = {"dob", "date_of_birth", "personbirthdate", "expectedpersonbirthdate", "mc_dob"}
_POSTCODE_COLUMNS = {"home_post", "pl_post", "postcode"}
_DROPPED = {"upn", "formerupn", "upnunknown", "first_name", "last_name", "forename", "surname", "name", "sw_id",
            "allocated_personal_advisor"}  # Annex A List 9: the SSD may hold the adviser's name
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])[A-Z]{2}$")


def shared_key_from_env(env: dict[str, str] | None = None) -> bytes:
    value = (os.environ if env is None else env).get(KEY_VARIABLE, "")
    if len(value) < 16:
        raise ValueError(f"{KEY_VARIABLE} must be set to a secret of at least 16 characters to share a degraded copy")
    return value.encode("utf-8")


def key_fingerprint(key: bytes) -> str:
    """Tells two keys apart without revealing either: partners' copies made under different keys cannot be joined,
    so the hub compares fingerprints. Recovering the key from it is as hard as from any hashed id in the copy."""
    return hmac.new(key, _FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


def hash_child_id(value, key: bytes) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    return hmac.new(key, str(value).strip().encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def month_of_birth(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.replace(day=1)


def postcode_sector(value) -> str | None:
    """'E1 6AN' -> 'E1 6'; 'sw1a1aa' -> 'SW1A 1'; anything that is not a full postcode -> None."""
    if not isinstance(value, str):
        return None
    match = _POSTCODE.match(re.sub(r"\s+", "", value.upper()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def _kind(column: str) -> str | None:
    name = column.lower()
    if name in _DROPPED or "nhs_number" in name:
        return "drop"
    # a child's, a worker's and every case record's id (referral, assessment, plan ...): hashed under the same key,
    # so the copy still joins within itself but leads back to no one in the council's systems
    if name in _ID_COLUMNS or (name.endswith("_id") and name not in _KEPT_IDS):
        return "id"
    if name in _DOB_COLUMNS or "birth_date" in name or name.endswith("_dob"):
        return "dob"
    if name in _POSTCODE_COLUMNS or name.endswith("_postcode") or name.endswith("_post"):
        return "postcode"
    return None


def degrade_frame(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    out = frame.copy()
    for column in frame.columns:
        kind = _kind(column)
        if kind == "drop":
            out = out.drop(columns=column)
        elif kind == "id":
            out[column] = [hash_child_id(v, key) for v in frame[column]]
        elif kind == "dob":
            out[column] = pd.Series([month_of_birth(v) for v in frame[column]], index=frame.index, dtype=object)
        elif kind == "postcode":
            out[column] = [postcode_sector(v) for v in frame[column]]
    return out


def write_regional_copy(warehouse: Warehouse, tables: list[tuple[str, str]], output_dir: Path,
                        key: bytes, *, la_code: str = "", as_at: dt.date | None = None,
                        written_at: dt.datetime | None = None) -> dict[str, int]:
    """Each (schema, table) degraded into returns_shared.<schema>__<table> (swapped in whole) and
    <output_dir>/<schema>__<table>.csv (UTF-8, rows sorted, so the same inputs give the same file), then the copy's
    manifest. The old manifest goes first and the new one is written last, so a copy that failed half way has none
    and a hub refuses it rather than combine a mix of two nights. Rows by table."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    warehouse.ensure_schema(SHARED_SCHEMA)
    warehouse.execute(f"DROP TABLE IF EXISTS {quote_ident(SHARED_SCHEMA)}.{quote_ident(MANIFEST_TABLE)}")
    (output_dir / "manifest.json").unlink(missing_ok=True)
    written = {}
    for schema, table in tables:
        frame = degrade_frame(warehouse.query_frame(f"select * from {quote_ident(schema)}.{quote_ident(table)}"), key)
        frame = frame.loc[frame.astype(str).sort_values(list(frame.columns)).index].reset_index(drop=True)
        name = f"{schema}__{table}"
        types = {c: "DATE" if _kind(c) == "dob" else sql_type(t) for c, t in frame.dtypes.items()}
        warehouse.replace_table(SHARED_SCHEMA, name, [frame], types)
        partial = output_dir / f".{name}.csv.partial"
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(frame.columns)
            writer.writerows([["" if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) else v
                               for v in row] for row in frame.itertuples(index=False, name=None)])
        os.replace(partial, output_dir / f"{name}.csv")
        written[name] = len(frame)
    write_manifest(warehouse, output_dir, written, key, la_code=la_code, as_at=as_at, written_at=written_at)
    return written


def write_manifest(warehouse: Warehouse, output_dir: Path, written: dict[str, int], key: bytes, *, la_code: str,
                   as_at: dt.date | None, written_at: dt.datetime | None = None) -> None:
    """returns_shared.copy_manifest and <output_dir>/manifest.json: what this copy holds, for a regional hub."""
    stamp = (written_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    fingerprint = key_fingerprint(key)
    rows = [{"table_name": name, "row_count": count, "la_code": la_code, "written_at": stamp,
             "as_at": as_at.isoformat() if as_at else "", "key_fingerprint": fingerprint}
            for name, count in sorted(written.items())]
    frame = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)).astype({"row_count": "int64"})
    warehouse.replace_table(SHARED_SCHEMA, MANIFEST_TABLE, [frame], MANIFEST_COLUMNS)
    manifest = {"la_code": la_code, "written_at": stamp, "as_at": as_at.isoformat() if as_at else "",
                "key_fingerprint": fingerprint, "tables": dict(sorted(written.items()))}
    partial = Path(output_dir) / ".manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, Path(output_dir) / "manifest.json")
