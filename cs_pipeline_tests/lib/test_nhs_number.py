"""NHS number rules, in Python and in SQL (DuckDB and PostgreSQL). Only 999-range test numbers and all-one-digit
placeholders appear here, plus the published dummy 9876543210 the rules must reject."""
from __future__ import annotations

import random

import duckdb
import pytest
import sqlalchemy as sa

from cs_pipeline.lib import nhs_number as nhs
from cs_pipeline_tests.conftest import PG_SERVER

# 999 007 919 -> 9*10 + 9*9 + 9*8 + 0*7 + 0*6 + 7*5 + 9*4 + 1*3 + 9*2 = 335; 335 mod 11 = 5; 11 - 5 = 6.
VALID = "9990079196"
# 999 023 757 -> 90 + 81 + 72 + 0 + 12 + 15 + 28 + 15 + 14 = 327; 327 mod 11 = 8; 11 - 8 = 3.
VALID_2 = "9990237573"


def test_hand_computed_check_digits():
    assert nhs.check_digit(VALID[:9]) == 6
    assert nhs.check_digit(VALID_2[:9]) == 3
    assert nhs.passes_modulus_11(VALID) and nhs.passes_modulus_11(VALID_2)


def test_check_digit_ten_means_no_valid_number():
    # find a 999 prefix whose remainder is 1 (check digit 10): no tenth digit makes it valid
    nine = next(f"999{i:06d}" for i in range(10_000) if nhs.check_digit(f"999{i:06d}") is None)
    assert all(nhs.valid_nhs_number(nine + str(d)) is None for d in range(10))


@pytest.mark.parametrize(
    "text", ["9990079196", "999 007 9196", "999-007-9196", " 999.007.9196 ", "9990079196.0", "999 0079 196"]
)
def test_normalises_spacing_and_punctuation(text):
    assert nhs.normalise(text) == VALID
    assert nhs.valid_nhs_number(text) == VALID


@pytest.mark.parametrize("text", [None, "", "   ", "999007919", "99900791961", "999007919X", "NHS9990079196"])
def test_not_ten_digits_is_none(text):
    assert nhs.normalise(text) is None
    assert nhs.valid_nhs_number(text) is None


@pytest.mark.parametrize("pos", range(10))
def test_any_single_digit_change_fails(pos):
    for d in "0123456789":
        if d == VALID[pos]:
            continue
        changed = VALID[:pos] + d + VALID[pos + 1 :]
        assert nhs.valid_nhs_number(changed) is None, changed


def test_adjacent_transposition_fails():
    for i in range(9):
        if VALID[i] != VALID[i + 1]:
            swapped = VALID[:i] + VALID[i + 1] + VALID[i] + VALID[i + 2 :]
            assert nhs.valid_nhs_number(swapped) is None, swapped


@pytest.mark.parametrize("digit", "0123456789")
def test_all_same_digit_passes_modulus_11_but_is_rejected(digit):
    number = digit * 10
    assert nhs.passes_modulus_11(number)  # the trap: Modulus 11 alone accepts it
    assert nhs.is_placeholder(number)
    assert nhs.valid_nhs_number(number) is None


def test_published_dummy_rejected():
    assert nhs.passes_modulus_11("9876543210")
    assert nhs.valid_nhs_number("9876543210") is None
    assert nhs.valid_nhs_number("987 654 3210") is None


def test_test_range():
    assert nhs.is_test_number(VALID) and nhs.is_test_number("999 023 7573")
    assert not nhs.is_test_number("9999") and not nhs.is_test_number(None)
    assert nhs.valid_nhs_number(VALID, allow_test_numbers=True) == VALID
    assert nhs.valid_nhs_number(VALID, allow_test_numbers=False) is None
    assert nhs.is_valid(VALID) and not nhs.is_valid(VALID, allow_test_numbers=False)


def _sample_values() -> list[str | None]:
    rng = random.Random(11)
    values: list[str | None] = [None, "", "  ", VALID, VALID_2, "999 007 9196", "999-023-7573", "9990079196.0",
                                "9876543210", "0000000000", "9999999999", "12345", "999007919X"]
    for _ in range(300):  # random 999-range numbers: about 1 in 11 valid
        values.append("999" + "".join(rng.choice("0123456789") for _ in range(7)))
    return values


def _python_expected(values, allow):
    return [nhs.valid_nhs_number(v, allow_test_numbers=allow) for v in values]


@pytest.mark.parametrize("allow", [True, False])
def test_sql_matches_python_on_duckdb(allow):
    values = _sample_values()
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    rows = con.execute(f"SELECT {nhs.valid_nhs_number_sql('v', allow_test_numbers=allow)} FROM t ORDER BY i").fetchall()
    assert [r[0] for r in rows] == _python_expected(values, allow)
    assert any(r[0] for r in rows) == allow  # valid numbers in the sample are all 999-range test numbers


@pytest.mark.postgres
def test_sql_matches_python_on_postgres():
    values = _sample_values()
    engine = sa.create_engine(f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg2://')}/postgres")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE TEMP TABLE t (i INTEGER, v TEXT)"))
            conn.execute(sa.text("INSERT INTO t VALUES (:i, :v)"), [{"i": i, "v": v} for i, v in enumerate(values)])
            got = [r[0] for r in conn.execute(sa.text(f"SELECT {nhs.valid_nhs_number_sql('v')} FROM t ORDER BY i"))]
    finally:
        engine.dispose()
    assert got == _python_expected(values, True)
