"""Document metadata read from the text: number (文号), issuers, dates, in-force window, citations.

What the text does not state plainly comes from document.yaml (see loader.DocumentSpec) and
takes precedence; everything here is a reading of the repaired paragraphs and clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from biopolicy.corpus.layout import is_name_line
from biopolicy.corpus.parse import IMPRINT, Draft

DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,8})〔(\d{4})〕(\d+)号")
_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_FROM = re.compile(rf"自{_DATE}起?施行")
_TO = re.compile(rf"(?:有效期至|执行至){_DATE}")


def _date(match: re.Match[str], offset: int = 1) -> date:
    return date(int(match.group(offset)), int(match.group(offset + 1)), int(match.group(offset + 2)))


def own_number(notice: Draft | None) -> str | None:
    """The document's own 文号: a line of the notice that holds nothing else."""
    if notice is None:
        return None
    for p in notice.paras:
        m = DOC_NUMBER.fullmatch(p.text)
        if m:
            return m.group(0)
    return None


def cited_numbers(text: str, own: str | None) -> list[str]:
    """Every document number cited in the text, in order of first mention, without spaces."""
    cites: list[str] = []
    # Spaces go ("10 号" → "10号"); line breaks stay, so a number never joins the line above.
    for m in DOC_NUMBER.finditer(re.sub(r"[ \t\u3000]+", "", text)):
        number = m.group(0)
        if number != own and number not in cites:
            cites.append(number)
    return cites


def signatories(notice: Draft | None) -> list[str]:
    """The issuers in the notice's signature block (after its last sentence, before its date).

    The letterhead can list fewer (004 prints 9 of its 11 issuers there); the block lists all.
    """
    if notice is None:
        return []
    last_sentence = max((i for i, p in enumerate(notice.paras) if p.text.endswith("。")), default=-1)
    names: list[str] = []
    for p in notice.paras[last_sentence + 1 :]:
        if is_name_line(p.text):
            names.extend(n for n in p.text.split() if n not in names)
    return names


def issue_date(notice: Draft | None) -> date | None:
    """The last date in the notice: the date under the signatures."""
    if notice is None:
        return None
    found = None
    for p in notice.paras:
        if IMPRINT.search(p.text):
            continue
        for m in re.finditer(_DATE, p.text):
            found = _date(m)
    return found


@dataclass
class InForce:
    start: date | None = None
    end: date | None = None
    note: str | None = None


def in_force(closing_text: str, issued: date | None) -> InForce:
    """Read "自…施行" and "有效期至/执行至…" from the closing provisions."""
    start_m, end_m = _FROM.search(closing_text), _TO.search(closing_text)
    start = _date(start_m) if start_m else None
    end = _date(end_m) if end_m else None
    if start and end:
        return InForce(start, end, f"原文写明自{start.isoformat()}起施行，有效期至{end.isoformat()}。")
    if end and issued:
        return InForce(
            issued,
            end,
            f"原文只写明执行至{end.isoformat()}，未写起始日；起始日取印发日期{issued.isoformat()}。",
        )
    if end:
        return InForce(None, end, f"原文只写明执行至{end.isoformat()}，未写起始日。")
    if start:
        return InForce(start, None, f"原文写明自{start.isoformat()}起施行，未写截止日，继续适用。")
    if issued:
        # a document cannot apply before it was issued; with no stated end it keeps applying
        return InForce(
            issued,
            None,
            f"原文未载明有效期：自印发日期{issued.isoformat()}起适用，此前的事项不适用；未规定截止日，继续适用。",
        )
    return InForce(None, None, "原文未载明有效期。")
