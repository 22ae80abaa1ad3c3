"""统一社会信用代码 (GB 32100-2015): its shape and its check character.

An 18-character code: 1 registration authority, 2 kind of body, 3–8 administrative division
(GB/T 2260, six digits), 9–17 the organisation's own code, 18 the check character. The alphabet is
the digits and the capital letters without I, O, S, V, Z (31 characters, each worth its index).
The check character is ``31 - (Σ value(cᵢ) × wᵢ mod 31)`` for the first 17 characters with the
weights ``3ⁱ⁻¹ mod 31``; a result of 31 is written 0.

``credit_code_problem`` returns a Chinese message naming the position that is wrong and, for the
check character, what it should be; ``None`` when the code is valid. Pure: no I/O.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(
    pow(3, i, 31) for i in range(17)
)  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
LENGTH = 18
FIELD = "统一社会信用代码"


class CreditCodeError(ValueError):
    """A code that is not a valid 统一社会信用代码; the message is Chinese and names the position."""


def check_character(first17: str) -> str:
    """The check character (18th) of a code whose first 17 characters are ``first17``."""
    if len(first17) != 17 or any(c not in VALUES for c in first17):
        raise ValueError("first17 must be 17 characters of the code alphabet")
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Strip spaces (including full-width ones) and upper-case; the check itself is strict."""
    return "".join(code.split()).replace("\u3000", "").upper()


def credit_code_problem(code: str) -> str | None:
    """What is wrong with ``code`` (a Chinese sentence naming the position), or None when it is valid."""
    if len(code) != LENGTH:
        return f"{FIELD}应为18位，收到{len(code)}位“{code}”"
    for pos, char in enumerate(code, start=1):
        if char not in VALUES:
            if char in "IOSVZ":
                reason = "不使用字母I、O、S、V、Z"
            elif char.isalpha() and char.islower():
                reason = "字母应为大写"
            else:
                reason = "只能是数字或大写字母（不含I、O、S、V、Z）"
            return f"{FIELD}“{code}”第{pos}位“{char}”不合规：{reason}"
    for pos in range(3, 9):
        if not code[pos - 1].isdigit():
            return f"{FIELD}“{code}”第{pos}位“{code[pos - 1]}”不合规：第3至8位是行政区划代码，应为数字"
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"{FIELD}“{code}”第18位（校验码）错误：按前17位应为“{expected}”，收到“{code[17]}”；"
            "若校验码无误，则前17位中有字符录入错误"
        )
    return None


def validate_credit_code(code: str) -> str:
    """The normalised code, or CreditCodeError with the message of ``credit_code_problem``."""
    value = normalise(code)
    problem = credit_code_problem(value)
    if problem is not None:
        raise CreditCodeError(problem)
    return value
