"""The figure a measure's amount clause gives for one event, before shared ceilings and overlaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from biopolicy.domain.assessment import MissingFact, StepCode
from biopolicy.domain.money import decimal_str, percent, yuan
from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import MISSING, Situation
from biopolicy.rules.schema import DATED_FIELDS, AmountKind, AmountSpec, AmountTable, DatedValues, Measure


@dataclass
class RawAmount:
    kind: AmountKind
    value: Decimal | None = None
    ceiling: Decimal | None = None
    steps: list[tuple[StepCode, dict]] = field(default_factory=list)  # code and values, in order
    missing: list[MissingFact] = field(default_factory=list)
    spec: AmountSpec | None = None
    no_row: list[str] | None = None  # a table with no row for this event: the rows it has
    ceiling_only: bool = False  # the value is a ceiling the text states, not worked out from facts


def compute(measure: Measure, s: Situation) -> RawAmount:
    if isinstance(measure.amount, AmountTable):
        return _table(measure, measure.amount, s)
    spec, said = in_force(measure.amount, measure.changes, s.event.date)
    raw = _spec(spec, s, measure.categories)
    raw.steps[:0] = [(StepCode.worded, {"text": text}) for text in said]
    return raw


def in_force(
    spec: AmountSpec, changes: list[DatedValues], day: date, *, present_only: bool = False
) -> tuple[AmountSpec, list[str]]:
    """The amount with the figures in force on ``day``: every change from on or before it, in date
    order, overrides the figures it states. Shared with reforms (named dated overlays): a change
    made by an overlay (``overlay`` set) applies after the document's own, so a reform's value holds
    from its date whatever the document changed before. ``present_only``: a change sets only the
    figures the spec already has (a reform's rate or ceiling laid over every row of an amount table)."""
    said = []
    for change in sorted(changes, key=lambda c: (c.overlay is not None, c.from_)):
        if change.from_ > day:
            continue
        update = {
            n: getattr(change, n)
            for n in DATED_FIELDS
            if getattr(change, n) is not None and (not present_only or getattr(spec, n) is not None)
        }
        if not update:
            continue
        spec = spec.model_copy(update=update)
        shown = "、".join(_shown(n, v) for n, v in update.items())
        if change.overlay is None:
            said.append(f"自 {change.from_} 起适用新的数值：{shown}")
        elif change.from_ == date.min:
            said.append(f"按改革方案“{change.overlay}”适用的数值：{shown}")
        else:
            said.append(f"按改革方案“{change.overlay}”，自 {change.from_} 起适用的数值：{shown}")
    return spec, said


def change_days(changes: list[DatedValues]) -> list[date]:
    """The days on which the figures in force can change: between two of them, ``in_force`` gives one spec."""
    return sorted({c.from_ for c in changes})


def _shown(name: str, value: Decimal) -> str:
    words = {"value": "金额", "rate": "比例", "cap": "上限", "to": "补足至"}
    return f"{words[name]} {percent(value) if name == 'rate' else yuan(value)}"


def _table(measure: Measure, table: AmountTable, s: Situation) -> RawAmount:
    missing: list[MissingFact] = []
    for row in table.table:
        verdict = evaluate(row.when, s, measure.categories)
        if verdict.holds is None:
            missing.extend(verdict.missing)
        elif verdict.holds and not missing:
            spec, said = in_force(row.amount, measure.changes, s.event.date, present_only=True)
            raw = _spec(spec, s, measure.categories)
            raw.steps[:0] = [(StepCode.worded, {"text": text}) for text in said]
            raw.steps.insert(0, (StepCode.tier, {"label": row.label}))
            return raw
    if missing:
        return RawAmount(AmountKind.unknown, missing=list(dict.fromkeys(missing)))
    return RawAmount(AmountKind.unknown, no_row=[r.label for r in table.table])


def _spec(spec: AmountSpec, s: Situation, categories: dict | None = None) -> RawAmount:
    plain = spec
    spec, said, missing = raised(spec, s, categories or {})
    raw = _figure(spec, s)
    if missing:
        raw, said, missing = _undecided_raise(plain, raw, s, said, missing)
    raw.steps[:0] = [(StepCode.worded, {"text": text}) for text in said]
    raw.missing[:0] = missing
    if spec.headroom is not None and raw.value is not None:
        _headroom(raw, spec.headroom, s)
    return raw


def raised(spec: AmountSpec, s: Situation, categories: dict) -> tuple[AmountSpec, list[str], list[str]]:
    """The spec with its ceiling raised where ``cap_raise`` applies (最高300万元…再提高100万元).

    A condition that cannot be decided (a fact missing) raises the ceiling too, so the result is
    what can at most be obtained; the missing fact is listed.
    """
    up = spec.cap_raise
    if up is None:
        return spec, [], []
    base = spec.cap if spec.cap is not None else spec.value
    verdict = evaluate(up.when, s, categories)
    if verdict.holds is False:
        return spec, [f"不属于“{up.label}”，上限为 {yuan(base)}"], []
    field_name = "cap" if spec.cap is not None else "value"
    higher = spec.model_copy(update={field_name: base + up.by, "cap_raise": None})
    if verdict.holds is None:
        text = f"是否属于“{up.label}”未知，按提高后的上限 {yuan(base)} + {yuan(up.by)} = {yuan(base + up.by)} 计最高可得"
        return higher, [text], list(verdict.missing)
    return higher, [f"属于“{up.label}”，上限 {yuan(base)} 提高 {yuan(up.by)}，为 {yuan(base + up.by)}"], []


def _undecided_raise(
    plain: AmountSpec, high: RawAmount, s: Situation, said: list[str], missing: list
) -> tuple[RawAmount, list[str], list]:
    """A ceiling raise whose condition cannot be decided: the amount is the lower or the raised figure.

    Where both give the same figure (the amount does not exceed the original ceiling), the raise does not
    matter: the result keeps its kind, the text says so, and the fact is not asked for. Where they
    differ, the raised figure is what can at most be obtained: an ``exact`` amount becomes ``at_most``,
    as the step text says (a top-up's undecided target is ``at_most`` likewise, engine/judge.py).
    """
    low = _figure(plain.model_copy(update={"cap_raise": None}), s)
    up = plain.cap_raise
    base = plain.cap if plain.cap is not None else plain.value
    if low.value is not None and low.value == high.value and low.kind == high.kind:
        text = f"是否属于“{up.label}”未知，但金额未超过原上限 {yuan(base)}，上限提高与否不影响金额"
        return low, [text], []
    if high.kind == AmountKind.exact and high.value is not None:
        high.kind = AmountKind.at_most
    return high, said, missing


@dataclass
class TopUpTarget:
    """What a top-up tops up to, before what was already paid is netted."""

    value: Decimal | None  # None: cannot be worked out (a base missing); see missing
    steps: list[str] = field(default_factory=list)
    missing: list[MissingFact] = field(default_factory=list)
    paid_facts: list[tuple[str, Decimal]] = field(default_factory=list)  # (label, amount) another level paid


def top_up_target(spec: AmountSpec, s: Situation, categories: dict | None = None) -> TopUpTarget:
    """The figure a ``top_up`` tops up to: ``to``, or ``rate`` × ``base`` capped at ``cap``; and the
    amounts ``net_of_facts`` say another level already paid (a missing one is asked for)."""
    spec, said, missing = raised(spec, s, categories or {})
    out = TopUpTarget(value=None, steps=list(said), missing=list(missing))
    for path in spec.net_of_facts:
        got = s.get(path)
        if got is MISSING:
            out.missing.append(MissingFact(path=path, label=s.label(path)))
        else:
            out.paid_facts.append((s.label(path), Decimal(got)))
    if spec.to is not None:
        out.value = spec.to
        return out
    base = s.get(spec.base)
    if base is MISSING:
        out.missing.append(MissingFact(path=spec.base, label=s.label(spec.base)))
        if spec.cap is not None:
            out.value = spec.cap
            out.steps.append(f"未提供{s.label(spec.base)}，按上限 {yuan(spec.cap)} 计补足目标的最高值")
        else:
            out.steps.append(f"未提供{s.label(spec.base)}，无法算出补足到 {percent(spec.rate)} 的目标")
        return out
    target = Decimal(base) * spec.rate
    out.steps.append(
        f"补足目标：{s.label(spec.base)} {yuan(Decimal(base))} × {percent(spec.rate)} = {yuan(target)}"
    )
    if spec.cap is not None and target > spec.cap:
        out.steps.append(f"超过上限 {yuan(spec.cap)}，补足目标按上限计 {yuan(spec.cap)}")
        target = spec.cap
    out.value = target
    return out


def _figure(spec: AmountSpec, s: Situation) -> RawAmount:
    raw = RawAmount(spec.kind, spec=spec, ceiling=spec.cap)
    multiplier = Decimal(1)
    if spec.per is not None:
        count = s.get(spec.per)
        if count is MISSING:
            raw.missing.append(MissingFact(path=spec.per, label=s.label(spec.per)))
            raw.kind = AmountKind.unknown
            return raw
        multiplier = Decimal(count)
    if spec.kind == AmountKind.unknown:
        raw.steps.append((StepCode.unknown_amount, {"basis": spec.basis, "cap": _d(spec.cap)}))
        return raw
    if spec.kind == AmountKind.top_up:
        return raw  # worked out against what was already paid, in assess
    if spec.kind == AmountKind.waiver:
        return _waived(spec, s, raw)
    if spec.effective_rate is not None:
        return _rated(spec, s, raw)
    if spec.value is not None:
        raw.value = spec.value * multiplier
        if spec.per is not None:
            raw.steps.append(
                (
                    StepCode.per_unit,
                    {
                        "unit": _d(spec.value),
                        "count": _d(multiplier),
                        "per": spec.per,
                        "per_label": s.label(spec.per),
                        "value": _d(raw.value),
                    },
                )
            )
        else:
            raw.steps.append((StepCode.fixed, {"kind": spec.kind.value, "value": _d(raw.value)}))
        return _capped(raw, spec)
    raw.value = spec.cap  # a ceiling alone: 最高给予600万元
    raw.ceiling_only = True
    raw.steps.append((StepCode.ceiling_only, {"cap": _d(spec.cap)}))
    return raw


def _waived(spec: AmountSpec, s: Situation, raw: RawAmount) -> RawAmount:
    fee = s.get(spec.base)
    if fee is MISSING:
        raw.missing.append(MissingFact(path=spec.base, label=s.label(spec.base)))
        raw.kind = AmountKind.unknown
        raw.steps.append((StepCode.waiver, {"base": spec.base, "label": s.label(spec.base), "value": None}))
        return raw
    raw.value = Decimal(fee)
    raw.steps.append(
        (StepCode.waiver, {"base": spec.base, "label": s.label(spec.base), "value": _d(raw.value)})
    )
    return raw


def _headroom(raw: RawAmount, headroom, s: Situation) -> None:
    values = [s.get(path) for path in (headroom.of, *headroom.less)]
    missing = [p for p, v in zip((headroom.of, *headroom.less), values, strict=True) if v is MISSING]
    if missing:
        raw.missing.extend(MissingFact(path=p, label=s.label(p)) for p in missing)
        raw.steps.append(
            (
                StepCode.headroom_missing,
                {"label": headroom.label, "missing_labels": [s.label(p) for p in missing]},
            )
        )
        return
    room = max(Decimal(values[0]) - sum((Decimal(v) for v in values[1:]), Decimal(0)), Decimal(0))
    if raw.value > room:
        raw.steps.append(
            (StepCode.headroom_cut, {"label": headroom.label, "room": _d(room), "from": _d(raw.value)})
        )
        raw.value = room
    else:
        raw.steps.append((StepCode.headroom_ok, {"label": headroom.label, "room": _d(room)}))


def _rated(spec: AmountSpec, s: Situation, raw: RawAmount) -> RawAmount:
    base = s.get(spec.base)
    rate = spec.effective_rate
    how = {"kind": spec.kind.value, "rate": _d(spec.rate), "ratio": spec.ratio}
    if base is MISSING:
        raw.missing.append(MissingFact(path=spec.base, label=s.label(spec.base)))
        if spec.kind == AmountKind.at_most and spec.cap is not None:
            raw.value = spec.cap
            raw.ceiling_only = True
            raw.steps.append(
                (StepCode.rate_missing, {"label": s.label(spec.base), **how, "cap": _d(spec.cap)})
            )
        else:
            raw.kind = AmountKind.unknown
            raw.steps.append((StepCode.rate_missing, {"label": s.label(spec.base), **how, "cap": None}))
        return raw
    raw.value = Decimal(base) * rate
    raw.steps.append(
        (
            StepCode.rated,
            {
                "base": spec.base,
                "label": s.label(spec.base),
                "amount": _d(Decimal(base)),
                **how,
                "value": _d(raw.value),
            },
        )
    )
    return _capped(raw, spec)


def _capped(raw: RawAmount, spec: AmountSpec) -> RawAmount:
    if spec.cap is None or raw.value is None:
        return raw
    if raw.value > spec.cap:
        raw.steps.append((StepCode.item_cap_cut, {"cap": _d(spec.cap)}))
        raw.value = spec.cap
    else:
        raw.steps.append((StepCode.item_cap_ok, {"cap": _d(spec.cap)}))
    return raw


def _d(value: Decimal | None) -> str | None:
    """A figure as the step records it: a plain decimal string."""
    return None if value is None else decimal_str(value)
