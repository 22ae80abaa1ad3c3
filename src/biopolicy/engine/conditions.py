"""Three-valued evaluation of a measure's conditions: holds, fails (and which test), or unknown.

A missing fact never counts as false: the answer is "unknown" and names the facts needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from biopolicy.domain.assessment import MissingFact
from biopolicy.domain.registration import includes
from biopolicy.engine.facts import MISSING, Situation
from biopolicy.rules.schema import All, AnyOf, CategoryRef, Compare, Condition, Not

SYMBOLS = {
    "eq": "为",
    "ne": "不为",
    "in_": "属于",
    "not_in": "不属于",
    "gt": "超过",
    "gte": "达到",
    "lt": "不满",
    "lte": "不超过",
}


@dataclass
class Verdict:
    holds: bool | None  # None: unknown
    why: Callable[[], str] | None = None  # words the failed test; called only when it is shown
    missing: list[MissingFact] = field(default_factory=list)

    @property
    def failing(self) -> str | None:
        """The test that failed, in Chinese."""
        return self.why() if self.why is not None else None


def evaluate(cond: Condition, s: Situation, categories: dict[str, Condition]) -> Verdict:
    if isinstance(cond, All):
        return _all([evaluate(c, s, categories) for c in cond.all])
    if isinstance(cond, AnyOf):
        return _any([evaluate(c, s, categories) for c in cond.any], lambda: describe(cond, s, categories))
    if isinstance(cond, Not):
        inner = evaluate(cond.not_, s, categories)
        if inner.holds is None:
            return inner
        return Verdict(
            not inner.holds, None if inner.holds is False else lambda: describe(cond, s, categories)
        )
    if isinstance(cond, CategoryRef):
        inner = evaluate(categories[cond.category], s, categories)
        if inner.holds is False:
            return inner  # the category's own test says what failed, in Chinese
        return inner
    return _compare(cond, s)


def _all(verdicts: list[Verdict]) -> Verdict:
    for v in verdicts:
        if v.holds is False:
            return v
    missing = [m for v in verdicts for m in v.missing]
    return Verdict(None, missing=_unique(missing)) if missing else Verdict(True)


def _any(verdicts: list[Verdict], description: Callable[[], str]) -> Verdict:
    if any(v.holds for v in verdicts):
        return Verdict(True)
    missing = [m for v in verdicts if v.holds is None for m in v.missing]
    if missing:
        return Verdict(None, missing=_unique(missing))
    return Verdict(False, lambda: f"不满足以下任一条件：{description()}")


def _compare(c: Compare, s: Situation) -> Verdict:
    value = s.get(c.fact)
    if value is MISSING:
        return Verdict(None, missing=[MissingFact(path=c.fact, label=s.label(c.fact))])
    if _test(c, value, s):
        return Verdict(True)
    return Verdict(False, lambda: f"{describe(c, s, {})}；实际为 {s.value_label(c.fact, value)}")


def _test(c: Compare, value: Any, s: Situation) -> bool:
    op, operand = c.operator, c.operand
    # a registration class includes its sub-classes: "1" holds for a TCM 1.1 compound preparation
    same = _within_class if c.fact == "product.registration_class" else _same
    if op == "eq":
        return same(value, operand)
    if op == "ne":
        return not same(value, operand)
    if op == "in_":
        return any(same(value, o) for o in operand)
    if op == "not_in":
        return not any(same(value, o) for o in operand)
    if op == "within_years":
        return isinstance(value, date) and value <= s.event.date <= _add_years(value, operand)
    number = Decimal(str(value))
    return {
        "gt": number > operand,
        "gte": number >= operand,
        "lt": number < operand,
        "lte": number <= operand,
    }[op]


def _same(value: Any, operand: Any) -> bool:
    if isinstance(value, bool) or isinstance(operand, bool):
        return value is operand or value == operand
    return str(value) == str(operand)


def _within_class(value: Any, operand: Any) -> bool:
    return includes(str(operand), str(value))


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def describe(cond: Condition, s: Situation, categories: dict[str, Condition]) -> str:
    """A condition in plain Chinese, for traces and the measure page."""
    label = getattr(cond, "label", None)
    if label:
        return label
    if isinstance(cond, All):
        return "且".join(describe(c, s, categories) for c in cond.all)
    if isinstance(cond, AnyOf):
        return "或".join(describe(c, s, categories) for c in cond.any)
    if isinstance(cond, Not):
        return f"并非（{describe(cond.not_, s, categories)}）"
    if isinstance(cond, CategoryRef):
        # a category is a named condition: word the condition, not its (English) name
        inner = categories.get(cond.category)
        if inner is None:
            return cond.category
        return inner.label or f"（{describe(inner, s, categories)}）"
    if cond.operator == "within_years":
        return f"{s.label(cond.fact)}在成果日期前{cond.operand}年内"
    operand = cond.operand
    if isinstance(operand, list):
        shown = "、".join(s.value_label(cond.fact, o) for o in operand)
    else:
        shown = s.value_label(cond.fact, operand)
    return f"{s.label(cond.fact)}{SYMBOLS[cond.operator]}{shown}"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
