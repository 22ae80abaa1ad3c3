"""Measures of different documents that the same kind of achievement triggers are related on purpose.

Two measures of different documents triggered by the same event type may pay twice for one
achievement. Each such pair must be declared: either in an overlap (就高从优 / 不重复, in
``policies/_overlaps/measures.yaml`` or a document's own ``overlaps``) that lists both, or in
``policies/_overlaps/independent.yaml`` with the reason, in Chinese, why they are independent (their
conditions exclude each other, or the texts make them separate supports).

A pair whose applicant places cannot meet needs neither: a measure for 清溪县's applicants and one
for 厦门市's can never both apply to one applicant. Places meet when one of them lies within the
other (福建省 and 厦门市 meet; 厦门市 and 宁德市/清溪县 do not), read from the divisions the loader
checked the places against; a place that cannot be read counts as meeting (the pair is asked for).

An entry of ``independent.yaml`` is stale when a measure does not exist, the two no longer share an
event type, they are of the same document, their places do not meet, or an overlap declares them
after all. ``relation_problems`` reports all this per document, in Chinese, for ``biopolicy check``;
``tests/rules/test_overlaps_declared.py`` asserts it on the repository's policies.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import yaml

from biopolicy.domain.events import Catalogue
from biopolicy.domain.places import Divisions
from biopolicy.rules.schema import Measure, RuleSet

INDEPENDENT_FILE = Path("_overlaps") / "independent.yaml"
SHOWN_FILE = f"policies/{INDEPENDENT_FILE.as_posix()}"
OVERLAPS_FILE = "policies/_overlaps/measures.yaml"
MIN_REASON = 10  # characters: a reason is a sentence, not a word

Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def places_meet(a: Measure, b: Measure, divisions: Divisions | None) -> bool:
    """Whether one applicant can be located where both measures apply."""
    if divisions is None:
        return True
    left = [divisions.resolve(p)[0] for p in a.applicant.places]
    right = [divisions.resolve(p)[0] for p in b.applicant.places]
    if None in left or None in right:
        return True
    return any(divisions.within(x, y) or divisions.within(y, x) for x in left for y in right)


def cross_document_pairs(rules: RuleSet) -> set[Pair]:
    """Pairs of measures of different documents, triggered by the same event type, whose places meet."""
    by_event: dict[str, list[Measure]] = {}
    for m in rules.measures.values():
        by_event.setdefault(m.event, []).append(m)
    return {
        pair(a.id, b.id)
        for measures in by_event.values()
        for a, b in combinations(measures, 2)
        if a.doc_id != b.doc_id and places_meet(a, b, rules.places)
    }


def declared_pairs(rules: RuleSet) -> set[Pair]:
    """Pairs that some overlap lists together."""
    return {pair(a, b) for o in rules.overlaps for a, b in combinations(o.measures, 2)}


def undeclared(rules: RuleSet, independent: dict[Pair, str]) -> list[Pair]:
    return sorted(cross_document_pairs(rules) - declared_pairs(rules) - set(independent))


def stale(rules: RuleSet, independent: dict[Pair, str]) -> list[tuple[Pair, str]]:
    """Entries of independent.yaml to remove, each with the reason why."""
    out = []
    cross, declared = cross_document_pairs(rules), declared_pairs(rules)
    for p in independent:
        missing = [m for m in p if m not in rules.measures]
        if missing:
            out.append((p, f"没有措施 {'、'.join(missing)}，请删除或改正"))
        elif p in declared:
            out.append((p, "已在重叠（overlaps）中声明，请从 independent.yaml 中删除"))
        elif p not in cross:
            a, b = (rules.measures[m] for m in p)
            why = (
                "适用地点不相交，不会同时适用于同一申请人"
                if a.event == b.event and a.doc_id != b.doc_id
                else "不是由同一类事件触发的不同文件的措施"
            )
            out.append((p, f"{why}，无需列出，请删除"))
    return out


def read_independent(root: Path) -> tuple[dict[Pair, str], list[str]]:
    """The pairs ``independent.yaml`` lists with their reasons, and what is wrong with the file itself."""
    path = root / INDEPENDENT_FILE
    if not path.is_file():
        return {}, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return {}, [f"{SHOWN_FILE}：不是有效的 YAML：{exc}"]
    entries = data.get("independent") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}, [f"{SHOWN_FILE}：应有 independent: 列表，每项写 measures（两项措施）和 reason（理由）"]
    out: dict[Pair, str] = {}
    problems = []
    for i, e in enumerate(entries):
        measures = e.get("measures") if isinstance(e, dict) else None
        if not isinstance(measures, list) or len(measures) != 2:
            problems.append(f"{SHOWN_FILE}：第 {i + 1} 项：measures 应恰列两项措施，收到 {measures}")
            continue
        p = pair(str(measures[0]), str(measures[1]))
        if p in out:
            problems.append(f"{SHOWN_FILE}：重复列出 {'、'.join(p)}")
        out[p] = str(e.get("reason") or "").strip()
    return out, problems


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def silent(independent: dict[Pair, str]) -> list[Pair]:
    """Entries whose reason is missing, too short or not in Chinese."""
    return [p for p, reason in independent.items() if len(reason) < MIN_REASON or not _chinese(reason)]


def _named(m: Measure) -> str:
    return f"“{m.title}”（{m.id}）"


def _doc_of(measure_id: str) -> str:
    return measure_id.split("/", 1)[0]


def relation_problems(rules: RuleSet, root: Path, catalogue: Catalogue | None = None) -> dict[str, list[str]]:
    """Every undeclared pair, stale or silent entry, as a Chinese message, by document id.

    An undeclared pair is reported under both documents, each time from that document's side.
    Problems of the file itself are keyed by "". Documents whose rules were skipped are not checked:
    their measures are not loaded, so their pairs cannot be seen (their entries are not called stale).
    """
    independent, file_problems = read_independent(root)
    out: dict[str, list[str]] = {"": list(file_problems)} if file_problems else {}

    def add(doc: str, message: str) -> None:
        out.setdefault(doc, []).append(message)

    def event_label(event: str) -> str:
        known = catalogue.events.get(event) if catalogue is not None else None
        return f"“{known.label}”" if known is not None else event

    told: set[str] = set()  # documents already given the full instructions (once each, then "同上")
    for a_id, b_id in undeclared(rules, independent):
        a, b = rules.measures[a_id], rules.measures[b_id]
        entry = f"“- measures: [{a_id}, {b_id}]”及“reason: ”（中文理由）"
        for this, other in ((a, b), (b, a)):
            head = (
                f"措施{_named(this)}与 {other.doc_id} 的措施{_named(other)}都由{event_label(this.event)}触发、"
                f"适用地点相交，但没有说明二者的关系。"
            )
            if this.doc_id in told:
                add(this.doc_id, f"{head}写法同上：互不影响的，在 independent.yaml 中写 {entry}")
                continue
            told.add(this.doc_id)
            add(
                this.doc_id,
                f"{head}请按原文判断：同一成果只能取其一的，在 {OVERLAPS_FILE} 中声明重叠（kind: highest_only "
                f"就高从优或 excludes 不重复享受，measures 同时列出二者，引用规定它的条款）；互不影响的，在 "
                f"{SHOWN_FILE} 的 independent 下写一项 {entry}，如条件互斥、产品类型互斥、不同层级的支持并行",
            )
    skipped = set(rules.skipped)
    for p, why in stale(rules, independent):
        docs = sorted({_doc_of(m) for m in p})
        if skipped & set(docs):
            continue
        for doc in docs:
            add(doc, f"{SHOWN_FILE} 中的 {'、'.join(p)}：{why}")
    for p in silent(independent):
        for doc in sorted({_doc_of(m) for m in p}):
            add(
                doc, f"{SHOWN_FILE} 中的 {'、'.join(p)}：请在 reason 中用中文写明互不影响的理由（至少十个字）"
            )
    return out
