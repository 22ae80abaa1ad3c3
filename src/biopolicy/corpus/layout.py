"""Page layout: physical lines of the extracted text → paragraphs, with their span in the source.

Two layouts occur in the seeds:

* ``wrapped`` (000, 002, 003, 004): every printed line is a line of the text; a paragraph ends
  where a line stops short of the full width, or where the next line opens a numbered item;
* ``lines`` (001): a line is a paragraph, except where a page break cut one in two.

Running heads and the letterhead's stray "文件" are dropped wherever they land, mid-sentence
included. A paragraph keeps the offsets of its first and last character in the source, so a
clause built from paragraphs knows its raw span.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from biopolicy.corpus.repair import collapse_spaced_letters, normalise_spaces

# Lines that are never text: the letterhead's "文件" (printed beside the issuers' names).
DEFAULT_NOISE = ("文件",)

_CJK = r"\u3400-\u9fff"
_CN_NUM = "一二三四五六七八九十百"
# Lines that always open a new paragraph: a numbered item, a responsibility line, a box or table.
# Full-width and half-width brackets alike: （一） (一) （1） (1); 1. 1． 1、; 第一条 第一章; (此件主动公开).
MARKER = re.compile(
    rf"^(?:\d+[\.．、](?!\d)|[（(][{_CN_NUM}]+[）)]|[（(]\d+[）)]|[{_CN_NUM}]+、(?![{_CN_NUM}]、)"
    rf"|第[{_CN_NUM}]+[条章]|[（(]此件(?:主动|依申请)?公开[）)]|[\(（]?责任单位|专题\d|图表\d)"
)
_ORG_NAME = re.compile(rf"^[{_CJK}]{{2,}}(?:厅|局|委员会|海关|办公室|政府|管委会)$")
_SENTENCE_END = "。：；！？”）)"


@dataclass(frozen=True)
class Line:
    text: str  # content with letterhead spacing collapsed, not otherwise changed
    start: int  # offset of the first non-blank character in the source
    end: int  # offset after the last non-blank character
    tabbed: bool = False  # began with a tab (table cells, box contents in 001)


@dataclass(frozen=True)
class Paragraph:
    text: str  # layout whitespace removed
    start: int
    end: int
    tabbed: bool = False


@dataclass
class LayoutResult:
    paragraphs: list[Paragraph]
    dropped: Counter[str] = field(default_factory=Counter)
    spaced_lines: int = 0
    joined_lines: int = 0
    spaces_removed: int = 0

    def describe(self) -> list[str]:
        notes: list[str] = []
        if self.spaced_lines:
            notes.append(f"合并信头字间空格{self.spaced_lines}行（如“福 建 省”→“福建省”）")
        if self.joined_lines:
            notes.append(f"把排版断开的{self.joined_lines}处断行接回段落")
        if self.dropped:
            dropped = "，".join(f"“{text}”{n}处" for text, n in self.dropped.items())
            notes.append(f"删除版面杂字和页眉：{dropped}")
        if self.spaces_removed:
            notes.append(f"删除排版空格{self.spaces_removed}处（如“1000 万元”→“1000万元”）")
        return notes


def width(text: str) -> int:
    """Printed width in half-width cells: CJK and full-width marks count two."""
    # Ambiguous-width marks (— “ ” Ⅰ) are full width in a Chinese font.
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def split_lines(source: str) -> list[Line]:
    lines: list[Line] = []
    offset = 0
    for raw in source.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + raw.index(stripped[0])
            lines.append(
                Line(collapse_spaced_letters(stripped), start, start + len(stripped), raw.startswith("\t"))
            )
        offset += len(raw) + 1
    return lines


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def drop_noise(lines: list[Line], noise: tuple[str, ...]) -> tuple[list[Line], Counter[str]]:
    """Remove lines (or two consecutive lines) whose text is exactly a running head."""
    wanted = {_compact(n) for n in noise}
    kept: list[Line] = []
    dropped: Counter[str] = Counter()
    i = 0
    while i < len(lines):
        one = _compact(lines[i].text)
        two = one + _compact(lines[i + 1].text) if i + 1 < len(lines) else None
        if one in wanted:
            dropped[one] += 1
            i += 1
        elif two in wanted:
            dropped[two] += 1
            i += 2
        else:
            kept.append(lines[i])
            i += 1
    return kept, dropped


def is_name_line(text: str) -> bool:
    """A line of organisation names only: a letterhead or signature line."""
    tokens = text.split()
    return bool(tokens) and all(len(t) >= 4 and _ORG_NAME.match(t) for t in tokens)


def _full_width(lines: list[Line]) -> int:
    widths = sorted(width(line.text) for line in lines)
    return widths[int(len(widths) * 0.75)] if widths else 0


_IMPRINT_LINE = re.compile(r"^[\u3400-\u9fff（）()]{2,30}\d{4}年\d{1,2}月\d{1,2}日印发$")
_UNITS_START = ("责任单位", "（责任单位", "(责任单位")
_CLOSING_MARKS = "。；！？”）」》)"


def _wrapped_break(first: Line, a: Line, b: Line, full: int) -> bool:
    """Whether the paragraph that began with ``first`` ends after line ``a``.

    Paragraph-opening lines lost their two-character indent in extraction, so a wrapped line is
    "full" when it reaches about the width of the page; a closing line stops short of it.
    """
    if MARKER.match(b.text) or is_name_line(a.text):
        return True
    # the imprint (版记: …办公室2025年2月20日印发) is a line of its own, never a paragraph's end
    if _IMPRINT_LINE.search(b.text) and a.text.endswith("。"):
        return True
    # A list of units continues on the next line even when that line is a bare name.
    if is_name_line(b.text) and not a.text.endswith(("、", "，")):
        return True
    # A salutation ends with a colon; a notice title ends with 通知 and the salutation follows.
    if a.text.endswith(("：", ":", "的通知")):
        return True
    # A paragraph's closing sentence can fill the line; "本措施…" always opens a closing provision.
    if a.text.endswith("。") and b.text.startswith(("本措施", "本方案")):
        return True
    short = width(a.text) < full - 5
    if first.text.startswith(_UNITS_START):
        return a.text.endswith(("）", ")")) or (short and not a.text.endswith(("、", "，")))
    if MARKER.match(first.text) or a.text.endswith(tuple(_CLOSING_MARKS)):
        return short
    # A line that ends mid-phrase is cut by the layout unless it is far short (a title line).
    return width(a.text) < full * 0.7


def _lines_break(a: Line, b: Line) -> bool:
    if a.tabbed or b.tabbed or MARKER.match(b.text):
        return True
    # A long line cut by a page break does not end with a sentence mark; a heading is short.
    return width(a.text) < 60 or a.text.endswith(tuple(_SENTENCE_END))


def _join(texts: list[str]) -> str:
    out = texts[0]
    for text in texts[1:]:
        sep = (
            " "
            if out[-1:].isascii() and out[-1:].isalpha() and text[:1].isascii() and text[:1].isalpha()
            else ""
        )
        out += sep + text
    return out


def paragraphs(source: str, layout: str = "wrapped", noise: tuple[str, ...] = ()) -> LayoutResult:
    lines = split_lines(source)
    spaced = sum(1 for line in lines if " " in source[line.start : line.end] and " " not in line.text)
    lines, dropped = drop_noise(lines, DEFAULT_NOISE + tuple(noise))
    full = _full_width(lines)
    groups: list[list[Line]] = []
    for line in lines:
        if groups:
            first, prev = groups[-1][0], groups[-1][-1]
            cut = _lines_break(prev, line) if layout == "lines" else _wrapped_break(first, prev, line, full)
            if not cut:
                groups[-1].append(line)
                continue
        groups.append([line])
    result = LayoutResult([], dropped, spaced)
    for group in groups:
        text, removed = normalise_spaces(_join([line.text for line in group]))
        result.joined_lines += len(group) - 1
        result.spaces_removed += removed
        result.paragraphs.append(Paragraph(text, group[0].start, group[-1].end, group[0].tabbed))
    return result
