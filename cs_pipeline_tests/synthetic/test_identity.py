"""Identifier and calendar helpers against known answers."""
from __future__ import annotations

import datetime as dt
import random

from cs_pipeline.synthetic.identity import (FEMALE_NAMES, MALE_NAMES, SURNAMES, mistype_nhs, new_nhs_number,
                                            nhs_check_digit, nhs_valid, new_upn, upn_check_letter, upn_valid)
from cs_pipeline.synthetic.workdays import WorkCalendar, add_months


def test_nhs_numbers():
    assert nhs_check_digit("943476591") == 9          # NHS Digital's published example 943 476 5919
    assert nhs_valid("9434765919") and not nhs_valid("9434765918")
    r = random.Random(1)
    used: set[str] = set()
    nums = [new_nhs_number(r, used) for _ in range(2000)]
    assert len(set(nums)) == 2000
    assert all(n.startswith("999") and 9990000000 <= int(n) <= 9999999999 and nhs_valid(n) for n in nums)
    assert not any(nhs_valid(mistype_nhs(n, r)) for n in nums)
    assert all(mistype_nhs(n, r).startswith("999") for n in nums)


def test_upn_check_letter():
    from cs_pipeline.lib.upn import upn_check_letter as lib_letter

    # 8*2+2*3+0*4+2*5+0*6+0*7+1*8+0*9+1*10+0*11+0*12+1*13 = 63; 63 % 23 = 17 -> U (alphabet without I, O, S)
    assert upn_check_letter("820200101001") == "U"
    assert all(upn_check_letter(b) == lib_letter("A" + b) for b in ("211201516123", "999000000000", "123456789012"))
    r = random.Random(2)
    upns = [new_upn(r, "211", 2015) for _ in range(500)]
    assert all(upn_valid(u) and u[1:4] == "211" for u in upns)
    assert not any(u[0] in "IOS" for u in upns)


def test_names_survive_windows_1252():
    for name in list(MALE_NAMES) + list(FEMALE_NAMES) + list(SURNAMES):
        name.encode("cp1252")
    assert "Zoë" in FEMALE_NAMES and "Siân" in FEMALE_NAMES
    assert {"Bill", "Will"} <= set(MALE_NAMES["William"]) and "Beth" in FEMALE_NAMES["Elizabeth"]


def test_working_day_worked_examples():
    cal = WorkCalendar(dt.date(2024, 1, 1), dt.date(2027, 12, 31))
    o = dt.date.toordinal
    d = dt.date.fromordinal
    assert d(cal.add_wd(o(dt.date(2025, 12, 19)), 20)) == dt.date(2026, 1, 21)
    assert d(cal.add_wd(o(dt.date(2025, 4, 14)), 15)) == dt.date(2025, 5, 8)
    assert d(cal.add_wd(o(dt.date(2025, 5, 1)), 45)) == dt.date(2025, 7, 7)
    assert d(cal.add_wd(o(dt.date(2025, 8, 22)), 1)) == dt.date(2025, 8, 26)
    assert d(cal.add_wd(o(dt.date(2025, 3, 1)), 1)) == dt.date(2025, 3, 3)
    assert cal.wd_between(o(dt.date(2025, 5, 1)), o(dt.date(2025, 7, 7))) == 45
    assert d(add_months(o(dt.date(2025, 11, 30)), 3)) == dt.date(2026, 2, 28)
    assert d(add_months(o(dt.date(2025, 8, 31)), 3)) == dt.date(2025, 11, 30)
