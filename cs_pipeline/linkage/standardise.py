"""Person nodes: one row per child per source, with identifiers cleaned the same way on both sides (DuckDB SQL).

Input: the ``src_*`` tables that :mod:`cs_pipeline.linkage.sources` loads. Output tables in the same connection:

- ``person_nodes``: one row per SSD person (``unique_id`` = ``pers_person_id``), with the current postcode;
  ``looked_after`` says whether the person has any CLA episode (the health extract is of looked-after
  children; health nodes carry NULL there). The address history (``postcodes``) comes from
  ``person_addresses`` through :func:`persons_sql`, for the persons that need it;
- ``person_nhs``: every valid NHS number an SSD person carries (``pers_common_child_id`` and NHS Number rows of
  ``ssd_linked_identifiers``), for the deterministic pass;
- ``health_records``: the latest delivery of each health record (``file_kind``, ``record_id``) with its
  ``health_patient_key``;
- ``health_patient_nodes``: one row per distinct normalised identity tuple across health records
  (``unique_id`` = ``health_patient_key``, a hash of the tuple, so it is stable from run to run and review
  decisions keep pointing at the same node).

Cleaning: names lower case, accents stripped, apostrophes dropped (O'Brien -> obrien), hyphens and other
punctuation to spaces; the first forename token carries a list of canonical forms from the nickname table
(``data/nicknames.csv``), so Bill and Will meet at William, and a blocking key (a nickname's single canonical
form, else the name). Dates of birth as DATE; sex ``M``/``F`` (anything else NULL); postcodes upper case with
one space before the inward code, or NULL when not a UK postcode shape, and their sector (``E1 6``); an SSD
person's postcodes are the whole address history, the current one first choice. NHS numbers:
:func:`cs_pipeline.lib.nhs_number.valid_nhs_number_sql` (invalid, placeholder or 9876543210 -> NULL) with the
normalised raw digits kept in ``nhs_number_raw`` for the one-digit-difference comparison. Names and postcodes
are cleaned once per distinct spelling (lookup tables), which keeps a national-scale run fast.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import duckdb

from cs_pipeline.lib.nhs_number import normalise_sql, valid_nhs_number_sql
from cs_pipeline.lib.warehouse import quote_ident
from cs_pipeline.linkage.sources import ALL_TABLES, HEALTH_KINDS

# Columns both node tables share (Splink sees these plus ``sectors``).
NODE_COLUMNS = (
    "unique_id",
    "nhs_number",
    "nhs_number_raw",
    "forename",
    "forename_canons",
    "forename_key",
    "surname",
    "dob",
    "birth_year",
    "sex",
    "postcode",
    "postcode_sector",
    "postcodes",
    "looked_after",
)
SECTORS_SQL = "list_sort(list_distinct(list_transform(postcodes, lambda x: left(x, length(x) - 2))))"


def persons_sql(ids: str | None = None) -> str:
    """``person_nodes`` with ``postcodes``, the address history (computed on demand: only for the persons
    scoring or publishing needs, ``ids`` being a table or query with a ``unique_id`` column; all when None)."""
    only = f"WHERE {{col}} IN (SELECT unique_id FROM {ids})" if ids else ""
    return f"""
        SELECT p.*, h.postcodes
        FROM person_nodes AS p
        LEFT JOIN (
            SELECT person_id, list_sort(list_distinct(list(postcode))) AS postcodes
            FROM person_addresses {only.format(col='person_id')}
            GROUP BY person_id
        ) AS h ON h.person_id = p.unique_id
        {only.format(col='p.unique_id')}
    """


def splink_input_sql(source: str) -> str:
    """SELECT of what Splink compares from a node table (or query) ``source``: the node columns plus
    ``sectors``, the postcode sectors of all known postcodes (computed here, for the rows scoring sees)."""
    return f"SELECT {', '.join(NODE_COLUMNS)}, {SECTORS_SQL} AS sectors FROM {source}"


@lru_cache(maxsize=1)
def nickname_rows() -> tuple[tuple[str, str], ...]:
    text = resources.files("cs_pipeline.linkage").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple((r["nickname"].strip().lower(), r["canonical"].strip().lower()) for r in rows)


def clean_name_sql(expr: str) -> str:
    """Lower case, accents stripped, apostrophes dropped, other non-letters to single spaces; '' -> NULL."""
    lowered = f"lower(strip_accents(CAST({expr} AS VARCHAR)))"
    no_apostrophes = f"regexp_replace({lowered}, '[''`\u2019\u2018]', '', 'g')"
    spaced = f"regexp_replace({no_apostrophes}, '[^a-z]+', ' ', 'g')"
    return f"nullif(trim({spaced}), '')"


def first_token_sql(clean_expr: str) -> str:
    return f"nullif(split_part({clean_expr}, ' ', 1), '')"


def surname_key_sql(clean_expr: str) -> str:
    """Surname for comparison: spaces removed, so Smith-Jones, Smith Jones and SmithJones agree."""
    return f"nullif(replace({clean_expr}, ' ', ''), '')"


def postcode_sql(expr: str) -> str:
    """A UK postcode as ``OUTWARD INWARD`` upper case, or NULL when it is not one."""
    squeezed = f"upper(regexp_replace(CAST({expr} AS VARCHAR), '[^A-Za-z0-9]', '', 'g'))"
    return (
        f"(CASE WHEN regexp_full_match({squeezed}, '^[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}$') "
        f"THEN substr({squeezed}, 1, length({squeezed}) - 3) || ' ' || right({squeezed}, 3) END)"
    )


def postcode_sector_sql(postcode_expr: str) -> str:
    """``E1 6AN`` -> ``E1 6`` (outward code, space, first character of the inward code)."""
    return f"(CASE WHEN {postcode_expr} IS NOT NULL THEN left({postcode_expr}, length({postcode_expr}) - 2) END)"


def sex_sql(expr: str) -> str:
    first = f"upper(left(trim(CAST({expr} AS VARCHAR)), 1))"
    return f"(CASE WHEN {first} IN ('M', 'F') THEN {first} END)"


def date_sql(expr: str) -> str:
    """ISO date or datetime text -> DATE; anything else NULL (validation reports it)."""
    return f"TRY_CAST(left(trim(CAST({expr} AS VARCHAR)), 10) AS DATE)"


def nhs_raw_sql(normalised: str) -> str:
    """From normalised digits: kept even when Modulus 11 fails (for the one-digit comparison); placeholders NULL."""
    return f"(CASE WHEN {normalised} <> repeat(substr({normalised}, 1, 1), 10) THEN {normalised} END)"


def nhs_valid_sql(normalised: str) -> str:
    return valid_nhs_number_sql(normalised, normalised=True)


def _lookup(con: duckdb.DuckDBPyConnection, table: str, sources: list[str], clean: Callable[[str], str]) -> None:
    """``table(raw, clean)`` over the distinct raw values: each spelling is cleaned once, then joined."""
    union = " UNION ".join(sources)
    con.execute(
        f"CREATE OR REPLACE TABLE {quote_ident(table)} AS SELECT raw, {clean('raw')} AS clean "
        f"FROM ({union}) AS u WHERE raw IS NOT NULL"
    )


def build_nodes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Create the node tables in ``con`` from the ``src_*`` tables; returns their row counts."""
    con.execute("CREATE OR REPLACE TABLE nicknames (nickname VARCHAR, canonical VARCHAR)")
    con.executemany("INSERT INTO nicknames VALUES (?, ?)", [list(r) for r in nickname_rows()])
    con.execute(
        """
        CREATE OR REPLACE TABLE nickname_canons AS
        SELECT
            name,
            list_sort(list_distinct(list(canon))) AS canons,
            -- blocking key: the one canonical name of a nickname (Bill -> william); a name itself otherwise
            CASE WHEN count(DISTINCT canon) FILTER (WHERE canon <> name) = 1
                 THEN max(canon) FILTER (WHERE canon <> name) ELSE name END AS key
        FROM (
            SELECT nickname AS name, canonical AS canon FROM nicknames
            UNION ALL SELECT nickname, nickname FROM nicknames
            UNION ALL SELECT canonical, canonical FROM nicknames
        ) AS x
        GROUP BY name
        """
    )
    _lookup(
        con,
        "clean_names",
        ["SELECT pers_forename AS raw FROM src_person", "SELECT pers_surname FROM src_person"]
        + [f"SELECT given_name FROM src_health_{k}" for k in HEALTH_KINDS]
        + [f"SELECT family_name FROM src_health_{k}" for k in HEALTH_KINDS],
        clean_name_sql,
    )
    _lookup(
        con,
        "clean_postcodes",
        [
            "SELECT coalesce(nullif(trim(addr_address_postcode), ''), "
            "try(json_extract_string(addr_address_json, '$.postcode'))) AS raw FROM src_address"
        ]
        + [f"SELECT postcode FROM src_health_{k}" for k in HEALTH_KINDS],
        postcode_sql,
    )

    # -- SSD persons -----------------------------------------------------------------------------------------
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_base AS
        WITH p AS (
            SELECT trim(pers_person_id) AS person_id, pers_forename, pers_surname, pers_dob, pers_sex,
                   {normalise_sql('pers_common_child_id')} AS nhs_norm
            FROM src_person
            WHERE nullif(trim(pers_person_id), '') IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY trim(pers_person_id) ORDER BY _row_key) = 1
        )
        SELECT
            p.person_id,
            fn.clean AS forename_full,
            {first_token_sql('fn.clean')} AS forename,
            sn.clean AS surname_full,
            {date_sql('p.pers_dob')} AS dob,
            {sex_sql('p.pers_sex')} AS sex,
            {nhs_valid_sql('p.nhs_norm')} AS nhs_valid,
            {nhs_raw_sql('p.nhs_norm')} AS nhs_raw
        FROM p
        LEFT JOIN clean_names AS fn ON fn.raw = p.pers_forename
        LEFT JOIN clean_names AS sn ON sn.raw = p.pers_surname
        """
    )
    # NHS Number rows of ssd_linked_identifiers (a minority of persons): the latest valid one counts
    con.execute(
        f"""
        CREATE OR REPLACE TABLE linked_nhs AS
        SELECT person_id, {nhs_valid_sql('nhs_norm')} AS nhs_valid, {nhs_raw_sql('nhs_norm')} AS nhs_raw, valid_from
        FROM (
            SELECT trim(link_person_id) AS person_id, {normalise_sql('link_identifier_value')} AS nhs_norm,
                   {date_sql('link_valid_from_date')} AS valid_from
            FROM src_linked_identifiers
            WHERE regexp_replace(lower(coalesce(link_identifier_type, '')), '[^a-z]', '', 'g') = 'nhsnumber'
        ) AS li
        WHERE {nhs_raw_sql('nhs_norm')} IS NOT NULL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE person_nhs AS
        SELECT person_id, nhs_valid AS nhs_number FROM person_base WHERE nhs_valid IS NOT NULL
        UNION
        SELECT person_id, nhs_valid FROM linked_nhs
        WHERE nhs_valid IS NOT NULL AND person_id IN (SELECT person_id FROM person_base)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_addresses AS
        SELECT
            trim(a.addr_person_id) AS person_id,
            pc.clean AS postcode,
            {date_sql('a.addr_address_start_date')} AS start_date,
            {date_sql('a.addr_address_end_date')} AS end_date
        FROM src_address AS a
        JOIN clean_postcodes AS pc ON pc.raw = coalesce(nullif(trim(a.addr_address_postcode), ''),
                                                       try(json_extract_string(a.addr_address_json, '$.postcode')))
        WHERE pc.clean IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_nodes AS
        WITH linked AS (
            SELECT person_id,
                   arg_max(nhs_valid, coalesce(valid_from, DATE '1900-01-01')) FILTER (WHERE nhs_valid IS NOT NULL)
                       AS nhs_valid,
                   arg_max(nhs_raw, coalesce(valid_from, DATE '1900-01-01')) AS nhs_raw
            FROM linked_nhs
            GROUP BY person_id
        ),
        addr AS (   -- current address: open-ended first, then the latest start
            SELECT person_id,
                   arg_max(postcode, CASE WHEN end_date IS NULL THEN 100000 ELSE 0 END
                                     + coalesce(date_diff('day', DATE '1900-01-01', start_date), 0)) AS postcode
            FROM person_addresses
            GROUP BY person_id
        )
        SELECT
            p.person_id AS unique_id,
            coalesce(p.nhs_valid, linked.nhs_valid) AS nhs_number,
            coalesce(p.nhs_valid, linked.nhs_valid, p.nhs_raw, linked.nhs_raw) AS nhs_number_raw,
            p.forename,
            coalesce(nc.canons, CASE WHEN p.forename IS NOT NULL THEN [p.forename] END) AS forename_canons,
            coalesce(nc.key, p.forename) AS forename_key,
            {surname_key_sql('p.surname_full')} AS surname,
            p.dob,
            year(p.dob) AS birth_year,
            p.sex,
            addr.postcode,
            {postcode_sector_sql('addr.postcode')} AS postcode_sector,
            cla.person_id IS NOT NULL AS looked_after,
            p.forename_full,
            p.surname_full
        FROM person_base AS p
        LEFT JOIN linked ON linked.person_id = p.person_id
        LEFT JOIN addr ON addr.person_id = p.person_id
        LEFT JOIN (SELECT DISTINCT trim(clae_person_id) AS person_id FROM src_cla_episodes) AS cla
            ON cla.person_id = p.person_id
        LEFT JOIN nickname_canons AS nc ON nc.name = p.forename
        """
    )

    # -- health records and patient nodes ---------------------------------------------------------------------
    union = "\nUNION ALL\n".join(
        f"SELECT '{kind}' AS file_kind, * FROM src_health_{kind}" for kind in HEALTH_KINDS
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE health_records_raw AS
        SELECT *
        FROM ({union}) AS h
        WHERE nullif(trim(record_id), '') IS NOT NULL
        QUALIFY row_number() OVER (
            PARTITION BY file_kind, trim(record_id)
            ORDER BY _file_date DESC NULLS LAST, _file DESC, coalesce(TRY_CAST(_row_number AS BIGINT), 0) DESC
        ) = 1
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE health_records_clean AS
        SELECT
            h.file_kind,
            trim(h.record_id) AS record_id,
            h._row_key AS source_row_key,
            {nhs_valid_sql('h.nhs_norm')} AS nhs_valid,
            {nhs_raw_sql('h.nhs_norm')} AS nhs_raw,
            fn.clean AS forename_full,
            sn.clean AS surname_full,
            {date_sql('h.date_of_birth')} AS dob,
            {sex_sql('h.sex')} AS sex,
            pc.clean AS postcode,
            nullif(trim(h.la_child_id), '') AS la_child_id
        FROM (SELECT *, {normalise_sql('nhs_number')} AS nhs_norm FROM health_records_raw) AS h
        LEFT JOIN clean_names AS fn ON fn.raw = h.given_name
        LEFT JOIN clean_names AS sn ON sn.raw = h.family_name
        LEFT JOIN clean_postcodes AS pc ON pc.raw = h.postcode
        """
    )
    key_tuple = (
        "concat_ws('|', coalesce(nhs_raw, ''), coalesce(forename_full, ''), coalesce(surname_full, ''), "
        "coalesce(CAST(dob AS VARCHAR), ''), coalesce(sex, ''), coalesce(postcode, ''), coalesce(la_child_id, ''))"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE health_records AS
        SELECT file_kind, record_id, source_row_key, 'hp_' || left(md5({key_tuple}), 16) AS health_patient_key
        FROM health_records_clean
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE health_patient_nodes AS
        WITH keyed AS (
            SELECT 'hp_' || left(md5({key_tuple}), 16) AS health_patient_key, *
            FROM health_records_clean
        ),
        nodes AS (
            SELECT
                health_patient_key,
                any_value(nhs_valid) AS nhs_valid,
                any_value(nhs_raw) AS nhs_raw,
                any_value(forename_full) AS forename_full,
                any_value(surname_full) AS surname_full,
                any_value(dob) AS dob,
                any_value(sex) AS sex,
                any_value(postcode) AS postcode,
                any_value(la_child_id) AS la_child_id,
                count(*) AS record_count
            FROM keyed
            GROUP BY health_patient_key
        )
        SELECT
            n.health_patient_key AS unique_id,
            n.nhs_valid AS nhs_number,
            n.nhs_raw AS nhs_number_raw,
            {first_token_sql('n.forename_full')} AS forename,
            coalesce(nc.canons, CASE WHEN {first_token_sql('n.forename_full')} IS NOT NULL
                THEN [{first_token_sql('n.forename_full')}] END) AS forename_canons,
            coalesce(nc.key, {first_token_sql('n.forename_full')}) AS forename_key,
            {surname_key_sql('n.surname_full')} AS surname,
            n.dob,
            year(n.dob) AS birth_year,
            n.sex,
            n.postcode,
            {postcode_sector_sql('n.postcode')} AS postcode_sector,
            CASE WHEN n.postcode IS NOT NULL THEN [n.postcode] END AS postcodes,
            CAST(NULL AS BOOLEAN) AS looked_after,
            n.forename_full,
            n.surname_full,
            n.la_child_id,
            n.record_count
        FROM nodes AS n
        LEFT JOIN nickname_canons AS nc ON nc.name = {first_token_sql('n.forename_full')}
        """
    )
    counts = {}
    for table in ("person_nodes", "person_nhs", "health_records", "health_patient_nodes"):
        counts[table] = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]
    # what the node tables were built from is not needed again: free the memory
    for table in [s.local_name for s in ALL_TABLES] + [
        "person_base", "linked_nhs", "health_records_raw", "health_records_clean", "clean_names", "clean_postcodes",
    ]:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
    return counts
