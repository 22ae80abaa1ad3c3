"""Ways of writing the same thing, for search: 三期 / Ⅲ期 / III期 / 3期, GCP / 药物临床试验机构,
省药监局 / 福建省药品监督管理局.

The table is data: ``policies/_catalogue/synonyms.yaml``, groups of variants. The search index
(corpus/search.py) applies it at both ends: every clause gets one ``s:<group>`` term per
occurrence of any variant of a group, and a query's variant becomes a concept looked up by that
term, so any variant finds every other. Matching is on folded text (``search.normalise``: full
width to half width, lower case), longest variant first; a variant beginning with a Latin letter
or a digit does not match after one (3期 is not found in 2023期, I期 not in 期III期's middle).

An enumeration such as ``Ⅰ、Ⅱ、Ⅲ期`` or ``第二类、第三类`` counts for each of its numerals: the
suffix is distributed before matching (``Ⅰ期、Ⅱ期、Ⅲ期``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from biopolicy.domain import LoadError

__all__ = ["SYNONYMS_FILE", "Synonyms", "load_synonyms"]

SYNONYMS_FILE = Path("_catalogue") / "synonyms.yaml"
TERM = "s:"

_NUMERAL = r"(?:[一二三四1234ⅠⅡⅢⅣ]|iv|iii|ii|i)"
_ENUMERATION = re.compile(rf"((?:{_NUMERAL}[、和及与/]){{1,3}}){_NUMERAL}([期类])")


def _fold(text: str) -> str:
    from biopolicy.corpus.search import normalise

    return normalise(text)


def _distribute(match: re.Match[str]) -> str:
    suffix = match.group(2)
    head = match.group(0)[:-1]
    return re.sub(rf"({_NUMERAL})(?=[、和及与/]|$)", lambda m: m.group(1) + suffix, head) + suffix


@dataclass(frozen=True)
class Synonyms:
    """Groups of variants (already folded), keyed by group id."""

    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _group_of: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        group_of = {v: gid for gid, variants in self.groups.items() for v in variants}
        alternatives = []
        for v in sorted(group_of, key=lambda v: (-len(v), v)):
            guard = r"(?<![0-9a-z])" if re.match(r"[0-9a-z]", v) else ""
            alternatives.append(guard + re.escape(v))
        object.__setattr__(self, "_group_of", group_of)
        object.__setattr__(self, "_pattern", re.compile("|".join(alternatives)) if alternatives else None)

    @classmethod
    def of(cls, groups: dict[str, list[str]]) -> Synonyms:
        return cls(
            {gid: tuple(dict.fromkeys(_fold(v) for v in variants)) for gid, variants in groups.items()}
        )

    @property
    def digest(self) -> str:
        """Names this table in the search index's cache key."""
        h = hashlib.sha256()
        for gid in sorted(self.groups):
            h.update(gid.encode() + b"\0" + "\1".join(self.groups[gid]).encode() + b"\2")
        return h.hexdigest()

    def find(self, folded: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, group id) of every variant in an already folded text, left to right."""
        if self._pattern is None:
            return
        for m in self._pattern.finditer(folded):
            yield m.start(), m.end(), self._group_of[m.group(0)]

    def terms(self, folded: str) -> Counter[str]:
        """The ``s:<group>`` index terms of a folded text, enumerations distributed."""
        if self._pattern is None:
            return Counter()
        expanded = _ENUMERATION.sub(_distribute, folded)
        return Counter(TERM + gid for _, _, gid in self.find(expanded))

    def variants(self, group_id: str) -> tuple[str, ...]:
        return self.groups.get(group_id, ())


def load_synonyms(policies_dir: Path) -> tuple[Synonyms, list[LoadError]]:
    """The table in ``policies_dir``; an empty one (and the error) when it is missing or malformed."""
    path = policies_dir / SYNONYMS_FILE
    if not path.exists():
        return Synonyms(), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        groups: dict[str, list[str]] = {}
        for g in data.get("groups", []):
            gid, variants = str(g["id"]), [str(v) for v in g["variants"]]
            if gid in groups:
                raise ValueError(f"同义词组 {gid} 重复")
            if len(variants) < 2:
                raise ValueError(f"同义词组 {gid} 至少要有两种写法")
            groups[gid] = variants
        table = Synonyms.of(groups)
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        return Synonyms(), [LoadError(path=str(path), message=f"同义词表无法读取：{exc}")]
    seen: dict[str, str] = {}
    for gid, variants in table.groups.items():
        for v in variants:
            if v in seen and seen[v] != gid:
                return Synonyms(), [
                    LoadError(path=str(path), message=f"同义词“{v}”同时属于 {seen[v]} 和 {gid} 两组")
                ]
            seen[v] = gid
    return table, []
