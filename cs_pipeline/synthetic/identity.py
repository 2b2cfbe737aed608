"""Synthetic identities: names (with nicknames), NHS numbers (999 test range only), UPNs, postcodes.

Nothing here can be a real person's identifier: NHS numbers all start 999 (the NHS test range, 999 000 0000 to
999 999 9999) and pass Modulus 11 unless deliberately mistyped; UPNs use a fictitious establishment range.
All names are encodable in Windows-1252 so a cp1252 delivery can carry them.
"""
from __future__ import annotations

import random

from cs_pipeline.lib.nhs_number import check_digit as nhs_check_digit, passes_modulus_11

# first name -> nicknames a health record might carry instead
MALE_NAMES: dict[str, tuple[str, ...]] = {
    "Oliver": ("Olly", "Ollie"), "Harry": (), "Jack": (), "George": (), "Noah": (), "Charlie": (),
    "Jacob": ("Jake",), "Alfie": (), "Freddie": ("Fred",), "Oscar": (), "Leo": (), "Logan": (),
    "Thomas": ("Tom", "Tommy"), "James": ("Jim", "Jamie"), "William": ("Bill", "Will", "Billy"),
    "Joshua": ("Josh",), "Samuel": ("Sam", "Sammy"), "Daniel": ("Dan", "Danny"), "Joseph": ("Joe", "Joey"),
    "Benjamin": ("Ben", "Benny"), "Matthew": ("Matt",), "Alexander": ("Alex", "Xander"),
    "Edward": ("Ed", "Eddie", "Ted"), "Henry": ("Harry", "Hal"), "Michael": ("Mike", "Mikey"),
    "Christopher": ("Chris",), "Nathan": ("Nate",), "Ryan": (), "Dylan": (), "Ethan": (), "Mason": (),
    "Tyler": (), "Kai": (), "Riley": (), "Lewis": ("Lew",), "Callum": ("Cal",), "Mohammed": ("Mo",),
    "Muhammad": ("Mo",), "Ibrahim": (), "Yusuf": (), "Adam": (), "Zain": (), "Ayaan": (), "Abdul": (),
    "Rahim": (), "Arjun": (), "Kofi": (), "Tobi": (), "Kwame": (), "Reuben": (), "Seán": ("Sean",),
    "José": ("Jose",), "Stanley": ("Stan",), "Robert": ("Rob", "Bob", "Bobby"), "Anthony": ("Tony",),
    "Frederick": ("Fred", "Freddie"), "Nicholas": ("Nick", "Nicky"), "Jonathan": ("Jon", "Jonny"),
    "Ahmed": (), "Omar": (), "Hamza": (), "Bilal": (), "Dawit": (), "Tesfay": (), "Samir": (),
}
FEMALE_NAMES: dict[str, tuple[str, ...]] = {
    "Olivia": ("Liv", "Livvy"), "Amelia": ("Millie", "Amy"), "Isla": (), "Ava": (), "Mia": (), "Lily": (),
    "Sophia": ("Sophie",), "Grace": (), "Ella": (), "Poppy": (), "Freya": (), "Evie": (), "Ivy": (),
    "Elizabeth": ("Beth", "Liz", "Lizzie", "Eliza"), "Katherine": ("Kate", "Katie", "Kathy"),
    "Margaret": ("Maggie", "Meg", "Peggy"), "Victoria": ("Vicky", "Tori"), "Rebecca": ("Becky", "Becca"),
    "Jessica": ("Jess", "Jessie"), "Abigail": ("Abi", "Abby"), "Charlotte": ("Lottie", "Charlie"),
    "Eleanor": ("Ellie", "Nell"), "Samantha": ("Sam", "Sammy"), "Alexandra": ("Alex", "Lexi"),
    "Hannah": (), "Emily": ("Em",), "Chloe": (), "Chloë": ("Chloe",), "Zoë": ("Zoe",), "Siân": ("Sian",),
    "Renée": ("Renee",), "Anaïs": ("Anais",), "Aoife": (), "Niamh": (), "Amira": (), "Ayesha": (),
    "Fatima": (), "Maryam": (), "Aisha": (), "Zara": (), "Hafsa": (), "Sadia": (), "Nusrat": (),
    "Priya": (), "Ananya": (), "Amara": (), "Adaeze": (), "Chidinma": (), "Precious": (), "Jasmine": ("Jas",),
    "Jade": (), "Megan": ("Meg",), "Lauren": (), "Courtney": (), "Shannon": (), "Kayla": (), "Leah": (),
    "Scarlett": (), "Ruby": (), "Daisy": (), "Florence": ("Flo", "Florrie"), "Matilda": ("Tilly",),
}
SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Khan", "Ali", "Ahmed", "Hussain", "Begum", "Miah", "Uddin", "Rahman", "Islam", "Chowdhury",
    "Hossain", "Akhtar", "Bibi", "Shah", "Singh", "Kaur", "Sharma", "Okafor", "Adeyemi", "Mensah", "Owusu",
    "Asante", "Mohamed", "Abdi", "Yusuf", "Haile", "Tesfaye", "Nguyen", "Tran", "Kowalski", "Nowak",
    "Murphy", "O'Brien", "O'Connor", "McCarthy", "Kelly", "Doyle", "Martin", "Harris", "Lewis", "Walsh",
    "Edwards", "Hughes", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Young", "Mitchell", "Phillips", "Campbell", "Anderson", "Bell",
    "Parker", "Bennett", "Carter", "Collins", "Cook", "Rogers", "Powell", "Price", "Richards", "Shaw",
    "Simpson", "Watson", "Ellis", "Francis", "Gray", "Hunt", "Jenkins", "Lloyd", "Mason", "Palmer", "Reid",
    "Russell", "Stewart", "Webb", "Wells", "Fox", "Barker", "Marsh", "Holmes", "Kennedy", "Mills",
    "Smith-Jones", "Ahmed-Khan", "Taylor-Brown", "Hall-Evans", "Brontë", "Müller", "Núñez", "García",
    "Ferreira", "Da Silva", "D'Souza", "Lefèvre", "Sørensen", "Çelik", "Öztürk", "Ní Bhriain",
)
FEMALE_LIST = tuple(FEMALE_NAMES)
MALE_LIST = tuple(MALE_NAMES)
NICKNAMES: dict[str, tuple[str, ...]] = {**{k: v for k, v in MALE_NAMES.items() if v},
                                         **{k: v for k, v in FEMALE_NAMES.items() if v}}


def nhs_valid(number: str) -> bool:
    """Modulus 11 over the digits of a number written with any separators."""
    return passes_modulus_11("".join(c for c in number if c.isdigit()))


def new_nhs_number(rng: random.Random, used: set[str]) -> str:
    """A valid NHS number from the 999 test range, unique within ``used``."""
    while True:
        nine = "999" + f"{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(nine)
        if check is None:
            continue
        num = nine + str(check)
        if len(set(num)) == 1 or num in used:
            continue
        used.add(num)
        return num


def mistype_nhs(number: str, rng: random.Random) -> str:
    """Change one digit after the 999 prefix; a single changed digit always fails Modulus 11."""
    pos = rng.randrange(3, 10)
    old = number[pos]
    new = rng.choice([c for c in "0123456789" if c != old])
    out = number[:pos] + new + number[pos + 1:]
    assert not nhs_valid(out)
    return out


PLACEHOLDER_NHS = ("9999999999", "0000000000")

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O, S


def upn_check_letter(twelve: str) -> str:
    """DfE UPN check letter: digits 2-13 weighted by their position (2..13), sum mod 23 -> letter."""
    total = sum(int(c) * w for c, w in zip(twelve, range(2, 14)))
    return UPN_LETTERS[total % 23]


def new_upn(rng: random.Random, la_code: str, admission_year: int) -> str:
    establishment = f"{rng.randrange(2000, 2999):04d}"  # LA-maintained primary range, fictitious numbers
    body = f"{la_code}{establishment}{admission_year % 100:02d}{rng.randrange(1000):03d}"
    return upn_check_letter(body) + body


def next_upn(upn: str) -> str:
    """The UPN with the next serial number (its last three digits, wrapping at 1000), check letter recomputed."""
    body = upn[1:-3] + f"{(int(upn[-3:]) + 1) % 1000:03d}"
    return upn_check_letter(body) + body


def upn_valid(upn: str) -> bool:
    return len(upn) == 13 and upn[1:].isdigit() and upn[0] == upn_check_letter(upn[1:])


_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# outward codes for LA 211 (Tower Hamlets) and neighbours; placements out of area use other districts
HOME_OUTWARDS = ("E1", "E1W", "E2", "E3", "E14", "E14", "E1", "E3", "E2", "E5", "E8", "E9", "E10", "E15", "E16")
AWAY_OUTWARDS = ("RM7", "IG1", "CM2", "SS1", "DA1", "ME4", "BN2", "TN1", "KT1", "CR0", "SE18", "N17", "MK9", "LU1",
                 "CO1", "IP4", "NR2", "B12", "M14", "LS9", "CT9", "PO1")


def postcode(rng: random.Random, outwards=HOME_OUTWARDS) -> str:
    out = outwards[rng.randrange(len(outwards))]
    return f"{out} {rng.randrange(1, 10)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"


STREETS = ("Commercial Road", "Roman Road", "Mile End Road", "Bow Road", "Cable Street", "Brick Lane",
           "Whitechapel Road", "Burdett Road", "East India Dock Road", "Bethnal Green Road", "Globe Road",
           "Westferry Road", "Manchester Road", "Old Ford Road", "Grove Road", "Stepney Way", "Jubilee Street")


def typo(name: str, rng: random.Random) -> str:
    """One keyboard-style slip: swap two neighbours, drop, double or replace a letter."""
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        out = name[:i] + name[i + 1] + name[i] + name[i + 2:]
    elif kind == 1:
        out = name[:i] + name[i + 1:]
    elif kind == 2:
        out = name[:i] + name[i] + name[i:]
    else:
        out = name[:i] + rng.choice("aeiourstn") + name[i + 1:]
    return out if out != name else name[:i] + name[i + 1:]


class FastRandom(random.Random):
    """random.Random with cheaper integer draws for the per-child loops (one ``random()`` call each).

    The tiny float bias (< 2**-50) is irrelevant here; sequences stay deterministic for a seed.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


# The NHS test range 999 000 0000 - 999 999 9999 has one million 9-digit stems (~909,000 valid numbers).
# Children who are ever looked after (the ones with health records) get numbers from a block of stems
# reserved for their unit, so they are unique across up to CLA_BLOCKS units (England is 150); other children
# draw from a shared block, unique within their unit.
OTHER_STEMS = 200_000
CLA_BLOCKS = 200
CLA_BLOCK_SIZE = (1_000_000 - OTHER_STEMS) // CLA_BLOCKS


def _valid_numbers(stems, rng) -> list[str]:
    import numpy as np

    stems = np.asarray(stems, dtype=np.int64)
    total = np.full(stems.shape, 9 * 10 + 9 * 9 + 9 * 8, dtype=np.int64)
    rest = stems.copy()
    for w in (2, 3, 4, 5, 6, 7):
        total += (rest % 10) * w
        rest //= 10
    check = 11 - total % 11
    check[check == 11] = 0
    ok = check != 10
    nums = (9_990_000_000 + stems * 10 + check)[ok]
    nums = nums[nums != 9_999_999_999]
    rng.shuffle(nums)
    return [str(int(n)) for n in nums]


class NhsPool:
    def __init__(self, unit: int, np_rng):
        self.rng = np_rng
        block = unit % CLA_BLOCKS
        self._cla_stems = range(OTHER_STEMS + block * CLA_BLOCK_SIZE, OTHER_STEMS + (block + 1) * CLA_BLOCK_SIZE)
        self._cla: list[str] | None = None
        self._other: list[str] | None = None

    def cla(self) -> str:
        if self._cla is None:
            self._cla = _valid_numbers(self._cla_stems, self.rng)
        return self._cla.pop()

    def other(self) -> str:
        if self._other is None:
            self._other = _valid_numbers(range(OTHER_STEMS), self.rng)
        return self._other.pop()
