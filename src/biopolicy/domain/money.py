"""Money and rates. Money is Decimal yuan, never float; a rate is a Decimal fraction (40% -> 0.40)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def parse_money(value: object, field: str) -> Decimal:
    """A non-negative amount of yuan from a decimal string or a JSON number.

    A JSON number arrives as float; its shortest repr ("1200000.5") holds exactly the digits written.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field}：金额应为以元为单位的数字（如 3000000），收到 {value!r}")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f'{field}：金额应为以元为单位的数字（如 "3000000"），收到 {value!r}') from None
    if not amount.is_finite():
        raise ValueError(f"{field}：金额应为有限的数字，收到 {value!r}")
    if amount < 0:
        raise ValueError(f"{field}：金额不能为负数，收到 {value}")
    return amount


def parse_rate(value: object, field: str) -> Decimal:
    """A rate written as "40%" (or a fraction such as "0.4") as a Decimal fraction."""
    text = str(value).strip()
    try:
        rate = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(f'{field}：比例应写成百分数（如 "40%"），收到 {value!r}') from None
    if not (0 <= rate <= 1):
        raise ValueError(f"{field}：比例应在 0% 到 100% 之间，收到 {value!r}")
    return rate


def yuan(amount: Decimal) -> str:
    """20000000 -> '20,000,000元（2000万元）'; small amounts without the 万 form."""
    plain = f"{_trim(amount):,}元"
    if amount >= YI and amount % YI == 0:
        return f"{plain}（{_trim(amount / YI)}亿元）"
    if amount >= WAN:
        return f"{plain}（{_trim(amount / WAN)}万元）"
    return plain


def wan(amount: Decimal) -> str:
    return f"{_trim(amount / WAN)}万元"


def percent(rate: Decimal) -> str:
    return f"{_trim(rate * 100)}%"


def _trim(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def decimal_str(value: Decimal) -> str:
    """The canonical JSON form of money: a plain decimal string."""
    return format(_trim(value), "f")
