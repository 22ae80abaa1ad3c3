"""申兑指南 as content: a guide per measure, beside it in policies/<doc>/guides.yaml.

A guide says what an applicant needs to claim a measure, and ONLY what the source text says: the
responsible department (the 责任单位 its clause names), the documents required, the application
window, the contact. Each item cites its clause(s) and, where it is more than the department, an
excerpt that stands verbatim in them. An item the text does not state is left out of the file and
shown as 原文未载明 (``NOT_STATED``): nothing is invented.

The loader checks a guide like a measure: the file's ``document`` is its folder, the measure exists
and belongs to that document, a measure has one guide, every cited clause exists, every excerpt is in
the cited clauses, and every department named is among the 责任单位 of the cited clauses (read with
their level, as ``domain.corpus.with_levels`` does: “市科技局、财政局” → 市财政局), walking up to the
nearest clause that names them. Every problem names the file and the measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biopolicy.domain.corpus import Corpus, with_levels
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _check_cited, _read_yaml, _rel, default_policies_dir

GUIDES_FILE = "guides.yaml"
NOT_STATED = "原文未载明"
ITEM_LABELS = {"department": "责任单位", "documents": "申报材料", "window": "申报时间", "contact": "联系方式"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Department(_Strict):
    units: list[str] = Field(min_length=1, description="责任单位，按原文（带级别，如 市科技局）")
    clauses: list[str] = Field(min_length=1, description="写明责任单位的条款 id（或其下级条款）")


class GuideItem(_Strict):
    text: str = Field(min_length=1, description="给申请人看的一句话，只写原文所载")
    clauses: list[str] = Field(min_length=1, description="所引条款 id")
    excerpt: list[str] = Field(min_length=1, description="原文摘录，须逐字出现在所引条款中（忽略空白）")


class Guide(_Strict):
    measure: str = Field(min_length=1, description="措施 id，如 xm-2023/m20-talent")
    department: Department | None = Field(None, description="责任单位；原文未载明时省略")
    documents: GuideItem | None = Field(None, description="申报材料；原文未载明时省略")
    window: GuideItem | None = Field(None, description="申报时间（受理时间、申报周期）；原文未载明时省略")
    contact: GuideItem | None = Field(None, description="联系方式；原文未载明时省略")
    notes: list[str] = Field(default_factory=list, description="解读说明：原文如何读")


class GuideFile(_Strict):
    """policies/<doc-id>/guides.yaml: the 申兑指南 of the document's measures."""

    document: str = Field(min_length=1, description="文件编号，应与所在目录名相同")
    guides: list[Guide] = Field(default_factory=list)


def units_of(corpus: Corpus, clause_ids: Iterable[str]) -> list[str]:
    """The 责任单位 of the clauses, with their level, each from the clause or the nearest one above
    that names them (a paragraph shares its measure's 责任单位 line)."""
    out: list[str] = []
    for clause_id in clause_ids:
        cid: str | None = clause_id
        while cid:
            clause = corpus.clause(cid)
            if clause is None:
                break
            if clause.responsible_units:
                out += [u for u in with_levels(clause.responsible_units) if u not in out]
                break
            cid = clause.parent_id
    return out


def guide_paths(policies_dir: Path | None = None) -> list[Path]:
    root = policies_dir or default_policies_dir()
    return sorted(p for p in root.glob(f"*/{GUIDES_FILE}") if not p.parent.name.startswith("_"))


def load_guides(
    corpus: Corpus,
    measure_docs: dict[str, str],
    policies_dir: Path | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Guide]:
    """Measure id → its guide, from every ``<doc>/guides.yaml``, checked against the corpus and the
    measures (``measure_docs``: measure id → its document). ``skip``: documents whose measures did
    not load (their guides wait until they do). RulesError lists every problem."""
    guides: dict[str, Guide] = {}
    problems: list[str] = []
    skipped = set(skip)
    for path in guide_paths(policies_dir):
        if path.parent.name in skipped:
            continue
        found, file_problems = _load_file(path, corpus, measure_docs, guides)
        problems += file_problems
        guides.update(found)
    if problems:
        raise RulesError(problems)
    return guides


def _load_file(
    path: Path, corpus: Corpus, measure_docs: dict[str, str], known: dict[str, Guide]
) -> tuple[dict[str, Guide], list[str]]:
    try:
        data = _read_yaml(path)
    except RulesError as exc:
        return {}, exc.problems
    try:
        parsed = GuideFile.model_validate(data)
    except ValidationError as exc:
        return {}, [f"{_rel(path)}：{p}" for p in describe(exc)]
    problems: list[str] = []
    doc_id = path.parent.name
    if parsed.document != doc_id:
        problems.append(f"{_rel(path)}：document 应为所在目录名“{doc_id}”，收到“{parsed.document}”")
    found: dict[str, Guide] = {}
    for g in parsed.guides:
        where = f"{_rel(path)}：指南 {g.measure}"
        owner = measure_docs.get(g.measure)
        if owner is None:
            problems.append(f"{where}：measure：没有这项措施（应为已编码措施的 id）")
            continue
        if owner != doc_id:
            problems.append(
                f"{where}：measure：这项措施属于 {owner}，指南应写在 policies/{owner}/{GUIDES_FILE}"
            )
            continue
        if g.measure in found or g.measure in known:
            problems.append(f"{where}：同一措施只能有一份指南")
            continue
        problems += [f"{where}：{p}" for p in check_guide(g, corpus)]
        found[g.measure] = g
    return found, problems


def check_guide(g: Guide, corpus: Corpus) -> list[str]:
    problems: list[str] = []
    if g.department is not None:
        problems += [f"department：{p}" for p in _check_cited(g.department.clauses, [], corpus)]
        named = units_of(corpus, g.department.clauses)
        for unit in g.department.units:
            if unit not in named:
                problems.append(
                    f"department.units：“{unit}”不是所引条款 {'、'.join(g.department.clauses)} 写明的责任单位"
                    f"（原文为：{'、'.join(named) or '未写明责任单位'}）"
                )
    for name in ("documents", "window", "contact"):
        item: GuideItem | None = getattr(g, name)
        if item is not None:
            problems += [f"{name}：{p}" for p in _check_cited(item.clauses, item.excerpt, corpus)]
    return problems
