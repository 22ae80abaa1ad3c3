"""Text repair: undo the flaws of text extracted from the published PDFs.

Two kinds of repair live here:

* the punctuation mojibake (seed 002): every full-width punctuation mark became the CJK
  character whose GBK lead byte is 0x31 higher (，A3AC → 袁 D4AC). The repair keeps the text's
  length, so offsets into the repaired text are offsets into the source as received;
* whitespace left by the layout: letterhead characters spaced out, spaces between a figure and
  its unit ("1000 万元"), spaces that justified a line around punctuation.

Joining lines into paragraphs and dropping running heads is layout.py's job.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# The punctuation that the corruption hits and what each mark turned into. Derived from the
# encoding rather than typed in, so the table cannot drift from the rule in the seeds README.
_PUNCTUATION = "，、。；：“”《》（）〔〕—～ⅠⅡⅢ"


def _corrupted(mark: str) -> str:
    lead, trail = mark.encode("gbk")
    return bytes([lead + 0x31, trail]).decode("gbk")


MOJIBAKE: dict[str, str] = {_corrupted(p): p for p in _PUNCTUATION}

# Characters that, in a corrupt document, stand for punctuation wherever they are not part of
# one of these real words. 院 is the only one of them common in policy text (医院, 研究院).
_ALWAYS_PUNCTUATION = {"袁", "尧", "遥", "曰", "院"}
_REAL_WORDS = (
    "医院",
    "院所",
    "研究院",
    "学院",
    "院长",
    "院士",
    "国务院",
    "法院",
    "院校",
    "检院",
    "病院",
    "院内",
    "院外",
    "科学院",
    "工程院",
    "书院",
    "遥远",
    "遥感",
    "遥控",
    "遥遥",
    "逍遥",
    "尧舜",
    # 要 is a dash only between list items; these words keep it a character.
    "主要",
    "要求",
    "重要",
    "需要",
    "要素",
    "必要",
    "只要",
    "要点",
    "纪要",
    "摘要",
    "首要",
    "简要",
    "要件",
    "要害",
)

_CJK = r"\u3400-\u9fff"
_FULLWIDTH_PUNCT = "，、。；：？！“”‘’《》（）〔〕【】—～…·「」『』〈〉"


@dataclass
class MojibakeRepair:
    """The repaired text (same length as the input) and what was changed, by mapping."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)

    def describe(self) -> list[str]:
        if not self.counts:
            return []
        parts = [
            f"{bad}→{MOJIBAKE[bad]} {n}处" for bad, n in sorted(self.counts.items(), key=lambda kv: -kv[1])
        ]
        total = sum(self.counts.values())
        return [f"修复标点乱码（全角标点被错码为汉字）共{total}处：" + "，".join(parts)]


def is_mojibake_corrupt(text: str) -> bool:
    """True when the document's commas and full stops are mostly the corrupted characters.

    袁 and 遥 are rare as real characters, while every running text has commas and full stops;
    a document that has many of the former and few of the latter is corrupt.
    """
    corrupt = text.count("袁") + text.count("遥")
    real = text.count("，") + text.count("。")
    return corrupt >= 10 and corrupt > 3 * real


class _Compact:
    """The text without whitespace, with each character's position in the original.

    Decisions look at neighbours across line breaks ("卫\\n\\n健要医保要\\n企业"), so they are
    taken on this view and written back at the original positions.
    """

    def __init__(self, text: str) -> None:
        self.positions = [i for i, ch in enumerate(text) if not ch.isspace()]
        self.text = "".join(text[i] for i in self.positions)


def repair_mojibake(text: str) -> MojibakeRepair:
    """Replace each corrupted character that stands for punctuation; keep real characters.

    Length-preserving: every replacement is one character for one character.
    """
    compact = _Compact(text)
    fixes = _decide(compact.text)
    chars = list(text)
    counts: Counter[str] = Counter()
    for index, mark in fixes.items():
        original = chars[compact.positions[index]]
        chars[compact.positions[index]] = mark
        counts[original] += 1
    return MojibakeRepair("".join(chars), counts)


def _decide(s: str) -> dict[int, str]:
    """Index in the compact text → the punctuation mark it stands for."""
    fixes: dict[int, str] = {}
    protected = _protected_indices(s)
    for i, ch in enumerate(s):
        if ch in _ALWAYS_PUNCTUATION and i not in protected:
            fixes[i] = MOJIBAKE[ch]
    fixes.update(_paired(s, "野", "冶", fixes, max_span=40))
    fixes.update(_paired(s, "叶", "曳", fixes, max_span=60))
    fixes.update(_parentheses(s, fixes))
    # 〔〕 only around a year in a document number: 闽政也2022页10号.
    for m in re.finditer(r"也(\d{4})页", s):
        fixes[m.start()] = "〔"
        fixes[m.end() - 1] = "〕"
    # ～ only between figures: 渊200耀1000冤.
    for m in re.finditer(r"(?<=\d)耀(?=\d)", s):
        fixes[m.start()] = "～"
    fixes.update(_dashes(s))
    fixes.update(_roman_phases(s))
    return fixes


def _protected_indices(s: str) -> set[int]:
    protected: set[int] = set()
    for word in _REAL_WORDS:
        for m in re.finditer(re.escape(word), s):
            protected.update(range(m.start(), m.end()))
    return protected


def _is_sentence_end(s: str, i: int, fixes: dict[int, str]) -> bool:
    return fixes.get(i) == "。" or s[i] == "。"


def _paired(s: str, open_ch: str, close_ch: str, fixes: dict[int, str], max_span: int) -> dict[int, str]:
    """Quotes and book-title marks: only an opener followed, within one sentence, by its closer."""
    out: dict[int, str] = {}
    for i, ch in enumerate(s):
        if ch != open_ch:
            continue
        for j in range(i + 1, min(len(s), i + max_span)):
            if s[j] == open_ch or _is_sentence_end(s, j, fixes):
                break
            if s[j] == close_ch:
                out[i], out[j] = MOJIBAKE[open_ch], MOJIBAKE[close_ch]
                break
    return out


def _parentheses(s: str, fixes: dict[int, str]) -> dict[int, str]:
    """渊…冤 pairs, and 冤 closing a real ASCII "(" (002 mixes the two): close it in kind."""
    out: dict[int, str] = {}
    stack: list[tuple[int, str]] = []
    for i, ch in enumerate(s):
        if ch in ("渊", "(", "（"):
            stack.append((i, ch))
        elif ch in (")", "）"):
            if stack and stack[-1][1] in ("(", "（"):
                stack.pop()
        elif ch == "冤" and stack:
            j, opener = stack.pop()
            if i - j > 150:
                continue
            if opener == "渊":
                out[j], out[i] = "（", "）"
            elif opener == "(":
                out[i] = ")"
            else:
                out[i] = "）"
        elif _is_sentence_end(s, i, fixes) and stack and stack[-1][1] == "渊" and i - stack[-1][0] > 150:
            stack.pop()
    return out


def _dashes(s: str) -> dict[int, str]:
    """要 is a dash only in a chain of short items (卫健要医保要企业) or between figures (1要2)."""
    out: dict[int, str] = {}
    protected = _protected_indices(s)
    item = rf"(?:(?!要)[{_CJK}]){{1,4}}"
    for m in re.finditer(rf"{item}(?:要{item}){{2,}}", s):
        dashes = [m.start() + k for k, c in enumerate(m.group()) if c == "要"]
        if not any(i in protected for i in dashes):
            out.update(dict.fromkeys(dashes, "—"))
    for m in re.finditer(r"(?<=\d)要(?=\d)", s):
        out[m.start()] = "—"
    return out


def _roman_phases(s: str) -> dict[int, str]:
    """玉/域/芋 are Ⅰ/Ⅱ/Ⅲ only in the phase list 玉尧域尧芋期 (Ⅰ、Ⅱ、Ⅲ期); 领域 stays 领域."""
    out: dict[int, str] = {}
    roman = {"玉": "Ⅰ", "域": "Ⅱ", "芋": "Ⅲ"}
    for m in re.finditer(r"[玉域芋](?:[尧、][玉域芋])+期", s):
        for k, c in enumerate(m.group()):
            if c in roman:
                out[m.start() + k] = roman[c]
    return out


# --- layout whitespace -------------------------------------------------------------------

_SPACED_LINE = re.compile(rf"^[{_CJK}](?: [{_CJK}]){{2,}}$")


def collapse_spaced_letters(line: str) -> str:
    """ "福 建 省 工 业 和 信 息 化 厅" → "福建省工业和信息化厅"; other lines unchanged."""
    stripped = line.strip()
    if _SPACED_LINE.match(stripped):
        return stripped.replace(" ", "")
    return line


_SPACE_NEAR_PUNCT = re.compile(rf"[ \t\u3000]+(?=[{_FULLWIDTH_PUNCT}])|(?<=[{_FULLWIDTH_PUNCT}])[ \t\u3000]+")
_SPACE_ASCII_CJK = re.compile(
    rf"(?<=[0-9A-Za-z%])[ \t\u3000]+(?=[{_CJK}])|(?<=[{_CJK}])[ \t\u3000]+(?=[0-9A-Za-z])"
)


def normalise_spaces(text: str) -> tuple[str, int]:
    """Drop layout whitespace inside a paragraph; return the text and how many runs were dropped.

    Removed: spaces next to full-width punctuation (justification), spaces between a figure or
    Latin word and a CJK character ("1000 万元" → "1000万元", "2025 年" → "2025年"). Kept: spaces
    between two CJK words ("好年华 聚福州", signature lines) and between Latin words ("WHO PQ").
    """
    text, n1 = _SPACE_NEAR_PUNCT.subn("", text)
    text, n2 = _SPACE_ASCII_CJK.subn("", text)
    text = re.sub(r"[ \t\u3000]{2,}", " ", text).strip()
    return text, n1 + n2
