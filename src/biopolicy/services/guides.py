"""申兑指南: the guide of each measure (rules/guides.py), as a user reads it.

``guide_view(measure_id)`` gives four entries in a fixed order (责任单位, 申报材料, 申报时间, 联系方式),
each stated with its clauses or marked 原文未载明; the measure page, its JSON twin and every
entitlement of the calculator's result show it. ``guide_problems`` is what ``biopolicy check`` adds:
the loader's problems and every measure without a guide.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from biopolicy.rules.guides import ITEM_LABELS, NOT_STATED, Guide, GuideItem, load_guides
from biopolicy.rules.loader import RulesError

_FILE_DOC = re.compile(r"([^/\\：]+)[/\\]guides\.yaml")


class GuideEntry(BaseModel):
    item: str = Field(
        description="department 责任单位、documents 申报材料、window 申报时间、contact 联系方式"
    )
    label: str
    stated: bool = Field(description="原文是否写明")
    text: str = Field(description="原文所载；未写明时为“原文未载明”")
    clauses: list[str] = Field(default_factory=list, description="所引条款")
    excerpt: list[str] = Field(default_factory=list)


class GuideView(BaseModel):
    measure_id: str
    entries: list[GuideEntry]
    notes: list[str] = Field(default_factory=list)


def _measure_docs(calculator) -> dict[str, str]:
    return {mid: m.doc_id for mid, m in calculator.rules.measures.items()}


def load_for(calculator, policies_dir: Path | None = None) -> dict[str, Guide]:
    """The guides of the calculator's measures; a document whose measures were skipped is left out."""
    skipped = [k for k in calculator.rules.skipped if k in calculator.corpus.documents]
    return load_guides(calculator.corpus, _measure_docs(calculator), policies_dir, skip=skipped)


@cache
def _guides() -> dict[str, Guide]:
    from biopolicy.services.calculator import get_calculator
    from biopolicy.settings import get_settings

    try:
        return load_for(get_calculator(), get_settings().policies)
    except RulesError:  # `biopolicy check` reports them; the pages show no guide rather than fail
        return {}


def view_of(measure_id: str, guide: Guide | None) -> GuideView:
    entries = []
    for item, label in ITEM_LABELS.items():
        found = getattr(guide, item) if guide is not None else None
        if found is None:
            entries.append(GuideEntry(item=item, label=label, stated=False, text=NOT_STATED))
        elif isinstance(found, GuideItem):
            entries.append(
                GuideEntry(
                    item=item, label=label, stated=True, text=found.text,
                    clauses=list(found.clauses), excerpt=list(found.excerpt),
                )
            )  # fmt: skip
        else:
            entries.append(
                GuideEntry(
                    item=item,
                    label=label,
                    stated=True,
                    text="、".join(found.units),
                    clauses=list(found.clauses),
                )
            )
    return GuideView(measure_id=measure_id, entries=entries, notes=list(guide.notes) if guide else [])


def guide_view(measure_id: str) -> GuideView:
    """The measure's guide; a measure without one shows every entry as 原文未载明."""
    return view_of(measure_id, _guides().get(measure_id))


def guide_problems(calculator, policies_dir: Path | None = None) -> dict[str, list[str]]:
    """Document id → the problems of its guides (load errors, measures without a guide)."""
    out: dict[str, list[str]] = {}
    try:
        guides = load_for(calculator, policies_dir)
    except RulesError as exc:
        for p in exc.problems:
            found = _FILE_DOC.search(p)
            doc = found.group(1) if found else ""
            out.setdefault(doc, []).append(p)
        return out
    for mid, m in calculator.rules.measures.items():
        if mid not in guides:
            out.setdefault(m.doc_id, []).append(
                f"措施 {mid} 没有申兑指南：请在 policies/{m.doc_id}/guides.yaml 中至少写明其责任单位"
            )
    return out
