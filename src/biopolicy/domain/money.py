"""Money and rates. Money is Decimal yuan, never float; a rate is a Decimal fraction (40% -> 0.40)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from biopolicy.domain.validation import FieldError

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


MAX_INTEGER_DIGITS = 15  # up to 999万亿元: more than any budget, and exact in every sum we make
MAX_DECIMAL_PLACES = 2  # yuan to the fen (分)
MAX_MONEY_CHARS = 40  # what we read before deciding a string is not an amount at all
MONEY_LIMITS = f"最多 {MAX_INTEGER_DIGITS} 位整数、{MAX_DECIMAL_PLACES} 位小数"


def parse_money(value: object, field: str | tuple[str | int, ...]) -> Decimal:
    """A non-negative amount of yuan from a decimal string or a JSON number, within MONEY_LIMITS.

    A JSON number arrives as float; its shortest repr ("1200000.5") holds exactly the digits written.
    Every door (the API, prior awards, the calculator's form and share links, the CLI) reads money
    here, so "1e400", a 400-digit number, "1e-400", "-0", "NaN" and "Infinity" are refused alike,
    with the field's name and the limits.
    """
    shown = _echo(value)
    if isinstance(value, bool) or value is None or not isinstance(value, str | int | float | Decimal):
        raise FieldError(field, f"金额应为以元为单位的数字（如 3000000），收到 {shown}")
    text = str(value).strip().replace(",", "")
    if len(text) > MAX_MONEY_CHARS:
        raise FieldError(field, f"金额过长（{MONEY_LIMITS}），收到 {shown}")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise FieldError(field, f'金额应为以元为单位的数字（如 "3000000"），收到 {shown}') from None
    if not amount.is_finite():
        raise FieldError(field, f"金额应为有限的数字（{MONEY_LIMITS}），收到 {shown}")
    if amount.is_signed():  # "-0" too: a sign on nothing is a typing slip, never an amount
        raise FieldError(field, f"金额不能为负数，收到 {shown}")
    if amount.is_zero():
        return Decimal(0)
    normal = amount.normalize()
    if normal.adjusted() >= MAX_INTEGER_DIGITS:
        raise FieldError(field, f"金额过大（{MONEY_LIMITS}），收到 {shown}")
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > MAX_DECIMAL_PLACES:
        raise FieldError(field, f"金额最多精确到分（{MONEY_LIMITS}），收到 {shown}")
    return Decimal(format(normal, "f"))  # plain digits: 1E+3 -> 1000


def _echo(value: object) -> str:
    """The value as received, cut short enough to recognise and not to flood a message."""
    shown = repr(value)
    return shown[:MAX_MONEY_CHARS] + "…" if len(shown) > MAX_MONEY_CHARS else shown


def parse_rate(value: object, field: str | tuple[str | int, ...]) -> Decimal:
    """A rate written as "40%" (or a fraction such as "0.4") as a Decimal fraction."""
    text = str(value).strip()
    try:
        rate = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except (InvalidOperation, ValueError):
        raise FieldError(field, f'比例应写成百分数（如 "40%"），收到 {value!r}') from None
    if not (0 <= rate <= 1):
        raise FieldError(field, f"比例应在 0% 到 100% 之间，收到 {value!r}")
    return rate


def yuan_parts(amount: Decimal) -> tuple[str, str | None]:
    """The two halves of :func:`yuan`: (``"80万元"``, ``"800,000元"``); (``"5,000元"``, None) below 1万元.

    Pages that set the 万元 figure large and the exact yuan small beside it use these halves, so
    they read in the same order as the one written form.
    """
    exact = f"{_trim(amount):,}元"
    size = abs(amount)
    if size >= YI and size % YI == 0:
        return f"{_trim(amount / YI)}亿元", exact
    if size >= WAN:
        return f"{_trim(amount / WAN)}万元", exact
    return exact, None


def yuan(amount: Decimal) -> str:
    """The one written form of an amount, as the policy texts state it: 万元 first, the exact yuan
    in brackets. 800000 -> '80万元（800,000元）'; 200000000 -> '2亿元（200,000,000元）';
    5000 -> '5,000元' (below 1万元 no 万 form); fen are kept when not whole yuan ('1,234.5元').
    """
    main, exact = yuan_parts(amount)
    return f"{main}（{exact}）" if exact is not None else main


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
