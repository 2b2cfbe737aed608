"""NHS numbers: normalisation, Modulus 11 validation and the numbers that pass it but are not real.

An NHS number is 10 digits; the 10th is a Modulus 11 check digit over the first nine (weights 10..2).
Extracts carry spaces, dashes, blanks and typos. Three kinds of number pass Modulus 11 but identify nobody:
- placeholders made of one repeated digit (``0000000000``, ``1111111111``...),
- ``9876543210``, a well-known dummy,
- the 999 range (``999 000 0000`` to ``999 999 9999``), which NHS England reserves for testing: valid in test
  data and fixtures, never a real patient (:func:`is_test_number`).

:func:`valid_nhs_number` returns the normalised number or None, and :func:`valid_nhs_number_sql` gives the same
rule as a SQL expression (DuckDB and PostgreSQL) so set-based stages apply it without per-row Python.
The two are tested against each other.
"""
from __future__ import annotations

import re

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
DUMMY_NUMBERS = frozenset({"9876543210"})
_SEPARATORS = re.compile(r"[\s\-./]")
_TEN_DIGITS = re.compile(r"^[0-9]{10}$")


def normalise(value: object) -> str | None:
    """The 10 digits of an NHS number written with any spacing/dashes, or None if it is not 10 digits."""
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0"):  # a number that went through a spreadsheet as a float
        text = text[:-2]
    digits = _SEPARATORS.sub("", text)
    return digits if _TEN_DIGITS.match(digits) else None


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits; None where the remainder makes the number unusable."""
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def passes_modulus_11(digits: str) -> bool:
    if not _TEN_DIGITS.match(digits):
        return False
    expected = check_digit(digits[:9])
    return expected is not None and expected == int(digits[9])


def is_placeholder(digits: str) -> bool:
    """All one digit (``0000000000``...): passes Modulus 11, means "unknown"."""
    return bool(digits) and len(set(digits)) == 1


def is_test_number(value: object) -> bool:
    """True for the 999 range NHS England keeps for testing (after normalisation)."""
    digits = normalise(value)
    return digits is not None and digits.startswith("999")


def valid_nhs_number(value: object, *, allow_test_numbers: bool = True) -> str | None:
    """The normalised NHS number if it can identify a person, else None.

    Rejected: not 10 digits, failing Modulus 11, placeholders (all one digit), 9876543210, and (with
    ``allow_test_numbers=False``) the 999 test range.
    """
    digits = normalise(value)
    if digits is None or not passes_modulus_11(digits):
        return None
    if is_placeholder(digits) or digits in DUMMY_NUMBERS:
        return None
    if not allow_test_numbers and digits.startswith("999"):
        return None
    return digits


def is_valid(value: object, *, allow_test_numbers: bool = True) -> bool:
    return valid_nhs_number(value, allow_test_numbers=allow_test_numbers) is not None


# -- the same rules in SQL ----------------------------------------------------------------------------------
def normalise_sql(expr: str) -> str:
    """SQL (DuckDB and PostgreSQL) for :func:`normalise`: 10 digits as text, else NULL."""
    stripped = f"regexp_replace(regexp_replace(trim(CAST({expr} AS TEXT)), '\\.0$', ''), '[[:space:]./-]', '', 'g')"
    return f"(CASE WHEN {stripped} ~ '^[0-9]{{10}}$' THEN {stripped} END)"


def valid_nhs_number_sql(expr: str, *, allow_test_numbers: bool = True, normalised: bool = False) -> str:
    """SQL (DuckDB and PostgreSQL) for :func:`valid_nhs_number`: the normalised number, or NULL.

    ``normalised=True`` says ``expr`` already holds :func:`normalise_sql`'s result (10 digits or NULL), so a
    query that has computed it once does not repeat the regular expressions for every digit.
    """
    n = expr if normalised else normalise_sql(expr)
    weighted = " + ".join(f"{w} * CAST(substr({n}, {i + 1}, 1) AS INTEGER)" for i, w in enumerate(WEIGHTS))
    # (11 - r) % 11 is the check digit, 0 for r = 0 and 10 (no valid number) for r = 1, which no digit equals
    conditions = [
        f"{n} IS NOT NULL",
        f"(11 - ({weighted}) % 11) % 11 = CAST(substr({n}, 10, 1) AS INTEGER)",
        f"{n} <> repeat(substr({n}, 1, 1), 10)",
        "{n} NOT IN ({dummies})".format(n=n, dummies=", ".join(f"'{d}'" for d in sorted(DUMMY_NUMBERS))),
    ]
    if not allow_test_numbers:
        conditions.append(f"substr({n}, 1, 3) <> '999'")
    return f"(CASE WHEN {' AND '.join(conditions)} THEN {n} END)"
