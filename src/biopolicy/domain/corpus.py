"""The policy library's types: documents, their clause tree, and the facts stated in a clause.

Ids are stable and readable: a document id is its folder name under policies/ (``xm-2023``);
a clause id is ``<doc-id>/<local>`` where local is a path such as ``m16`` (measure 16),
``s2`` (section 二), ``m10/p2`` (the second paragraph of measure 10), ``closing``.
Rules, tests and stored awards refer to these ids, so they never change once published.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class FactKind(StrEnum):
    money = "money"  # an amount of money; value in the currency's base unit (yuan for 元)
    percent = "percent"  # a rate as written: 40% -> value 40
    count = "count"  # a number of things or times: 1次, 5个, 24条
    duration = "duration"  # a time limit or period: 60个工作日, 1个月, 3年
    ratio = "ratio"  # 1:1


class FactBound(StrEnum):
    exact = "exact"  # a plain figure: 给予300万元
    max = "max"  # 最高 / 不超过 / 最高不超过 / 以内
    min = "min"  # 不少于 / 至少 / 以上
    approx = "approx"  # 左右 / 约


class Fact(BaseModel):
    """A figure stated in a clause, with where it stands in the clause's repaired text."""

    model_config = ConfigDict(frozen=True)

    kind: FactKind
    value: Decimal
    value_to: Decimal | None = None  # upper end of a range: （200～1000）万元, 1—2次
    unit: str  # 元, 美元, %, 工作日, 日, 个月, 年, 次, 个, 家, ...
    bound: FactBound = FactBound.exact
    text: str  # the exact substring of Clause.text this fact was read from
    start: int  # offset of text in Clause.text
    end: int


class ClauseKind(StrEnum):
    notice = "notice"  # the covering notice (印发通知) before the policy itself
    preamble = "preamble"  # the policy's opening paragraph(s)
    section = "section"  # a heading grouping measures: 一、壮大产业规模
    subsection = "subsection"  # a heading below a section: （一）全球生物医药产业现状
    measure = "measure"  # a numbered measure or item: 9. / （十六） / 十五、
    paragraph = "paragraph"  # one paragraph of a clause that can be cited alone
    item = "item"  # a numbered item inside a subsection of a plan: 1.化学药
    closing = "closing"  # closing provisions: in-force window, interpretation, funding
    interpretation = "interpretation"  # a policy interpretation (政策解读) and its parts
    box = "box"  # a boxed topic in a plan: 专题1
    table = "table"  # a table in a plan: 图表1
    heading = "heading"  # a heading with text of its own that is none of the above


class Clause(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    doc_id: str
    parent_id: str | None
    kind: ClauseKind
    label: str | None = None  # as printed after repair: "（十三）", "9.", "六、"
    title: str | None = None  # the clause's heading where it has one
    text: str  # repaired text, paragraphs joined by "\n"
    raw_text: str  # the same span of the source as received
    responsible_units: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    order: int = 0  # position in document order


class Document(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    short_name: str | None = (
        None  # how a user names it in one line (document.yaml), e.g. 厦门市2023年若干措施
    )
    number: str | None = None  # 文号, e.g. 闽工信规〔2023〕7号
    issuers: list[str] = Field(default_factory=list)
    issued: date | None = None
    in_force_from: date | None = None
    in_force_to: date | None = None
    in_force_note: str | None = None  # how the window was read, or that the text states none
    cites: list[str] = Field(default_factory=list)  # documents it cites, by number
    source_file: str  # the file name as received in shared/seeds
    repairs: list[str] = Field(default_factory=list)  # what the repair changed, in plain words
    warnings: list[str] = Field(default_factory=list)  # what the parser could not read, in plain words
    superseded_by: str | None = None  # archived: replaced by this document (id or 文号); still searchable
    text: str  # the whole repaired text
    raw_text: str  # the whole source as received
    clauses: list[Clause] = Field(default_factory=list)  # flat, in document order

    def children(self, clause_id: str | None) -> list[Clause]:
        return [c for c in self.clauses if c.parent_id == clause_id]


class SearchHit(BaseModel):
    doc_id: str
    clause_id: str
    score: float
    snippet: str  # repaired text around the matches, each match wrapped in <mark>…</mark>, HTML-escaped


class LoadError(BaseModel):
    """A document that could not be loaded; the others still are."""

    path: str
    message: str


class Corpus(BaseModel):
    documents: dict[str, Document] = Field(default_factory=dict)
    errors: list[LoadError] = Field(default_factory=list)
    _by_id: dict[str, Clause] | None = PrivateAttr(default=None)

    def clause(self, clause_id: str) -> Clause | None:
        if self._by_id is None:
            self._by_id = {c.id: c for c in self.all_clauses()}
        return self._by_id.get(clause_id)

    def all_clauses(self) -> list[Clause]:
        return [c for d in self.documents.values() for c in d.clauses]


_LEVEL = re.compile(r"^(省|市(?!场)|区)")  # 市场监管局 has no level of its own
_NAMED = ("厦门", "福州", "福建", "海关", "证监", "各", "国家")  # bodies named in full


def with_levels(names: list[str]) -> list[str]:
    """The units of one 责任单位 line with their level: a name written without one after a name with
    one takes it (“市科技局、财政局” → 市科技局, 市财政局), as the text abbreviates. Units of
    governments (各设区市人民政府, 平潭综合实验区…) and outside bodies (海关) are kept as written."""
    out: list[str] = []
    level = ""
    for name in names:
        m = _LEVEL.match(name)
        if m:
            level = m.group(1)
        elif level and name.endswith(("局", "厅", "委", "办")) and not any(w in name for w in _NAMED):
            name = level + name
        if name not in out:
            out.append(name)
    return out
