"""Paragraphs → the clause tree: notice, preamble, sections, measures, paragraphs, closing.

Three structures occur in the seeds, named in each document.yaml:

* ``official`` (000, 003, 004): a covering notice, the policy's title and preamble, numbered
  sections and measures, closing provisions;
* ``interpretation`` (002): a policy interpretation (政策解读), then the policy itself with
  unnumbered headings over measures （一）…（二十四） and a part "其他";
* ``plan`` (001): chapters 一、, subsections （一）, items 1. and （1）, boxes 专题N, table 图表N.

The result is a list of drafts in document order; the loader turns them into Clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from biopolicy.corpus.layout import Paragraph
from biopolicy.corpus.units import responsible_units
from biopolicy.domain import ClauseKind

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"

# Labels as printed, full-width or half-width brackets alike: 1. 1． 1、 / （一） (一) / 一、 / （1） (1) / 第一条
ARABIC_ITEM = re.compile(r"^(\d+)[\.．、](?!\d)")
CN_PAREN = re.compile(rf"^[（(]([{_CN}]+)[）)]")
CN_COMMA = re.compile(rf"^([{_CN}]+)、")
ARABIC_PAREN = re.compile(r"^[（(](\d+)[）)]")
ARTICLE = re.compile(rf"^第([{_CN}]+)条[　\s]*")
CHAPTER = re.compile(rf"^第([{_CN}]+)章[　\s]*")
UNITS_LINE = re.compile(r"^[（(]?责任单位")
IMPRINT = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日印发$")
NOTICE_END = re.compile(r"^[（(]此件(主动|依申请)?公开[）)]")
# a provision about the document itself opens its closing part: 本措施自…起施行
CLOSING_START = ("本措施", "本方案", "本办法", "本细则", "本规定", "本政策", "本若干措施", "本通知")
NO_MEASURES = (
    "没有识别出措施一级的条款（应以“一、”“（一）”“(一)”“1.”“1、”或“第一条”开头）："
    "请检查原文的编号格式，或 document.yaml 的 structure 与 layout"
)
_PUNCT = re.compile(r"[，、。；：？！,.;:（）()《》“”]")


def cn_number(text: str) -> int:
    """Chinese numerals up to 99: 九 → 9, 十五 → 15, 二十四 → 24."""
    if "十" not in text:
        return CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


@dataclass
class Draft:
    local: str  # id inside the document: m9, s5/1/3, closing/p2
    kind: ClauseKind
    paras: list[Paragraph]
    parent: str | None = None
    label: str | None = None
    title: str | None = None
    text: str | None = None  # set where the text is not the paragraphs joined (a table)
    units: list[str] | None = None  # set where they are inherited rather than read from the text

    @property
    def body(self) -> str:
        return self.text if self.text is not None else "\n".join(p.text for p in self.paras)

    @property
    def responsible_units(self) -> list[str]:
        return self.units if self.units is not None else responsible_units(self.body)


@dataclass
class ParseResult:
    drafts: list[Draft] = field(default_factory=list)
    title: str | None = None  # the policy's title as printed
    warnings: list[str] = field(default_factory=list)  # what the parser could not read, in Chinese

    def add(self, draft: Draft) -> Draft:
        self.drafts.append(draft)
        return draft


def title_of(rest: str, colon: bool = False) -> str | None:
    """The heading of a numbered clause: up to its first 。 (or ： in a plan), or a short line."""
    marks = [i for i in (rest.find("。"), rest.find("：") if colon else -1) if i > 0]
    if marks and min(marks) <= 40:
        return rest[: min(marks)]
    if not _PUNCT.search(rest) or len(rest) <= 30 and "。" not in rest:
        return rest.strip() or None
    return None


def is_heading(text: str, limit: int = 12) -> bool:
    """A short line with no punctuation: an unnumbered heading."""
    return len(text) <= limit and not _PUNCT.search(text) and not text[:1].isdigit()


# --- paragraph sub-clauses -----------------------------------------------------------------


def add_paragraphs(result: ParseResult, measure: Draft) -> None:
    """Split a measure into paragraphs a rule can cite alone.

    Where several paragraphs each end with their own 责任单位 (002 （十）), a paragraph is the
    text up to and including its units line. Otherwise every paragraph of text is one, and the
    measure's shared 责任单位 line applies to each (000 9).
    """
    body = (
        measure.paras[1:]
        if measure.title and measure.paras[0].text.endswith(measure.title)
        else measure.paras
    )
    unit_lines = [p for p in body if UNITS_LINE.match(p.text)]
    blocks: list[list[Paragraph]] = []
    inherited: list[str] | None = None
    if len(unit_lines) >= 2:
        current: list[Paragraph] = []
        for p in body:
            current.append(p)
            if UNITS_LINE.match(p.text):
                blocks.append(current)
                current = []
        if current:
            blocks.append(current)
    else:
        blocks = [[p] for p in body if not UNITS_LINE.match(p.text)]
        inherited = measure.responsible_units
    if len(blocks) < 2:
        return
    for n, block in enumerate(blocks, 1):
        result.add(
            Draft(f"{measure.local}/p{n}", ClauseKind.paragraph, block, measure.local, units=inherited)
        )


def _closing(
    result: ParseResult, local: str, kind: ClauseKind, paras: list[Paragraph], title: str | None
) -> None:
    """Closing provisions: one clause, with a paragraph each where there are several."""
    if not paras:
        return
    parent = result.add(Draft(local, kind, paras, title=title))
    if len(paras) > 1 + (title is not None):
        for n, p in enumerate(paras[1:] if title else paras, 1):
            result.add(Draft(f"{local}/p{n}", ClauseKind.paragraph, [p], parent.local))


def _split_imprint(paras: list[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    """The trailing "…办公室 2023年9月5日印发" line (版记) is not part of the policy."""
    if paras and (IMPRINT.search(paras[-1].text) or paras[-1].text.endswith("供稿）")):
        return paras[:-1], paras[-1:]
    return paras, []


# --- official documents (000, 003, 004) ----------------------------------------------------


def parse_official(paras: list[Paragraph]) -> ParseResult:
    result = ParseResult()
    paras, imprint = _split_imprint(paras)
    i = _notice(result, paras)
    i = _title_and_preamble(result, paras, i)
    _body(result, paras[i:])
    if imprint:
        result.add(Draft("imprint", ClauseKind.notice, imprint, title="印发"))
    return result


def _notice(result: ParseResult, paras: list[Paragraph]) -> int:
    for i, p in enumerate(paras):
        if NOTICE_END.match(p.text):
            result.add(Draft("notice", ClauseKind.notice, paras[: i + 1], title="印发通知"))
            return i + 1
    return 0


def _is_body_start(text: str) -> bool:
    return bool(
        ARABIC_ITEM.match(text)
        or CN_PAREN.match(text)
        or CN_COMMA.match(text)
        or ARTICLE.match(text)
        or CHAPTER.match(text)
    )


def _title_and_preamble(result: ParseResult, paras: list[Paragraph], i: int) -> int:
    start = i
    while i < len(paras) and not paras[i].text.endswith("。") and not _is_body_start(paras[i].text):
        i += 1
    result.title = "".join(p.text for p in paras[start:i]) or None
    while i < len(paras) and not _is_body_start(paras[i].text):
        i += 1
    if i > start:
        result.add(Draft("preamble", ClauseKind.preamble, paras[start:i], title=result.title))
    return i


def _is_section(text: str) -> re.Match[str] | None:
    """一、壮大产业规模 (a short line without 。) or 第一章 总则: a heading over measures."""
    if m := CHAPTER.match(text):
        return m
    m = CN_COMMA.match(text)
    return m if m and "。" not in text and len(text) <= 24 else None


_MEASURE_STYLES = (ARTICLE, ARABIC_ITEM, CN_PAREN, CN_COMMA)


def _body(result: ParseResult, paras: list[Paragraph]) -> None:
    """Sections (一、 or 第一章) over measures; the measures are the first label style that is not a
    section (第一条, 1., （一）, 一、…). Other labels inside a measure are its paragraphs."""
    section: Draft | None = None
    current: Draft | None = None
    measures: list[Draft] = []
    style: re.Pattern[str] | None = None
    used: set[str] = set()
    for k, p in enumerate(paras):
        text = p.text
        if measures and text.startswith(CLOSING_START):
            _closing(result, "closing", ClauseKind.closing, paras[k:], None)
            break
        if (head := _is_section(text)) and (style is not CN_COMMA or CHAPTER.match(text)):
            n = cn_number(head.group(1))
            local = f"s{n}" if f"s{n}" not in used else f"s{len(used) + 1}"
            used.add(local)
            section = result.add(Draft(local, ClauseKind.section, [p], label=head.group(0).strip()))
            section.title = text[head.end() :].strip()
            current = section
            continue
        label_match = None
        if style is None:
            for candidate in _MEASURE_STYLES:
                if label_match := candidate.match(text):
                    style = candidate
                    break
        else:
            label_match = style.match(text)
        if label_match:
            number = label_match.group(1)
            n = int(number) if number.isdigit() else cn_number(number)
            rest = text[label_match.end() :]
            if measures and rest.startswith(CLOSING_START):  # 第十条 本办法自…起施行
                _closing(result, "closing", ClauseKind.closing, paras[k:], None)
                break
            local = f"m{n}"
            if local in used:  # numbering restarts in each section: 一、（一）（二） 二、（一）
                local = f"{section.local}/m{n}" if section else f"m{n}-{len(measures) + 1}"
            used.add(local)
            current = result.add(
                Draft(
                    local,
                    ClauseKind.measure,
                    [p],
                    section.local if section else None,
                    label_match.group(0).strip(),
                    title_of(rest),
                )
            )
            measures.append(current)
        elif current is not None:
            current.paras.append(p)
    for m in measures:
        add_paragraphs(result, m)
    if not measures:
        result.warnings.append(NO_MEASURES)
    _reorder(result)


def _reorder(result: ParseResult) -> None:
    """Paragraph sub-clauses were added after all measures; put each right after its measure."""
    children: dict[str, list[Draft]] = {}
    rest: list[Draft] = []
    measures = {d.local for d in result.drafts if d.kind is ClauseKind.measure}
    for d in result.drafts:
        if d.kind is ClauseKind.paragraph and d.parent in measures:
            children.setdefault(d.parent, []).append(d)
        else:
            rest.append(d)
    ordered: list[Draft] = []
    for d in rest:
        ordered.append(d)
        ordered.extend(children.get(d.local, []))
    result.drafts = ordered


# --- 002: the interpretation, then the measures ---------------------------------------------


def parse_interpretation(paras: list[Paragraph]) -> ParseResult:
    result = ParseResult()
    paras, imprint = _split_imprint(paras)
    start = next(
        (i for i, p in enumerate(paras) if p.text.startswith("为") and p.text.endswith(("措施。", "方案。"))),
        len(paras),
    )
    _interp(result, paras[:start])
    if start < len(paras):
        result.add(Draft("preamble", ClauseKind.preamble, [paras[start]]))
    _unnumbered_sections(result, paras[start + 1 :])
    if imprint:
        result.add(Draft("imprint", ClauseKind.notice, imprint, title="供稿"))
    return result


def _interp(result: ParseResult, paras: list[Paragraph]) -> None:
    if not paras:
        return
    k = 0
    while k < len(paras) and not is_heading(paras[k].text, 6):
        k += 1
    title = "".join(p.text for p in paras[:k])
    root = result.add(Draft("interp", ClauseKind.interpretation, paras[:k], title=title or None))
    part: Draft | None = None
    numbered: Draft | None = None
    parts = 0
    for p in paras[k:]:
        if is_heading(p.text, 6):
            parts += 1
            part = result.add(
                Draft(f"interp/{parts}", ClauseKind.interpretation, [p], root.local, title=p.text)
            )
            numbered = None
        elif (m := ARABIC_ITEM.match(p.text)) and part is not None:
            local = f"{part.local}/{m.group(1)}"
            numbered = result.add(
                Draft(local, ClauseKind.interpretation, [p], part.local, m.group(0), p.text[m.end() :])
            )
        elif numbered is not None:
            numbered.paras.append(p)
        elif part is not None:
            part.paras.append(p)
        else:
            root.paras.append(p)


def _unnumbered_sections(result: ParseResult, paras: list[Paragraph]) -> None:
    section: Draft | None = None
    current: Draft | None = None
    measures: list[Draft] = []
    sections = 0
    for k, p in enumerate(paras):
        text = p.text
        if text == "其他":
            _closing(result, "other", ClauseKind.closing, paras[k:], "其他")
            break
        if m := CN_PAREN.match(text):
            n = cn_number(m.group(1))
            current = result.add(
                Draft(
                    f"m{n}",
                    ClauseKind.measure,
                    [p],
                    section.local if section else None,
                    m.group(0),
                    title_of(text[m.end() :]),
                )
            )
            measures.append(current)
        elif is_heading(text) and not UNITS_LINE.match(text):
            sections += 1
            section = result.add(Draft(f"s{sections}", ClauseKind.section, [p], title=text))
            current = section
        elif current is not None:
            current.paras.append(p)
    for m in measures:
        add_paragraphs(result, m)
    if not measures:
        result.warnings.append(NO_MEASURES)
    _reorder(result)


# --- 001: the plan ----------------------------------------------------------------------------


@dataclass
class _PlanState:
    chapter: Draft | None = None
    sub: Draft | None = None
    item: Draft | None = None
    subitem: Draft | None = None
    container: Draft | None = None  # a box or a table: takes paragraphs until the next heading
    boxes: int = 0

    def deepest(self) -> Draft | None:
        return self.container or self.subitem or self.item or self.sub or self.chapter


def parse_plan(paras: list[Paragraph]) -> ParseResult:
    result = ParseResult()
    if not paras:
        return result
    result.title = paras[0].text
    k = 1
    while k < len(paras) and not CN_COMMA.match(paras[k].text):
        k += 1
    result.add(Draft("preamble", ClauseKind.preamble, paras[:k], title=result.title))
    state = _PlanState()
    while k < len(paras):
        k = _plan_step(result, state, paras, k)
    return result


def _plan_step(result: ParseResult, st: _PlanState, paras: list[Paragraph], k: int) -> int:
    p = paras[k]
    text = p.text
    if (m := CN_COMMA.match(text)) and not p.tabbed:
        n = cn_number(m.group(1))
        st.chapter = result.add(
            Draft(f"s{n}", ClauseKind.section, [p], label=m.group(0), title=text[m.end() :])
        )
        st.sub = st.item = st.subitem = st.container = None
    elif (m := CN_PAREN.match(text)) and st.chapter is not None:
        local = f"{st.chapter.local}/{cn_number(m.group(1))}"
        rest = text[m.end() :]
        st.sub = result.add(
            Draft(local, ClauseKind.subsection, [p], st.chapter.local, m.group(0), title_of(rest))
        )
        st.item = st.subitem = st.container = None
    elif (m := re.match(r"^专题(\d+)", text)) and p.tabbed:
        parent = st.sub or st.chapter
        title = text.partition("：")[2] or None
        st.container = result.add(
            Draft(
                f"box{m.group(1)}", ClauseKind.box, [p], parent.local if parent else None, m.group(0), title
            )
        )
    elif (m := re.match(r"^图表(\d+)\s*", text)) and k + 1 < len(paras) and paras[k + 1].tabbed:
        return _table(result, st, paras, k, m)
    elif st.container is None and (m := ARABIC_ITEM.match(text)) and st.sub is not None:
        local = f"{st.sub.local}/{m.group(1)}"
        st.item = result.add(
            Draft(
                local, ClauseKind.item, [p], st.sub.local, m.group(0), title_of(text[m.end() :], colon=True)
            )
        )
        st.subitem = None
    elif st.container is None and (m := ARABIC_PAREN.match(text)) and st.item is not None:
        local = f"{st.item.local}/{m.group(1)}"
        st.subitem = result.add(
            Draft(
                local, ClauseKind.item, [p], st.item.local, m.group(0), title_of(text[m.end() :], colon=True)
            )
        )
    elif (target := st.deepest()) is not None:
        target.paras.append(p)
    return k + 1


def _table(result: ParseResult, st: _PlanState, paras: list[Paragraph], k: int, m: re.Match[str]) -> int:
    """图表1: tab-separated cells, four to a row, the first row the header → "1. 名称｜类型｜城市"."""
    caption = paras[k]
    j = k + 1
    while j < len(paras) and paras[j].tabbed:
        j += 1
    cells = [p.text for p in paras[k + 1 : j]]
    columns = 4
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    lines = [caption.text, "｜".join(rows[0])] if rows else [caption.text]
    for row in rows[1:]:
        number, *rest = row
        lines.append(f"{number}. " + "｜".join(rest))
    parent = st.sub or st.chapter
    result.add(
        Draft(
            f"table{m.group(1)}",
            ClauseKind.table,
            paras[k:j],
            parent.local if parent else None,
            m.group(0).strip(),
            caption.text[m.end() :] or None,
            text="\n".join(lines),
        )
    )
    return j


STRUCTURES = {"official": parse_official, "interpretation": parse_interpretation, "plan": parse_plan}


def parse(paras: list[Paragraph], structure: str) -> ParseResult:
    return STRUCTURES[structure](paras)
