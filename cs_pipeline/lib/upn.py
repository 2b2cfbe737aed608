"""Unique Pupil Number (UPN) checks, as DfE specifies them for the school and CIN/CLA returns.

A UPN is 13 characters: a check letter, a 3-digit LA code, a 4-digit establishment number, a 2-digit year and a
3-character serial. The serial's last character is a digit, or a letter for a *temporary* UPN. The check letter
is sum(weight * value) for characters 2-13 with weights 2..13, modulo 23, read from the alphabet without I, O
and S (a letter in position 13 counts as its index in that same alphabet).
"""
from __future__ import annotations

import re

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O, S
_SHAPE = re.compile(rf"^[{UPN_ALPHABET}]\d{{11}}[0-9{UPN_ALPHABET}]$")


def normalise_upn(value: object) -> str:
    """Upper case, spaces removed; '' for missing values."""
    if value is None:
        return ""
    text = str(value)
    if text in {"nan", "None", "NaT"}:
        return ""
    return re.sub(r"\s+", "", text).upper()


def upn_check_letter(upn: str) -> str:
    """The check letter a UPN's characters 2-13 call for."""
    body = normalise_upn(upn)[1:13]
    if len(body) != 12 or not body[:11].isdigit():
        raise ValueError("a UPN body is 11 digits and a digit or letter")
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else UPN_ALPHABET.index(char)
        total += weight * value
    return UPN_ALPHABET[total % 23]


def is_valid_upn(value: object) -> bool:
    """True when the value has a UPN's shape and its check letter matches."""
    upn = normalise_upn(value)
    if not _SHAPE.match(upn):
        return False
    return upn[0] == upn_check_letter(upn)


def upn_problem(value: object) -> str | None:
    """None when valid, else a short reason (never echoes the value)."""
    upn = normalise_upn(value)
    if not upn:
        return "UPN is blank"
    if len(upn) != 13:
        return f"UPN has {len(upn)} characters, not 13"
    if upn[0] not in UPN_ALPHABET:
        return "UPN character 1 is not a check letter (I, O and S are never used)"
    if not upn[1:12].isdigit():
        return "UPN characters 2-12 are not all digits"
    if not (upn[12].isdigit() or upn[12] in UPN_ALPHABET):
        return "UPN character 13 is not a digit or an allowed letter"
    if upn[0] != upn_check_letter(upn):
        return "UPN check letter (character 1) is wrong"
    return None
