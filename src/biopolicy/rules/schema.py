"""The rule language: measures, their conditions and amounts, shared ceilings and declared overlaps.

A policy analyst writes these as YAML in ``policies/<doc-id>/measures.yaml``; docs/rule-authoring.md
explains every field. The loader validates each file against these models and against the corpus:
every clause cited must exist, every excerpt must stand in a cited clause, and every amount, rate
and ceiling must be among the facts extracted from a cited clause.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    model_validator,
)

from biopolicy.domain.assessment import AmountKind, OverlapKind  # re-exported: rule files name them
from biopolicy.domain.case import ApplicantKind
from biopolicy.domain.money import parse_money, parse_rate

Money = Annotated[Decimal, BeforeValidator(lambda v: parse_money(v, "金额"))]
Rate = Annotated[Decimal, BeforeValidator(lambda v: parse_rate(v, "比例"))]
Scalar = str | int | bool | Decimal | date


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------- conditions


class Compare(_Strict):
    """A test of one fact: ``{fact: event.stage, eq: phase_1}``. Exactly one operator."""

    fact: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: Decimal | None = None
    gte: Decimal | None = None
    lt: Decimal | None = None
    lte: Decimal | None = None
    within_years: int | None = None  # a date fact at most N years before the event's date
    label: str | None = None  # how the trace words it; default from the catalogue's labels

    @model_validator(mode="after")
    def _one_operator(self) -> Compare:
        ops = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError(
                f"条件 {self.fact} 应恰有一个比较运算（{'、'.join(OPERATOR_NAMES)}），收到 {len(ops)} 个"
            )
        return self

    @cached_property
    def operator(self) -> str:
        """Read on every judgement: found once (pydantic keeps cached properties out of the fields)."""
        return next(op for op in OPERATORS if getattr(self, op) is not None)

    @cached_property
    def operand(self) -> Any:
        return getattr(self, self.operator)


OPERATORS = ("eq", "ne", "in_", "not_in", "gt", "gte", "lt", "lte", "within_years")
OPERATOR_NAMES = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "within_years")


class CategoryRef(_Strict):
    """The product or event belongs to a category the measure defines: ``{category: innovative}``."""

    category: str


class All(_Strict):
    all: list[Condition]
    label: str | None = None


class AnyOf(_Strict):
    any: list[Condition]
    label: str | None = None


class Not(_Strict):
    not_: Condition = Field(alias="not")
    label: str | None = None


def _condition_form(data: Any) -> str:
    """Which form a condition takes, from its key, so an error names the one mistake, not five forms."""
    if isinstance(data, dict):
        for key, form in (("all", "All"), ("any", "AnyOf"), ("not", "Not"), ("category", "CategoryRef")):
            if key in data:
                return form
        return "Compare"
    return type(data).__name__


Condition = Annotated[  # recursive alias; the discriminator reads the form from the key present
    Union[  # noqa: UP007
        Annotated[All, Tag("All")],
        Annotated[AnyOf, Tag("AnyOf")],
        Annotated[Not, Tag("Not")],
        Annotated[CategoryRef, Tag("CategoryRef")],
        Annotated[Compare, Tag("Compare")],
    ],
    Discriminator(_condition_form),
]
All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


# ---------------------------------------------------------------- amounts


class Headroom(_Strict):
    """A ceiling worked out from facts: 国家、省、市项目资助总金额不超过项目总投入.

    The award may not exceed ``of`` less the sum of ``less``; a missing fact is listed, not guessed.
    """

    of: str  # e.g. event.total_investment
    less: list[str] = Field(default_factory=list)  # e.g. [event.national_funding, event.other_public_funding]
    label: str  # how the trace words the rule, quoting the text


def parse_ratio(value: object) -> Decimal:
    """ "1:1" (or "1：1") -> 1; the rate a matching ratio pays on its base."""
    text = str(value).replace("：", ":")
    left, sep, right = text.partition(":")
    try:
        if not sep or Decimal(right) == 0:
            raise ValueError
        return Decimal(left) / Decimal(right)
    except (ArithmeticError, ValueError):
        raise ValueError(f"ratio 应写成“1:1”的形式，收到 {value!r}") from None


class CapRaise(_Strict):
    """A ceiling raised when a condition holds: 最高300万元…突破性治疗的，再提高100万元.

    Both figures (the ceiling and the increase) must each be in the text; their sum need not be.
    """

    by: Money  # the increase as the text states it: 再提高100万元
    when: Condition  # when it applies: {fact: event.breakthrough_therapy, eq: true}
    label: str  # how the trace words it, quoting the text: 突破性治疗药物


# Which fields each kind of amount uses: any other field is refused, naming it (never ignored).
KIND_FIELDS: dict[AmountKind, set[str]] = {
    AmountKind.exact: {"value", "rate", "ratio", "base", "cap", "per", "headroom", "cap_raise"},
    AmountKind.at_most: {"value", "rate", "ratio", "base", "cap", "per", "headroom", "cap_raise"},
    AmountKind.at_least: {"value", "rate", "base", "per"},
    AmountKind.unknown: {"basis", "cap", "per"},
    AmountKind.top_up: {
        "to",
        "rate",
        "base",
        "cap",
        "net_of",
        "net_of_programmes",
        "net_of_facts",
        "cap_raise",
    },
    AmountKind.waiver: {"base"},
}


class AmountSpec(_Strict):
    kind: AmountKind
    value: Money | None = None  # exact figure; for at_most a ceiling alone; for at_least a floor
    rate: Rate | None = None  # a rate of `base`
    ratio: str | None = None  # a matching ratio of `base`, as written: "1:1" (按1:1的比例予以配套)
    headroom: Headroom | None = None  # a ceiling worked out from facts
    base: str | None = None  # the fact the rate applies to, e.g. event.rd_investment
    cap: Money | None = None  # 最高不超过 on this one award
    per: str | None = None  # multiply the figure by a count, e.g. event.count (每新增1个…20万元)
    to: Money | None = None  # top_up: the amount to top up to
    net_of: list[str] = Field(default_factory=list)  # top_up: measures whose awards count as paid
    net_of_programmes: bool = False  # top_up: also net of external programmes' awards (prior awards)
    # top_up: event attributes holding what another level paid for the same achievement
    # (在省级奖励的基础上配套补足到40%: event.provincial_award); a missing one is asked for, not read as 0
    net_of_facts: list[str] = Field(default_factory=list)
    cap_raise: CapRaise | None = None  # the ceiling plus a stated increase when a condition holds
    basis: str | None = None  # unknown: the text's own words, e.g. 按照有关规定给予奖励

    @model_validator(mode="after")
    def _shape(self) -> AmountSpec:
        k = self.kind
        unused = [
            name
            for name in self.model_fields_set
            if name != "kind" and name not in KIND_FIELDS[k] and getattr(self, name) not in (None, [], False)
        ]
        if unused:
            allowed = "、".join(sorted(KIND_FIELDS[k]))
            raise ValueError(f"{k.value} 金额不使用 {'、'.join(sorted(unused))}（可写的字段：{allowed}）")
        if self.cap_raise is not None and self.cap is None and not (k == AmountKind.at_most and self.value):
            raise ValueError("cap_raise 提高的是上限：应同时写明 cap（原上限）")
        if self.ratio is not None:
            parse_ratio(self.ratio)
            if self.rate is not None:
                raise ValueError("rate 与 ratio 只能写一个")
        has_rate = self.rate is not None or self.ratio is not None
        if k == AmountKind.waiver:
            if self.base is None or has_rate:
                raise ValueError("waiver 金额应只写 base（被免收的费用），不写比例")
            return self
        if has_rate != (self.base is not None):
            raise ValueError("rate（或 ratio）与 base 应同时写明：比例要作用于一个基数")
        if k == AmountKind.exact and self.value is None and not has_rate:
            raise ValueError("exact 金额应写明 value 或 rate+base")
        if k == AmountKind.at_most and self.value is None and not has_rate and self.cap is None:
            raise ValueError("at_most 金额应写明 cap、value 或 rate+base 之一")
        if k == AmountKind.at_least and self.value is None and self.rate is None:
            raise ValueError("at_least 金额应写明 value 或 rate+base")
        if k == AmountKind.top_up and (self.to is None) == (self.rate is None):
            raise ValueError(
                "top_up 金额应写明 to（补足至的金额）或 rate+base（补足至基数的比例，可加 cap 上限），二者取一"
            )
        if k == AmountKind.unknown and not self.basis:
            raise ValueError("unknown 金额应在 basis 中引用原文的依据（如“按有关规定”）")
        return self

    def figures(self) -> list[tuple[str, Decimal]]:
        """Every money figure and rate this amount states, for checking against the clause's facts."""
        out: list[tuple[str, Decimal]] = []
        for name in ("value", "cap", "to"):
            if getattr(self, name) is not None:
                out.append(("money", getattr(self, name)))
        if self.cap_raise is not None:
            out.append(("money", self.cap_raise.by))
        if self.rate is not None:
            out.append(("percent", self.rate * 100))
        if self.ratio is not None:
            out.append(("ratio", parse_ratio(self.ratio)))
        return out

    @property
    def effective_rate(self) -> Decimal | None:
        return parse_ratio(self.ratio) if self.ratio is not None else self.rate


class DatedValues(_Strict):
    """New values of an amount's figures from a date on, each change citing the clause that makes it
    (OpenFisca-parameter style: a change is a new dated value, not an edit of the old one).

    ``from`` is the first day the values apply (by the event's date); only the figures written
    change. A reform (a named overlay, ``policies/_reforms/``) is a list of these per measure.
    """

    from_: date = Field(alias="from")
    clauses: list[str] = Field(min_length=1)  # the clause stating the new figures (may be another document's)
    excerpt: str
    value: Money | None = None
    rate: Rate | None = None
    cap: Money | None = None
    to: Money | None = None
    note: str | None = None
    # set by a reform (rules/reforms.py apply), never by content: the overlay's title
    _overlay: str | None = PrivateAttr(default=None)

    @property
    def overlay(self) -> str | None:
        """The reform (a named overlay) these values come from; None for a document's own dated values."""
        return self._overlay

    @model_validator(mode="after")
    def _something(self) -> DatedValues:
        if all(getattr(self, n) is None for n in DATED_FIELDS):
            raise ValueError(f"changes：应至少写明一个新的数值（{'、'.join(DATED_FIELDS)}）")
        return self

    def figures(self) -> list[tuple[str, Decimal]]:
        out = [("money", getattr(self, n)) for n in ("value", "cap", "to") if getattr(self, n) is not None]
        if self.rate is not None:
            out.append(("percent", self.rate * 100))
        return out


DATED_FIELDS = ("value", "rate", "cap", "to")


class TableRow(_Strict):
    when: Condition
    label: str  # names the row in the trace: 创新药完成Ⅱ期临床试验
    amount: AmountSpec


class AmountTable(_Strict):
    """The first row whose condition holds gives the amount: amounts by category or stage."""

    table: list[TableRow] = Field(min_length=1)


def _amount_form(data: Any) -> str:
    if isinstance(data, dict):
        return "AmountTable" if "table" in data else "AmountSpec"
    return type(data).__name__


Amount = Annotated[
    Union[Annotated[AmountTable, Tag("AmountTable")], Annotated[AmountSpec, Tag("AmountSpec")]],  # noqa: UP007
    Discriminator(_amount_form),
]


# ---------------------------------------------------------------- measures


class Window(_Strict):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class ApplicantSpec(_Strict):
    kinds: list[ApplicantKind] = Field(min_length=1)
    places: list[str] = Field(min_length=1)  # divisions (晋江市, or 福州市/鼓楼区 for a namesake)


class Note(_Strict):
    """An interpretation note: the reading chosen where the text is ambiguous. Shown with every result."""

    text: str
    clauses: list[str] = Field(default_factory=list)


class Instalments(_Strict):
    shares: list[Rate] = Field(min_length=2)  # 40%, 30%, 30%
    # the first instalment falls in the event's year, each next one in the following year
    note: str | None = None

    @model_validator(mode="after")
    def _sum_to_one(self) -> Instalments:
        if sum(self.shares) != 1:
            raise ValueError("instalments.shares 之和应为100%")
        return self


class OncePer(StrEnum):
    """一次性 / 每个品种分别给予: the measure pays once per product (or subject), whatever the events."""

    product = "product"  # once per product (品种): a later event for the same product pays nothing
    subject = "subject"  # once per subject (the event's subject, else its product)


class MeasureKind(StrEnum):
    reward = "reward"
    # obligation, time_limit and target measures come later and share id, clauses and window.


class Measure(_Strict):
    id: str
    title: str
    kind: MeasureKind = MeasureKind.reward
    clauses: list[str] = Field(min_length=1)
    excerpt: str | list[str]
    in_force: Window | None = None
    applicant: ApplicantSpec
    event: str
    conditions: Condition | None = None
    categories: dict[str, Condition] = Field(default_factory=dict)
    amount: Amount
    instalments: Instalments | None = None
    once_per: OncePer | None = None  # 一次性 / 每个品种: earlier awards (prior ones too) leave nothing
    notes: list[Note] = Field(default_factory=list)
    # the amount's figures from later dates on, oldest first; the value in force on the event's date applies
    changes: list[DatedValues] = Field(default_factory=list)
    # set by `biopolicy add-document` on a drafted measure: what the analyst must complete; the
    # loader refuses a measure while it is there
    draft: str | None = None
    doc_id: str = ""  # filled by the loader

    @property
    def excerpts(self) -> list[str]:
        return [self.excerpt] if isinstance(self.excerpt, str) else list(self.excerpt)

    def amount_specs(self) -> list[AmountSpec]:
        return (
            [r.amount for r in self.amount.table] if isinstance(self.amount, AmountTable) else [self.amount]
        )


class CapScope(StrEnum):
    product = "product"  # per product across the listed measures (all phases, all years)
    subject = "subject"  # per subject (platform, centre, person) across the listed measures
    subject_year = "subject_year"  # per subject per calendar year
    applicant_year = "applicant_year"  # per applicant per calendar year of the event
    applicant = "applicant"  # per applicant in total


class Cap(_Strict):
    """A ceiling shared by a set of measures: 单个企业每年支持额度最高不超过1亿元."""

    id: str
    label: str
    scope: CapScope
    amount: Money
    measures: list[str] = Field(min_length=1)
    when: Condition | None = None  # only events for which this holds count and are cut
    clauses: list[str] = Field(min_length=1)
    excerpt: str
    notes: list[Note] = Field(default_factory=list)


class Overlap(_Strict):
    id: str
    kind: OverlapKind
    measures: list[str] = Field(min_length=2)
    # highest_only: measures of the group that add up as one side (the text pays both for the
    # achievement), compared together with the other sides; the rest are each a side of their own
    together: list[list[str]] = Field(default_factory=list)
    clauses: list[str] = Field(min_length=1)
    excerpt: str
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _together_within(self) -> Overlap:
        seen: set[str] = set()
        for group in self.together:
            if self.kind != OverlapKind.highest_only:
                raise ValueError("together 只用于 highest_only（就高从优）")
            if len(group) < 2:
                raise ValueError("together 的每一组应至少有两项措施")
            for mid in group:
                if mid not in self.measures:
                    raise ValueError(f"together 中的“{mid}”不在本重叠的 measures 中")
                if mid in seen:
                    raise ValueError(f"together 中的“{mid}”出现在多于一组中")
                seen.add(mid)
        return self


class Funding(_Strict):
    """Who pays for a document's measures where the text says so: 厦门市执行本措施所需财政资金由厦门市人民政府负责解决."""

    payer: str
    places: list[str] = Field(default_factory=list)  # applicants located here; empty: everywhere
    clauses: list[str] = Field(min_length=1)
    excerpt: str


class PolicyFile(_Strict):
    """One ``measures.yaml``: the measures of a document, its shared ceilings and its overlaps."""

    document: str
    funding: list[Funding] = Field(default_factory=list)  # first match by the applicant's place
    measures: list[Measure] = Field(default_factory=list)
    caps: list[Cap] = Field(default_factory=list)
    overlaps: list[Overlap] = Field(default_factory=list)


class CategoryCatalogue(_Strict):
    """``policies/_catalogue/categories.yaml``: categories many measures use, defined once by name."""

    categories: dict[str, Condition] = Field(default_factory=dict)


class RuleSet(BaseModel):
    """Every measure, ceiling and overlap of the library, validated against the corpus."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    measures: dict[str, Measure]
    caps: list[Cap]
    overlaps: list[Overlap]
    windows: dict[str, Window]  # each document's in-force window, the default of its measures
    funding: dict[str, list[Funding]] = Field(default_factory=dict)  # by document id
    version: str  # a digest of the policy files: a saved result names the rules it was made with
    # documents whose rules failed to load (not strict): by document id (or _overlaps), the problems
    skipped: dict[str, list[str]] = Field(default_factory=dict)
    pruned: list[str] = Field(default_factory=list)  # ceilings and overlaps cut down to loaded measures
    places: Any = None  # domain.places.Divisions: every place a rule or a case can name

    def window(self, measure: Measure) -> Window:
        if measure.in_force is not None:
            return measure.in_force
        return self.windows.get(measure.doc_id, Window())
