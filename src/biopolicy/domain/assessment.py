"""What the engine answers: for each event and measure, whether it applies, how much, and why."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_serializer

from biopolicy.domain.money import decimal_str


class Eligibility(StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


# What kind of figure an amount is; the rule language writes the same kinds (rules.schema re-exports
# them). No docstring: the schemas' descriptions are the Chinese ones of rules/jsonschema.py.
class AmountKind(StrEnum):
    exact = "exact"  # a fixed figure or an exact rate: 给予300万元 / 按5%奖励
    at_most = "at_most"  # 最高不超过: a ceiling, with or without a rate of a base
    at_least = "at_least"  # 不少于: a floor
    unknown = "unknown"  # 按有关规定 / 按年度申报指南: no number can be worked out
    top_up = "top_up"  # 补足至: the difference up to an amount, net of named measures (rules only)
    waiver = "waiver"  # 免收: a fee not charged; the amount spared is the fee itself (`base`)


class OverlapKind(StrEnum):
    highest_only = "highest_only"  # 就高从优不重复: the highest of the group for one achievement
    excludes = "excludes"  # 不重复享受: one of the group per subject, the first paid


class OverlapResult(StrEnum):  # how a declared overlap was settled for one side
    won = "won"  # the highest of the group: it counts
    lost = "lost"  # another side is higher: this one pays nothing
    unresolved = "unresolved"  # a side has no figure worked out from facts: both shown, settled at review
    excluded = "excluded"  # the subject already had another of the group: not enjoyed twice


class StepCode(StrEnum):
    """What one step of the trace records; services/wording.py words each one in Chinese."""

    # judge: who, where, when, conditions
    applicant_kind = "applicant_kind"  # not for this kind of applicant: kinds, actual
    place = "place"  # not for this place: places, where
    before_window = "before_window"  # event before the measure applies: date, from
    after_window = "after_window"  # event after the measure ended: date, to
    in_window = "in_window"  # event within the window: date, from, to (either may be null)
    no_window = "no_window"  # the text states no window: date
    condition_failed = "condition_failed"  # a condition does not hold: failing
    no_tier = "no_tier"  # a table with no row for the event: labels
    # the figure
    tier = "tier"  # the row of a table that applies: label
    unknown_amount = "unknown_amount"  # 按有关规定: basis, cap
    per_unit = "per_unit"  # value × count: unit, count, per_label, value
    fixed = "fixed"  # a fixed figure: kind, value
    ceiling_only = "ceiling_only"  # only a ceiling stated: cap
    waiver = "waiver"  # 免收: label, value (null when the fee is not given)
    headroom_missing = "headroom_missing"  # label, missing_labels
    headroom_cut = "headroom_cut"  # label, room, from
    headroom_ok = "headroom_ok"  # label, room
    rate_missing = "rate_missing"  # label, kind, rate, ratio, cap (cap: counted at the ceiling)
    rated = "rated"  # label, base, kind, rate, ratio, value
    item_cap_cut = "item_cap_cut"  # cap
    item_cap_ok = "item_cap_ok"  # cap
    # once per product / subject
    once_no_product = "once_no_product"  # scope
    once_already = "once_already"  # scope, key, prior, paid_on, value, event_id
    once_pending = "once_pending"  # scope, event_id, event_date
    once_first = "once_first"  # scope, key
    top_up = "top_up"  # to, already, counted [{measure_id, value}], due
    top_up_at_least = "top_up_at_least"
    # shared ceilings
    cap_cut = "cap_cut"  # cap_id, label, scope, year, amount, taken, from, to
    cap_held_by = "cap_held_by"  # taken, holders [{measure_id, prior, paid_on, event_id, value}]
    cap_at_most = "cap_at_most"  # the room may be larger: the award is at most
    cap_ok = "cap_ok"  # cap_id, label, scope, year, amount, taken
    # overlaps
    overlap_together = "overlap_together"  # overlap_id, excerpt, measures
    overlap_unresolved = (
        "overlap_unresolved"  # overlap_id, excerpt, sides [[{measure_id, kind, value, ceiling_only}]]
    )
    overlap_lost = "overlap_lost"  # overlap_id, excerpt, best [ids], best_total
    overlap_won = "overlap_won"  # overlap_id, excerpt, measures, together, pending, already, net
    overlap_excluded = "overlap_excluded"  # overlap_id, excerpt, earlier [ids]
    # paying
    instalment = "instalment"  # n, year, share, amount
    funding = "funding"  # excerpt, payer
    # a sentence the engine words itself, for the rule shapes added for other cities (dated values,
    # raised ceilings, top-up targets of a share): text. To be given codes of their own.
    worded = "worded"
    note = "note"  # an interpretation note of the rules: text (already Chinese, written by the encoder)


class Step(BaseModel):
    """One step of the explanation: what was decided (code), the values, the clauses that say so.

    The engine sets ``code``, ``values`` and ``clauses``; ``text`` is the Chinese sentence that
    services/wording.py writes from them (empty until then). Values are JSON: money and rates as
    decimal strings, dates ISO, measure / cap / overlap ids as they are in the rules.
    """

    code: StepCode
    values: dict[str, Any] = Field(default_factory=dict)
    clauses: list[str] = Field(default_factory=list)
    text: str = ""


class MissingFact(BaseModel, frozen=True):
    """A fact the case does not give and the answer needs: its path in the case and its label."""

    path: str  # e.g. event.rd_investment, product.registration_class
    label: str  # e.g. 研发投入

    def __str__(self) -> str:
        return f"{self.path}（{self.label}）"


class AmountResult(BaseModel):
    kind: AmountKind  # exact / at_most / at_least / unknown / waiver; a top-up resolves to exact or at_least
    value: Decimal | None = None  # exact: the sum; at_most: the most obtainable; at_least: the floor
    before_caps: Decimal | None = None  # the figure before shared ceilings and overlaps cut it
    ceiling: Decimal | None = None  # unknown amounts: a ceiling the text states, if any

    @field_serializer("value", "before_caps", "ceiling")
    def _money(self, v: Decimal | None) -> str | None:
        return None if v is None else decimal_str(v)


class Instalment(BaseModel):
    year: int
    share: Decimal
    amount: Decimal | None

    @field_serializer("share")
    def _share(self, v: Decimal) -> str:
        return decimal_str(v)

    @field_serializer("amount")
    def _money(self, v: Decimal | None) -> str | None:
        return None if v is None else decimal_str(v)


class OverlapOutcome(BaseModel):
    overlap_id: str
    kind: OverlapKind
    outcome: OverlapResult
    reason: str = ""  # worded by services/wording.py from the overlap step
    with_measures: list[str]
    clauses: list[str]
    together_with: list[str] = Field(default_factory=list)  # measures added to this one as one side


class Entitlement(BaseModel):
    measure_id: str
    measure_title: str
    doc_id: str
    event_id: str
    event_date: str
    planned: bool  # the event is after as_of: what it would bring
    eligibility: Eligibility
    reason: str | None = None  # eligibility no: the failing condition, worded (the step ``failure``)
    failure: Step | None = None  # eligibility no: the failing condition as data
    missing: list[MissingFact] = Field(default_factory=list)  # eligibility unknown: the facts needed
    amount: AmountResult
    clauses: list[str]
    steps: list[Step]
    notes: list[Step] = Field(default_factory=list)  # interpretation notes, shown with the result
    overlap: OverlapOutcome | None = None
    instalments: list[Instalment] = Field(default_factory=list)
    payer: str | None = None  # who pays, where the document names it for the applicant's place


class YearTotal(BaseModel):
    year: int | None  # None: the overall total
    # an unresolved 就高从优 overlap adds one side: the highest maximum and the highest exact figure
    # among its sides (engine/totals.py says how a side without maximum counts)
    exact: Decimal = Decimal(0)  # the sum of exact amounts: what the applicant gets for sure
    max_obtainable: Decimal = Decimal(0)  # exact amounts plus the maxima of at-most amounts
    at_least: Decimal = Decimal(0)  # floors of at-least amounts (no maximum stated)
    unknown_measures: list[str] = Field(default_factory=list)  # amounts no number can be given for, once each
    unresolved_overlaps: list[str] = Field(default_factory=list)  # overlaps left open: one side counted

    @field_serializer("exact", "max_obtainable", "at_least")
    def _money(self, v: Decimal) -> str:
        return decimal_str(v)


class Assessment(BaseModel):
    as_of: str
    rules_version: str
    applicant: str
    covered: bool  # whether any measure of the library covers the applicant's place
    coverage_note: str | None = None
    entitlements: list[Entitlement]
    totals: list[YearTotal]  # per year, then the overall total (year None)
    notes: list[str] = Field(default_factory=list)  # about the whole answer, e.g. ignored prior awards
