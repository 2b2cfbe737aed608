"""UPN check letters (DfE algorithm: weights 2..13, modulo 23, alphabet without I, O, S)."""
import pytest

from cs_pipeline.lib.upn import UPN_ALPHABET, is_valid_upn, upn_check_letter, upn_problem


def test_alphabet_has_23_letters_without_i_o_s():
    assert len(UPN_ALPHABET) == 23
    assert not set("IOS") & set(UPN_ALPHABET)


@pytest.mark.parametrize("upn", ["H801200001001", "G80120000101A", "h8012 0000 1001"])
def test_valid_upns_from_dfe_guidance(upn):
    assert is_valid_upn(upn)


@pytest.mark.parametrize(
    "upn, reason",
    [
        ("Z801200001001", "check letter"),
        ("O801200001001", "check letter"),  # O is never a check letter
        ("H80120000100", "12 characters"),
        ("H8012000010A1", "not all digits"),
        ("", "blank"),
        (None, "blank"),
    ],
)
def test_invalid_upns_say_why(upn, reason):
    assert not is_valid_upn(upn)
    assert reason in upn_problem(upn)


def test_check_letter_is_computed_from_characters_2_to_13():
    assert upn_check_letter("?801200001001") == "H"
    # every body has exactly one valid letter
    body = "801200001001"
    assert [c for c in UPN_ALPHABET if is_valid_upn(c + body)] == ["H"]
