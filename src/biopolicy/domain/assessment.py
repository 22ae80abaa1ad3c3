"""What the engine answers: for each event and measure, whether it applies, how much, and why."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

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


class Step(BaseModel):
    """One sentence of the explanation, with the clauses that say so."""

    text: str
    clauses: list[str] = Field(default_factory=list)


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
    reason: str
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
    reason: str | None = None  # eligibility no: the failing condition
    missing: list[str] = Field(default_factory=list)  # eligibility unknown: the facts needed
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
