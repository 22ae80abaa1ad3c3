"""The JSON shapes of results (documents, clauses, search), built from domain objects; the API and the
CLI's ``--json`` print the same.

Kept apart from the domain types so that the wire format is stated once, on purpose: decimals are
strings (never floats), dates ISO strings, and a document's clauses are a tree. docs/api.md shows
each shape with an example; tests check the two agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from biopolicy.domain import Clause, ClauseKind, Document, Fact, FactBound, FactKind, LoadError, SearchHit
from biopolicy.rules.schema import Cap, Measure, Overlap, Window


def decimal_string(value: Decimal) -> str:
    """``10000000``, never ``1E+7``: the string a person would write."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class FactOut(BaseModel):
    kind: FactKind
    value: str = Field(description="十进制数字字符串；金额以元计")
    value_to: str | None = Field(description="区间的上限，如（200～1000）万元")
    unit: str
    bound: FactBound
    text: str = Field(description="条款正文中读出该数字的原文")
    start: int = Field(description="text 在条款正文中的起始位置")
    end: int

    @classmethod
    def of(cls, fact: Fact) -> FactOut:
        return cls(
            kind=fact.kind,
            value=decimal_string(fact.value),
            value_to=None if fact.value_to is None else decimal_string(fact.value_to),
            unit=fact.unit,
            bound=fact.bound,
            text=fact.text,
            start=fact.start,
            end=fact.end,
        )


class _ClauseFields(BaseModel):
    id: str
    doc_id: str
    parent_id: str | None
    kind: ClauseKind
    label: str | None
    title: str | None
    text: str = Field(description="修复后的正文，段落以换行分隔")
    raw_text: str = Field(description="原始文本中的同一段")
    responsible_units: list[str]
    facts: list[FactOut]
    order: int

    @staticmethod
    def fields_of(clause: Clause) -> dict:
        return {
            "id": clause.id,
            "doc_id": clause.doc_id,
            "parent_id": clause.parent_id,
            "kind": clause.kind,
            "label": clause.label,
            "title": clause.title,
            "text": clause.text,
            "raw_text": clause.raw_text,
            "responsible_units": list(clause.responsible_units),
            "facts": [FactOut.of(f) for f in clause.facts],
            "order": clause.order,
        }


class ClauseOut(_ClauseFields):
    """One clause on its own: its children by id."""

    children: list[str] = Field(description="下级条款的编号，按文中顺序")

    @classmethod
    def of(cls, clause: Clause, children: list[Clause]) -> ClauseOut:
        return cls(**cls.fields_of(clause), children=[c.id for c in children])


class ClauseNode(_ClauseFields):
    """A clause inside its document's tree: its children in full."""

    children: list[ClauseNode]


class DocumentSummary(BaseModel):
    id: str
    title: str
    number: str | None = Field(description="文号，如 闽工信规〔2023〕7号")
    issued: date | None
    in_force_from: date | None
    in_force_to: date | None
    in_force_note: str | None
    issuers: list[str]
    cites: list[str] = Field(description="所引用文件的文号")
    source_file: str
    repairs: list[str] = Field(description="文本修复做了哪些改动")
    warnings: list[str] = Field(
        default_factory=list, description="解析时未能识别的版式（如没有措施一级的条款）"
    )
    superseded_by: str | None = Field(
        default=None,
        description="已被取代（存档）时，取代它的文件编号或文号；仍可检索，措施只适用于其有效期内",
    )
    clause_count: int

    @staticmethod
    def fields_of(doc: Document) -> dict:
        return {
            "id": doc.id,
            "title": doc.title,
            "number": doc.number,
            "issued": doc.issued,
            "in_force_from": doc.in_force_from,
            "in_force_to": doc.in_force_to,
            "in_force_note": doc.in_force_note,
            "issuers": list(doc.issuers),
            "cites": list(doc.cites),
            "source_file": doc.source_file,
            "repairs": list(doc.repairs),
            "warnings": list(doc.warnings),
            "superseded_by": doc.superseded_by,
            "clause_count": len(doc.clauses),
        }

    @classmethod
    def of(cls, doc: Document) -> DocumentSummary:
        return cls(**cls.fields_of(doc))


class DocumentOut(DocumentSummary):
    """A document with its clause tree (top-level clauses, each with its children)."""

    clauses: list[ClauseNode]

    @classmethod
    def of(cls, doc: Document) -> DocumentOut:
        return cls(**cls.fields_of(doc), clauses=clause_tree(doc.clauses))


def clause_tree(clauses: list[Clause]) -> list[ClauseNode]:
    """The flat, ordered clause list as a tree; a clause whose parent is missing becomes a root."""
    ids = {c.id for c in clauses}
    below: dict[str | None, list[Clause]] = defaultdict(list)
    for c in clauses:
        below[c.parent_id if c.parent_id in ids else None].append(c)

    def node(c: Clause) -> ClauseNode:
        return ClauseNode(**ClauseNode.fields_of(c), children=[node(k) for k in below[c.id]])

    return [node(c) for c in below[None]]


class LoadErrorOut(BaseModel):
    path: str
    message: str

    @classmethod
    def of(cls, error: LoadError) -> LoadErrorOut:
        return cls(path=error.path, message=error.message)


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    errors: list[LoadErrorOut] = Field(description="未能载入的文件；其余文件照常可用")
    rule_errors: list[LoadErrorOut] = Field(
        default_factory=list,
        description="措施未能载入的文件（其测算已停用，条文仍可检索）；其余文件照常可用",
    )

    @classmethod
    def of(
        cls,
        documents: list[Document],
        errors: list[LoadError],
        skipped: dict[str, list[str]] | None = None,
    ) -> DocumentList:
        return cls(
            documents=[DocumentSummary.of(d) for d in documents],
            errors=[LoadErrorOut.of(e) for e in errors],
            # the listed documents' own: a shared file (_overlaps) is reported by `check` and GET /api/v1/
            rule_errors=skipped_rules(
                {k: v for k, v in (skipped or {}).items() if k in {d.id for d in documents}}
            ),
        )


def skipped_rules(skipped: dict[str, list[str]]) -> list[LoadErrorOut]:
    """A document whose measures were skipped, one entry per problem (each names file and measure)."""
    return [
        LoadErrorOut(path=f"policies/{doc_id}/measures.yaml", message=problem)
        for doc_id, problems in sorted(skipped.items())
        for problem in problems
    ]


class SearchHitOut(BaseModel):
    doc_id: str
    clause_id: str
    score: float
    snippet: str = Field(description="HTML 转义后的摘录，命中处以 <mark>…</mark> 标出")
    label: str | None = Field(description="命中条款的序号，如（十六）")
    title: str | None = Field(description="命中条款的标题")

    @classmethod
    def of(cls, hit: SearchHit, clause: Clause) -> SearchHitOut:
        return cls(
            doc_id=hit.doc_id,
            clause_id=hit.clause_id,
            score=hit.score,
            snippet=hit.snippet,
            label=clause.label,
            title=clause.title,
        )


class SearchResults(BaseModel):
    query: str
    doc: str | None = Field(description="只检索这一文件；null 表示全部")
    limit: int = Field(description="每页条数")
    page: int = Field(default=1, description="页码，从 1 起")
    total: int = Field(default=0, description="符合条件的条款总数")
    pages: int = Field(default=1, description="总页数")
    hits: list[SearchHitOut]

    @classmethod
    def of(
        cls,
        query: str,
        doc: str | None,
        limit: int,
        hits: list[SearchHit],
        clause_of: Callable[[str], Clause],
        page: int = 1,
        total: int | None = None,
    ) -> SearchResults:
        total = len(hits) if total is None else total
        return cls(
            query=query,
            doc=doc,
            limit=limit,
            page=page,
            total=total,
            pages=max(1, -(-total // limit)),
            hits=[SearchHitOut.of(h, clause_of(h.clause_id)) for h in hits],
        )


class MeasureOut(BaseModel):
    measure: dict[str, Any]  # the measure as written in measures.yaml (field names as in the rule language)
    in_force: dict[str, Any]  # the window that applies: the measure's own, else its document's
    caps: list[dict[str, Any]]  # shared ceilings that include this measure
    overlaps: list[dict[str, Any]]  # declared overlaps that include this measure

    @classmethod
    def of(cls, m: Measure, window: Window, caps: list[Cap], overlaps: list[Overlap]) -> MeasureOut:
        dump = {"mode": "json", "by_alias": True, "exclude_none": True}
        return cls(
            measure=m.model_dump(**dump),
            in_force=window.model_dump(**dump),
            caps=[c.model_dump(**dump) for c in caps if m.id in c.measures],
            overlaps=[o.model_dump(**dump) for o in overlaps if m.id in o.measures],
        )


class MeasureList(BaseModel):
    rules_version: str
    measures: list[MeasureOut]
