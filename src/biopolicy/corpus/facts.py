"""Facts stated in a clause: money, rates, counts, time limits and ratios.

``extract_facts(text)`` reads every figure in a clause's repaired text, in text order, each with
its exact span (``fact.text == text[fact.start:fact.end]``). The rules layer checks every amount,
rate and ceiling an encoded measure uses against these facts, so the extractor aims to be
complete on the five source documents and conservative elsewhere.

Conventions (see docs/facts.md, section "Facts"):

* ``text`` is the figure only: number(s) and unit, with the parentheses of a bracketed range
  (``（200～1000）万元``). Qualifiers such as 最高不超过 or 以上 are read from the context but are not
  part of the span, so that every item of a list ("1000万元、2000万元") has a span of its own.
* money: value in the currency's base unit (300万元 -> 3000000, unit 元; 1.39万亿美元 -> unit 美元).
  A bare 万/亿 without a currency ("300万的一次性奖励") is money in 元.
* percent: value as written, unit ``%``; 个百分点 is unit ``百分点``.
* duration: unit 工作日, 自然日, 日, 个月, 年, 周 or 小时. A four-digit number before 年 is a year,
  and 月/日 without 个/内 are parts of a date: none of them is a fact.
* count: unit as written (次, 个, 家, 条, 位, 款, ...). Ordinals (第1次), categories (1类, Ⅰ期) and
  document numbers (〔2024〕53号) are not facts. Chinese numerals are read only where the phrase
  makes them a quantity: 两次, or after 每<period>/至少/不少于/... (每季度至少召开一次).
* ratio: ``1:1`` / ``1：1`` -> value a/b, unit ``比例``; ``3倍`` -> value 3, unit ``倍``.
* bound: max for 最高/不超过/不高于/最多/以内/以下/内/不足/不满; min for 不少于/不低于/至少/最低/以上/
  超过/超/达到/突破/起 and for 余/多 after the number; approx for 约/左右/上下. 以上 and 达到 include the
  number, 超过/超 exclude it (民法典 第1259条); FactBound cannot say which, so a min from 超过 is
  still ``min`` and readers that need strictness look at the context. A qualifier before the first
  item of a list governs the whole list ("分别给予最高不超过1000万元、2000万元、3000万元"). A
  qualifier after the figure wins over one before it (达到3000亿美元左右 -> approx).
* Values are ``Decimal``, never float; integral values carry no exponent or trailing zeros.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from biopolicy.domain import Fact, FactBound, FactKind

# --- building blocks -------------------------------------------------------------------------

_ASCII_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

# A number: Arabic digits (half or full width), optional thousands separators, optional decimals.
# It may not start inside a word or another number (GB9706, TOP50, v1.2).
_NUM = r"(?:[0-9０-９]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9０-９]+)(?:[.．][0-9０-９]+)?"
_NUM_START = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ.．_])"

_MULTIPLIERS = {
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "百": Decimal(10) ** 2,
}
# 千 and 百 are multipliers only right before a currency (5千元); elsewhere they are words.
_MULT = r"(?:万亿|千万|百万|亿|万|千(?=元|美元)|百(?=元|美元))"

# unit as written -> (kind, unit recorded in the fact)
_UNITS: dict[str, tuple[FactKind, str]] = {
    "元": (FactKind.money, "元"),
    "美元": (FactKind.money, "美元"),
    "欧元": (FactKind.money, "欧元"),
    "港元": (FactKind.money, "港元"),
    "%": (FactKind.percent, "%"),
    "％": (FactKind.percent, "%"),
    "个百分点": (FactKind.percent, "百分点"),
    "百分点": (FactKind.percent, "百分点"),
    "个工作日": (FactKind.duration, "工作日"),
    "工作日": (FactKind.duration, "工作日"),
    "个自然日": (FactKind.duration, "自然日"),
    "自然日": (FactKind.duration, "自然日"),
    "个月": (FactKind.duration, "个月"),
    "个小时": (FactKind.duration, "小时"),
    "小时": (FactKind.duration, "小时"),
    "天": (FactKind.duration, "日"),
    "日": (FactKind.duration, "日"),
    "周": (FactKind.duration, "周"),
    "年": (FactKind.duration, "年"),
    "倍": (FactKind.ratio, "倍"),
    "人次": (FactKind.count, "人次"),
}
for _u in "次个家条位款项件名人种台套所座例份篇户":
    _UNITS.setdefault(_u, (FactKind.count, _u))

# Longest first so that 个工作日 wins over 个, 美元 over 元 and so on. A few units need context:
# 日 alone is the day of a date (9月4日) unless a time limit follows (30日内); 周 is not 周岁/周年.
_UNIT_PATTERNS = {
    "日": r"日(?=内|以内|之内)",
    "周": r"周(?![岁年])",
    "天": r"天(?!然)",
    "人": r"人(?![民员才工])",
    "名": r"名(?![单录称])",
    "所": r"所(?![需属有在得])",
    "条": r"条(?![件例款])",
    "项": r"项(?![目])",
    "种": r"种(?![植质类子])",
}
_UNIT = (
    "(?:" + "|".join(_UNIT_PATTERNS.get(u, re.escape(u)) for u in sorted(_UNITS, key=len, reverse=True)) + ")"
)

_SP = r"[ \t\u3000\xa0]*"  # layout spaces; the repair removes most of them, we tolerate them
_MORE = r"(?:余|多)"
_SEP = r"[—–\-－～~]{1,2}"
# A bare 万/亿 without currency is money unless a unit of another kind follows (5万平方米, 10万人).
_BARE_MULT_GUARD = r"(?![人个次家条位款项件名种台套所座例份篇户只张吨亩平米公瓦株头支册字元])"

_FIGURE = (
    rf"(?P<num>{_NUM}){_SP}(?P<more>{_MORE})?{_SP}"
    rf"(?:(?P<mult>{_MULT}){_SP}(?P<unit>{_UNIT})?|(?P<unit2>{_UNIT}))"
)

# The leading lookahead lets the engine skip quickly to characters a figure can start with; without
# it every position tries every branch and the corpus takes ten times longer.
_MASTER = re.compile(
    r"(?=[0-9０-９（(一二两三四五六七八九十])(?:"
    + "|".join(
        [
            # 1:1 and 1：1
            rf"(?P<ratio>{_NUM_START}{_NUM}{_SP}[:：]{_SP}{_NUM}(?![0-9０-９]))",
            # （200～1000）万元 — a bracketed range sharing the unit after it
            rf"(?P<paren>[（(]{_SP}{_NUM_START}{_NUM}{_SP}{_SEP}{_SP}{_NUM}{_SP}[）)]{_SP}(?:{_MULT}{_SP})?{_UNIT})",
            # 15%—20%, 1—2次, 200—500万元
            rf"(?P<range>{_NUM_START}{_NUM}{_SP}(?:{_MULT}?{_UNIT}|{_MULT})?{_SP}{_SEP}{_SP}{_NUM}{_SP}{_MORE}?{_SP}(?:{_MULT}{_SP})?{_UNIT}?)",
            # 30、50万元 — bare numbers sharing the unit of the last one
            rf"(?P<shared>{_NUM_START}{_NUM}(?:{_SP}、{_SP}{_NUM})+{_SP}{_MORE}?{_SP}(?:{_MULT}{_SP}{_UNIT}?|{_UNIT}))",
            # one figure
            rf"(?P<single>{_NUM_START}{_FIGURE})",
            # Chinese numerals before a unit (一次, 两次, 三年); kept only where clearly a quantity
            r"(?P<cn>(?<![第一二两三四五六七八九十百千万零〇○])[一二两三四五六七八九十]{1,3}"
            r"(?:个月|次|个|家|条|年|名|位|项|天|周)(?!性|级|类|期|届))",
        ]
    )
    + ")"
)
_FIGURE_RE = re.compile(_FIGURE)
_BARE_MULT_OK = re.compile(_SP + _BARE_MULT_GUARD)
_NUM_RE = re.compile(_NUM)
_UNIT_RE = re.compile(rf"(?P<mult>{_MULT})?{_SP}(?P<unit>{_UNIT})?")

# --- qualifiers --------------------------------------------------------------------------------

# (pattern, bound, how many non-space characters may stand between qualifier and figure)
_PREFIX_QUALIFIERS: list[tuple[str, FactBound, int]] = [
    ("最高不超过", FactBound.max, 16),
    ("最高不高于", FactBound.max, 16),
    ("最多不超过", FactBound.max, 16),
    ("不超过", FactBound.max, 16),
    ("不高于", FactBound.max, 16),
    ("不多于", FactBound.max, 16),
    ("最高", FactBound.max, 16),
    ("最多", FactBound.max, 16),
    ("至多", FactBound.max, 16),
    ("不足", FactBound.max, 2),
    ("不满", FactBound.max, 2),
    ("不少于", FactBound.min, 16),
    ("不低于", FactBound.min, 16),
    ("至少", FactBound.min, 16),
    ("最少", FactBound.min, 16),
    ("最低", FactBound.min, 16),
    ("超过", FactBound.min, 16),
    ("达到", FactBound.min, 2),
    ("突破", FactBound.min, 2),
    ("逾", FactBound.min, 0),
    ("超", FactBound.min, 0),
    ("大约", FactBound.approx, 8),
    # 约 is also part of words (制约, 约定); those are not qualifiers
    ("(?<![制节预契合公条签邀履违集简婉隐])约(?![定束请见谈])", FactBound.approx, 8),
]
_PREFIX_RE = re.compile(
    "(?=[最不至超达突逾大约])(?:"
    + "|".join(f"(?P<q{i}>{p})" for i, (p, _, _) in enumerate(_PREFIX_QUALIFIERS))
    + ")"
)

_SUFFIX_RE = re.compile(
    rf"{_SP}(?:(?P<min>以上|之上|起)|(?P<max>以下|以内|之内|内(?![地容部资销需外涵科])|之下)|(?P<approx>左右|上下))"
)

# Where a qualifier stops reaching: punctuation that ends a phrase. 、 ends it too, except that a
# list item inherits the qualifier of the list head (see _LIST_GAP).
_PHRASE_END = re.compile(r"[，。；：、！？,;:!?（）()“”《》〔〕\[\]【】]")
_LIST_GAP = re.compile(r"\s*(?:、|和|及|以及|与|或)\s*")
_WINDOW = 40
_WHITESPACE = re.compile(r"\s+")

# Context that makes a Chinese numeral a quantity: a frequency (每季度), a floor or ceiling.
_CN_TRIGGER = re.compile(r"每(?:日|天|周|月|季度|季|半年|年度|年)|至少|不少于|不超过|最多|最高|不低于")
_CN_DIRECT_TRIGGER = re.compile(r"(?:分|近|连续|满)$")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass
class _Figure:
    """A figure before its bound is decided."""

    kind: FactKind
    value: Decimal
    value_to: Decimal | None
    unit: str
    start: int
    end: int
    bound: FactBound | None = None  # set when the figure itself says it (余/多)
    group: int = 0  # figures read from one match (a shared-unit list) share a group


# --- public ------------------------------------------------------------------------------------


def extract_facts(text: str) -> list[Fact]:
    """Every figure stated in ``text`` with its position, in text order, without overlaps."""
    figures = list(_scan(text))
    facts: list[Fact] = []
    prev_end = 0
    prev_prefix: FactBound | None = None
    prev_group = -1
    for fig in figures:
        prefix = _prefix_bound(text, max(prev_end, fig.start - _WINDOW), fig.start)
        if prefix is None and facts:
            in_list = fig.group == prev_group or _LIST_GAP.fullmatch(text, prev_end, fig.start)
            if in_list:
                prefix = prev_prefix
        suffix = _suffix_bound(text, fig.end)
        bound = suffix or fig.bound or prefix or FactBound.exact
        facts.append(
            Fact(
                kind=fig.kind,
                value=fig.value,
                value_to=fig.value_to,
                unit=fig.unit,
                bound=bound,
                text=text[fig.start : fig.end],
                start=fig.start,
                end=fig.end,
            )
        )
        prev_end, prev_prefix, prev_group = fig.end, prefix, fig.group
    return facts


# --- scanning ----------------------------------------------------------------------------------


def _scan(text: str) -> Iterator[_Figure]:
    pos = 0
    group = 0
    while (m := _MASTER.search(text, pos)) is not None:
        group += 1
        figures = _interpret(text, m, group)
        if figures is None:
            # The wider reading failed (e.g. a range whose ends disagree): read one figure here.
            single = _FIGURE_RE.match(text, m.start())
            figures = _read_single(text, single, group) if single else None
            end = single.end() if single and figures else m.start() + 1
        else:
            end = m.end()
        if figures:
            yield from figures
        pos = max(end, m.start() + 1)


def _interpret(text: str, m: re.Match[str], group: int) -> list[_Figure] | None:
    kind = m.lastgroup
    if kind == "ratio":
        return _read_ratio(m)
    if kind == "paren":
        return _read_paren(text, m, group)
    if kind == "range":
        return _read_range(text, m, group)
    if kind == "shared":
        return _read_shared(text, m, group)
    if kind == "single":
        return _read_single(text, _FIGURE_RE.match(text, m.start()), group) or []
    if kind == "cn":
        return _read_chinese(text, m, group) or []
    return None


def _read_single(text: str, m: re.Match[str] | None, group: int) -> list[_Figure] | None:
    if m is None:
        return None
    unit_text = m.group("unit") or m.group("unit2")
    mult = m.group("mult")
    if unit_text is None and not _bare_multiplier_ok(text, m.end()):
        return None
    resolved = _resolve(m.group("num"), mult, unit_text, m.start())
    if resolved is None or _is_ordinal(text, m.start()):
        return None
    kind, value, unit = resolved
    bound = FactBound.min if m.group("more") else None
    return [_Figure(kind, value, None, unit, m.start(), m.end(), bound, group)]


def _read_range(text: str, m: re.Match[str], group: int) -> list[_Figure] | None:
    span = m.group("range")
    nums = list(_NUM_RE.finditer(span))
    first_tail = span[nums[0].end() : nums[1].start()]
    last_tail = span[nums[1].end() :]
    first = _UNIT_RE.match(first_tail.strip(" \t\u3000\xa0—–-－～~"))
    last = _UNIT_RE.match(last_tail.strip(" \t\u3000\xa0").lstrip("余多").strip(" \t\u3000\xa0"))
    last_mult, last_unit = last.group("mult"), last.group("unit")
    if last_unit is None and last_mult is None:
        return None
    if last_unit is None and not _bare_multiplier_ok(text, m.end()):
        return None
    first_mult, first_unit = (first.group("mult"), first.group("unit")) if first else (None, None)
    if (first_unit and first_unit != last_unit) or (first_mult and first_mult != last_mult):
        return None  # "5%—10个" is two figures, not a range
    low = _resolve(nums[0].group(), first_mult or last_mult, last_unit, m.start())
    high = _resolve(nums[1].group(), last_mult, last_unit, m.start())
    if low is None or high is None or _is_ordinal(text, m.start()):
        return None
    bound = FactBound.min if "余" in last_tail or "多" in last_tail else None
    return [_Figure(high[0], low[1], high[1], high[2], m.start(), m.end(), bound, group)]


def _read_paren(text: str, m: re.Match[str], group: int) -> list[_Figure] | None:
    span = m.group("paren")
    nums = list(_NUM_RE.finditer(span))
    close = max(span.rfind("）"), span.rfind(")"))
    tail = _UNIT_RE.match(span[close + 1 :].strip(" \t\u3000\xa0"))
    low = _resolve(nums[0].group(), tail.group("mult"), tail.group("unit"), m.start())
    high = _resolve(nums[1].group(), tail.group("mult"), tail.group("unit"), m.start())
    if low is None or high is None:
        return None
    return [_Figure(high[0], low[1], high[1], high[2], m.start(), m.end(), None, group)]


def _read_shared(text: str, m: re.Match[str], group: int) -> list[_Figure] | None:
    span = m.group("shared")
    nums = list(_NUM_RE.finditer(span))
    tail = span[nums[-1].end() :].strip(" \t\u3000\xa0")
    more = tail[:1] in ("余", "多")
    unit_m = _UNIT_RE.match(tail.lstrip("余多").strip(" \t\u3000\xa0"))
    mult, unit_text = unit_m.group("mult"), unit_m.group("unit")
    if unit_text is None and not _bare_multiplier_ok(text, m.end()):
        return None
    if _is_ordinal(text, m.start()):
        return None
    figures = []
    for i, num in enumerate(nums):
        resolved = _resolve(num.group(), mult, unit_text, m.start())
        if resolved is None:
            return None
        start = m.start() + num.start()
        end = m.end() if i == len(nums) - 1 else m.start() + num.end()
        bound = FactBound.min if more else None
        kind, value, unit = resolved
        figures.append(_Figure(kind, value, None, unit, start, end, bound, group))
    return figures


def _read_ratio(m: re.Match[str]) -> list[_Figure] | None:
    left, right = (
        Decimal(n.group().replace(",", "").translate(_ASCII_DIGITS)) for n in _NUM_RE.finditer(m.group())
    )
    if right == 0:
        return []
    return [_Figure(FactKind.ratio, _clean(left / right), None, "比例", m.start(), m.end())]


def _read_chinese(text: str, m: re.Match[str], group: int) -> list[_Figure] | None:
    span = m.group("cn")
    unit_text = span.lstrip("一二两三四五六七八九十")
    numeral = span[: len(span) - len(unit_text)]
    value = _chinese_number(numeral)
    if value is None:
        return None
    before = text[max(0, m.start() - _WINDOW) : m.start()]
    cut = _last_phrase_end(before)
    window = before[cut:]
    kind, unit = _UNITS[unit_text]
    clear = (
        (numeral == "两" and unit_text == "次")
        or _CN_TRIGGER.search(window)
        or _CN_DIRECT_TRIGGER.search(window)
        or (kind is FactKind.duration and _SUFFIX_RE.match(text, m.end()) is not None)
    )
    if not clear:
        return None
    return [_Figure(kind, Decimal(value), None, unit, m.start(), m.end(), None, group)]


# --- helpers -----------------------------------------------------------------------------------


def _resolve(
    num: str, mult: str | None, unit_text: str | None, start: int
) -> tuple[FactKind, Decimal, str] | None:
    """Kind, value and unit of a number with its multiplier and unit; None if it is no fact."""
    try:
        value = Decimal(num.replace(",", "").translate(_ASCII_DIGITS).replace(",", ""))
    except InvalidOperation:
        return None
    if unit_text is None:
        kind, unit = FactKind.money, "元"  # 300万 without 元 is still money in these texts
    else:
        kind, unit = _UNITS[unit_text]
        if unit == "年" and mult is None and _looks_like_year(value, num):
            return None
    if mult:
        value *= _MULTIPLIERS[mult]
        if kind not in (FactKind.money, FactKind.count):
            return None  # 5万% or 3万年 is not something these texts say
    return kind, _clean(value), unit


def _looks_like_year(value: Decimal, num: str) -> bool:
    # 2025年 is a year, 3年 a duration. Four-digit numbers before 年 are years in these texts.
    return len(num.split(".")[0]) == 4 and "." not in num


def _bare_multiplier_ok(text: str, end: int) -> bool:
    """A bare 万/亿 (no currency) is money unless a unit of another kind follows."""
    return _BARE_MULT_OK.match(text, end) is not None


def _is_ordinal(text: str, start: int) -> bool:
    return text[max(0, start - 8) : start].rstrip(" \t\u3000\xa0").endswith("第")


def _clean(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def _chinese_number(numeral: str) -> int | None:
    if numeral in _CN_DIGITS:
        return _CN_DIGITS[numeral]
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        if (tens and tens not in _CN_DIGITS) or (units and units not in _CN_DIGITS) or "十" in units:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return None


def _last_phrase_end(window: str) -> int:
    cut = 0
    for p in _PHRASE_END.finditer(window):
        cut = p.end()
    return cut


def _prefix_bound(text: str, lo: int, start: int) -> FactBound | None:
    """The bound a qualifier before the figure sets (最高不超过 …), if one reaches it."""
    # Layout whitespace may split a qualifier (不\n超过) or sit in the gap; it means nothing here.
    window = _WHITESPACE.sub("", text[lo:start])
    window = window[_last_phrase_end(window) :]
    best: FactBound | None = None
    for q in _PREFIX_RE.finditer(window):
        _, bound, reach = _PREFIX_QUALIFIERS[int(q.lastgroup[1:])]
        if len(window) - q.end() <= reach:
            best = bound  # the closest qualifier that reaches wins
    return best


def _suffix_bound(text: str, end: int) -> FactBound | None:
    m = _SUFFIX_RE.match(text, end)
    if m is None:
        return None
    return FactBound(m.lastgroup)
