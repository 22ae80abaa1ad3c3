"""Rules compiled once per run into functions over columns.

A condition becomes a function of a ``Rows`` view returning three-valued masks (true, unknown;
false is neither); an amount clause becomes integer arrays. Money inside the run is an integer
number of micro-yuan (1/10,000 fen): a fen figure times a rate of at most four decimals (40%, 5%,
12.5%) stays an exact integer, so results equal the per-case engine's Decimals to the last digit.
Anything the compiler cannot express exactly raises ``Unsupported``: that measure's organisations
go to the per-case engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from biopolicy.domain.events import Catalogue
from biopolicy.domain.registration import includes
from biopolicy.engine.batch.groups import all_true, constant, writable
from biopolicy.engine.batch.population import CENTS, Population, storage_of
from biopolicy.rules.schema import All, AmountKind, AmountSpec, AnyOf, CategoryRef, Compare, Condition, Not

MICRO = 1_000_000  # micro-yuan per yuan
PER_CENT = MICRO // CENTS  # micro-yuan per fen (numeric facts are stored in fen)
KINDS = list(AmountKind)  # kind codes: index in this list
K = {k: i for i, k in enumerate(KINDS)}


class Unsupported(Exception):
    """A rule feature the columnar path does not express exactly."""


def micro(amount: Decimal) -> int:
    m = amount * MICRO
    if m != m.to_integral_value():
        raise Unsupported(f"amount {amount} is not a whole number of micro-yuan")
    return int(m)


def rate_e4(rate: Decimal) -> int:
    r = rate * 10_000
    if r != r.to_integral_value():
        raise Unsupported(f"rate {rate} has more than four decimals")
    return int(r)


@dataclass
class Rows:
    """The rows (events of one type) a measure is judged on."""

    pop: Population
    catalogue: Catalogue
    event_type: str
    events: np.ndarray  # event indices
    whole: bool = False  # events is every event of the population, in order: columns are read without a copy

    def take(self, column: np.ndarray) -> np.ndarray:
        """An event column over these rows (the column itself when the rows are every event)."""
        return column if self.whole else column[self.events]

    def fact(self, path: str) -> tuple[str, np.ndarray, np.ndarray]:
        """(storage, values, present) of a fact over these rows."""
        pop, ev = self.pop, self.events
        root, _, name = path.partition(".")
        if root == "event":
            spec = self.catalogue.events[self.event_type].attributes.get(name)
            if spec is None:
                if name == "date":
                    return "day", self.take(pop.event_day), np.ones(len(ev), dtype=bool)
                raise Unsupported(f"fact {path}")
            storage = storage_of(spec.type)
            col = pop.column(name, storage)
            if col is None:
                return storage, np.zeros(len(ev), dtype=np.int64), np.zeros(len(ev), dtype=bool)
            return storage, self.take(col.values), self.take(col.present)
        if root == "product":
            p = self.take(pop.event_product)
            has = p >= 0
            safe = np.where(has, p, 0)
            if name == "type":
                values = pop.product_type[safe] if len(pop.product_type) else np.zeros(len(ev), np.int32)
                return "code", values, has
            if name == "registration_class":
                values = pop.product_class[safe] if len(pop.product_class) else np.full(len(ev), -1)
                return "code", values, has & (values >= 0)
            raise Unsupported(f"fact {path}")
        if root == "applicant":
            org = self.take(pop.event_org)
            arrays = {
                "kind": pop.org_kind,
                "province": pop.org_province,
                "city": pop.org_city,
                "district": pop.org_district,
            }
            if name not in arrays:
                raise Unsupported(f"fact {path}")
            values = arrays[name][org]
            return "code", values, values >= 0
        raise Unsupported(f"fact {path}")


Masks = tuple[np.ndarray, np.ndarray]  # (true, unknown)


def condition(cond: Condition, categories: dict[str, Condition]):
    """A function Rows -> (true, unknown), compiled once."""
    if isinstance(cond, All):
        parts = [condition(c, categories) for c in cond.all]

        def f_all(r: Rows) -> Masks:
            true = np.ones(len(r.events), dtype=bool)
            false = np.zeros(len(r.events), dtype=bool)
            for p in parts:
                t, u = p(r)
                true &= t
                false |= ~t & ~u
            return true, ~true & ~false

        return f_all
    if isinstance(cond, AnyOf):
        parts = [condition(c, categories) for c in cond.any]

        def f_any(r: Rows) -> Masks:
            true = np.zeros(len(r.events), dtype=bool)
            unknown = np.zeros(len(r.events), dtype=bool)
            for p in parts:
                t, u = p(r)
                true |= t
                unknown |= u
            return true, unknown & ~true

        return f_any
    if isinstance(cond, Not):
        inner = condition(cond.not_, categories)

        def f_not(r: Rows) -> Masks:
            t, u = inner(r)
            return ~t & ~u, u

        return f_not
    if isinstance(cond, CategoryRef):
        return condition(categories[cond.category], categories)
    return _compare(cond)


def _compare(c: Compare):
    op, operand = c.operator, c.operand

    within_class = c.fact == "product.registration_class"

    def f(r: Rows) -> Masks:
        storage, values, present = r.fact(c.fact)
        return present & _test(r, storage, values, op, operand, within_class), ~present

    return f


def _test(
    r: Rows, storage: str, values: np.ndarray, op: str, operand: Any, within_class: bool = False
) -> np.ndarray:
    vocab = r.pop.vocab
    if op in ("eq", "ne", "in_", "not_in"):
        if storage != "code":
            raise Unsupported(f"{op} on a {storage} fact")
        ops = operand if isinstance(operand, list) else [operand]
        if within_class:  # a registration class includes its sub-classes: "1" holds for "1.1"
            key = ("classes", tuple(str(o) for o in ops), len(vocab.values))  # the vocabulary only grows
            cache = r.pop._cache
            if key not in cache:
                cache[key] = _class_codes(vocab, ops)
            codes = cache[key]
        else:
            codes = [vocab.find(o) for o in ops]
        hit = _among(values, codes)
        return ~hit if op in ("ne", "not_in") else hit
    if op == "within_years":
        if storage != "day":
            return np.zeros(len(values), dtype=bool)
        day = r.take(r.pop.event_day)
        return (values <= day) & (day <= add_years(values, int(operand)))
    if storage != "num":
        raise Unsupported(f"{op} on a {storage} fact")
    t = Decimal(operand) * CENTS  # the threshold in the stored unit; values are integers
    floor, ceil = int(t.to_integral_value("ROUND_FLOOR")), int(t.to_integral_value("ROUND_CEILING"))
    return {
        "gt": lambda: values > floor,
        "gte": lambda: values >= ceil,
        "lt": lambda: values < ceil,
        "lte": lambda: values <= floor,
    }[op]()


def _among(values: np.ndarray, codes: list[int]) -> np.ndarray:
    """``np.isin`` for a handful of codes: one comparison each, no sort."""
    if len(codes) > 8:
        return np.isin(values, np.array(codes, dtype=np.int64))
    out = np.zeros(len(values), dtype=bool)
    for c in codes:
        out |= values == c
    return out


def _class_codes(vocab, classes: list[Any]) -> list[int]:
    """The codes of every value in the vocabulary a class in ``classes`` includes (itself or a sub-class)."""
    general = [str(c) for c in classes]
    return [
        code
        for (tag, value), code in vocab.codes.items()
        if tag == "s" and any(includes(g, value) for g in general)
    ] or [-2]


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Date ordinals plus whole years; 29 February becomes 28 February where the year has none."""
    d = (days - 719163).astype("datetime64[D]")  # ordinal of 1970-01-01 is 719163
    y = d.astype("datetime64[Y]")
    month = d.astype("datetime64[M]")
    day_in_month = (d - month).astype(np.int64)
    target_month = (y + years).astype("datetime64[M]") + (month - y.astype("datetime64[M]"))
    first = target_month.astype("datetime64[D]")
    out = first + day_in_month
    overflow = out.astype("datetime64[M]") != target_month
    out = np.where(overflow, first + 27, out)
    return out.astype(np.int64) + 719163


# ---------------------------------------------------------------- amounts


@dataclass
class Raw:
    """A measure's figure per row before ceilings and overlaps."""

    kind: np.ndarray  # kind codes
    value: np.ndarray  # micro-yuan
    has: np.ndarray  # value present
    ceiling_only: np.ndarray
    missing: np.ndarray  # some fact the amount needs is missing


def spec_amount(spec: AmountSpec, r: Rows) -> Raw:
    n = len(r.events)
    if (
        spec.per is None
        and spec.effective_rate is not None
        and spec.kind not in (AmountKind.unknown, AmountKind.top_up, AmountKind.waiver)
    ):
        storage, base, present = r.fact(spec.base)
        if storage == "num" and all_true(present):
            # every row has its base: one figure per row; kind, presence and flags are one value each
            value = np.multiply(base, rate_e4(spec.effective_rate), dtype=np.int64)  # micro-yuan
            if spec.cap is not None:
                np.minimum(value, micro(spec.cap), out=value)
            no = constant(False, n, bool)
            raw = Raw(constant(K[spec.kind], n, np.int8), value, constant(True, n, bool), no, no)
            return _headroom(spec, r, raw)
    kind = np.full(n, K[spec.kind], dtype=np.int8)
    value = np.zeros(n, dtype=np.int64)
    has = np.zeros(n, dtype=bool)
    ceiling_only = np.zeros(n, dtype=bool)
    missing = np.zeros(n, dtype=bool)
    raw = Raw(kind, value, has, ceiling_only, missing)
    todo = (
        np.ones(n, dtype=bool) if spec.per is not None else constant(True, n, bool)
    )  # only read if one value
    multiplier = None
    if spec.per is not None:
        storage, counts, present = r.fact(spec.per)
        if storage != "num":
            raise Unsupported("per on a non-numeric fact")
        if np.any(present & (counts % CENTS != 0)):
            raise Unsupported("per on a fractional count")
        missing |= ~present
        kind[~present] = K[AmountKind.unknown]
        todo &= present
        multiplier = counts // CENTS
    if spec.kind in (AmountKind.unknown, AmountKind.top_up):
        return raw
    if spec.kind == AmountKind.waiver:
        _, fee, present = r.fact(spec.base)
        missing |= todo & ~present
        kind[todo & ~present] = K[AmountKind.unknown]
        ok = todo & present
        value[ok] = fee[ok] * PER_CENT
        has |= ok
        return _headroom(spec, r, raw)
    cap = micro(spec.cap) if spec.cap is not None else None
    if spec.effective_rate is not None:
        storage, base, present = r.fact(spec.base)
        if storage != "num":
            raise Unsupported("rate of a non-numeric fact")
        rate = rate_e4(spec.effective_rate)
        np.multiply(base, rate, out=value)  # fen × rate/10,000 = micro-yuan
        if cap is not None:
            np.minimum(value, cap, out=value)
        if multiplier is None and present.all():  # every row has its base: nothing is missing
            has[:] = True
            return _headroom(spec, r, raw)
        gone = todo & ~present
        missing |= gone
        ok = todo & present
        value *= ok
        has |= ok
        if spec.kind == AmountKind.at_most and cap is not None:
            value[gone] = cap
            has |= gone
            ceiling_only |= gone
        else:
            kind[gone] = K[AmountKind.unknown]
        return _headroom(spec, r, raw)
    if spec.value is not None:
        figure = micro(spec.value) * (1 if multiplier is None else multiplier)
        if cap is not None:
            figure = np.minimum(figure, cap)
        value[todo] = figure if multiplier is None else figure[todo]
        has |= todo
        return _headroom(spec, r, raw)
    value[todo] = cap
    has |= todo
    ceiling_only |= todo
    return _headroom(spec, r, raw)


def _headroom(spec: AmountSpec, r: Rows, raw: Raw) -> Raw:
    h = spec.headroom
    if h is None:
        return raw
    facts = [r.fact(p) for p in (h.of, *h.less)]
    if any(s != "num" for s, _, _ in facts):
        raise Unsupported("headroom of a non-numeric fact")
    present = np.logical_and.reduce([p for _, _, p in facts])
    raw.missing = writable(raw.missing)
    raw.missing |= raw.has & ~present
    room = facts[0][1] - sum((v for _, v, _ in facts[1:]), np.zeros(len(r.events), dtype=np.int64))
    room = np.maximum(room, 0) * PER_CENT
    ok = raw.has & present
    raw.value[ok] = np.minimum(raw.value[ok], room[ok])
    return raw
