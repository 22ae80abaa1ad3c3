"""统一社会信用代码 (GB 32100-2015): shape and check character, and what a user is told."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from biopolicy.domain.credit_code import (
    ALPHABET,
    WEIGHTS,
    CreditCodeError,
    check_character,
    credit_code_problem,
    validate_credit_code,
)

# 91350100M000100Y43: 9 (市场监管) 1 (企业) 350100 (福州市) M000100Y4 (机构代码) + check 3.
# Worked by hand: values 9,1,3,5,0,1,0,0,21,0,0,0,1,0,0,30,4 times the weights
# 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 sum to 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112
# = 1640; 1640 mod 31 = 28; 31 - 28 = 3.
WORKED = "91350100M000100Y43"


def test_weights_are_the_standard_ones():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(ALPHABET) == 31 and not set("IOSVZ") & set(ALPHABET)


def test_the_worked_example():
    values = [ALPHABET.index(c) for c in WORKED[:17]]
    assert sum(v * w for v, w in zip(values, WEIGHTS, strict=True)) == 1640
    assert check_character(WORKED[:17]) == "3"
    assert credit_code_problem(WORKED) is None


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("91350200MA3123456", "J"),  # 厦门 enterprise
        # 1 (机构编制) 2 (事业单位) 350000 (福建省): 1+6+27+135+420+319+13+16+72+40+150+168 = 1367,
        # 1367 mod 31 = 3, 31 - 3 = 28 → W
        ("12350000MB0123456", "W"),
        ("91350100M000100Y4", "3"),
        # 350203 (思明区): 9+3+27+135+0+52+0+51+420+290 = 987, 987 mod 31 = 26, 31 - 26 = 5
        ("91350203MA0000000", "5"),
    ],
)
def test_check_characters(first17, check):
    assert check_character(first17) == check
    assert credit_code_problem(first17 + check) is None


def test_a_check_sum_of_zero_is_written_zero():
    # find a body whose weighted sum is a multiple of 31: the check is then "0", not ALPHABET[31]
    for n in range(31):
        body = f"913502000000000{n:02d}"
        if body[-1] in ALPHABET and check_character(body) == "0":
            assert credit_code_problem(body + "0") is None
            return
    pytest.fail("no body with check 0 among the 31 tried")


def test_a_wrong_check_character_says_which_and_what_it_should_be():
    message = credit_code_problem("91350200MA31234567")
    assert "第18位" in message and "应为“J”" in message and "收到“7”" in message


def test_one_mistyped_character_is_always_caught():
    # the check detects any single substituted character
    for pos in range(17):
        for c in ALPHABET:
            if c != WORKED[pos] and not (2 <= pos <= 7 and not c.isdigit()):
                assert credit_code_problem(WORKED[:pos] + c + WORKED[pos + 1 :]) is not None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("9135010", "应为18位，收到7位"),
        ("91350100M000100Y433", "应为18位，收到19位"),
        ("91350100O000100Y43", "第9位“O”不合规：不使用字母I、O、S、V、Z"),
        ("9135010-M000100Y43", "第8位“-”不合规"),
        ("9135A100M000100Y43", "第5位“A”不合规：第3至8位是行政区划代码，应为数字"),
    ],
)
def test_shape_problems_name_the_position(code, words):
    assert words in credit_code_problem(code)


def test_validate_normalises_spaces_and_case():
    assert validate_credit_code(" 91350100m000100y43 ") == WORKED
    with pytest.raises(CreditCodeError, match="第18位"):
        validate_credit_code("91350100M000100Y44")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17).filter(lambda s: s[2:8].isdigit()))
def test_every_body_with_its_check_is_valid_and_no_other_check_is(body):
    check = check_character(body)
    assert credit_code_problem(body + check) is None
    assert all(credit_code_problem(body + c) is not None for c in ALPHABET if c != check)
