"""Measures of different documents that the same kind of achievement triggers are related on purpose.

Two measures of different documents triggered by the same event type may pay twice for one
achievement. Each such pair must be declared: either in an overlap (就高从优 / 不重复, in
``policies/_overlaps/measures.yaml`` or a document's own ``overlaps``) that lists both, or in
``policies/_overlaps/independent.yaml`` with the reason, in Chinese, why they are independent (their
conditions exclude each other, or the texts make them separate supports). An entry of that list is
stale, and fails, when a measure does not exist, the two no longer share an event type, they are of
the same document, or an overlap declares them after all.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import load_catalogue, load_rules
from biopolicy.rules.schema import RuleSet

POLICIES = Path(__file__).resolve().parents[2] / "policies"
INDEPENDENT = POLICIES / "_overlaps" / "independent.yaml"


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def cross_document_pairs(rules: RuleSet) -> set[tuple[str, str]]:
    """Pairs of measures of different documents triggered by the same event type."""
    by_event: dict[str, list] = {}
    for m in rules.measures.values():
        by_event.setdefault(m.event, []).append(m)
    return {
        _pair(a.id, b.id)
        for measures in by_event.values()
        for a, b in combinations(measures, 2)
        if a.doc_id != b.doc_id
    }


def declared_pairs(rules: RuleSet) -> set[tuple[str, str]]:
    """Pairs that some overlap lists together."""
    return {_pair(a, b) for o in rules.overlaps for a, b in combinations(o.measures, 2)}


def undeclared(rules: RuleSet, independent: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    return sorted(cross_document_pairs(rules) - declared_pairs(rules) - set(independent))


def stale(rules: RuleSet, independent: dict[tuple[str, str], str]) -> list[str]:
    out = []
    cross, declared = cross_document_pairs(rules), declared_pairs(rules)
    for pair in independent:
        missing = [m for m in pair if m not in rules.measures]
        if missing:
            out.append(f"{'、'.join(pair)}：没有措施 {'、'.join(missing)}")
        elif pair in declared:
            out.append(f"{'、'.join(pair)}：已在重叠（overlaps）中声明，请从 independent.yaml 中删除")
        elif pair not in cross:
            out.append(f"{'、'.join(pair)}：不是由同一类事件触发的不同文件的措施，无需列出")
    return out


def read_independent(path: Path) -> dict[tuple[str, str], str]:
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("independent") or []
    out: dict[tuple[str, str], str] = {}
    for e in entries:
        measures = e["measures"]
        assert len(measures) == 2, f"independent.yaml：每项应恰列两项措施，收到 {measures}"
        pair = _pair(*measures)
        assert pair not in out, f"independent.yaml：重复列出 {'、'.join(pair)}"
        out[pair] = (e.get("reason") or "").strip()
    return out


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(load_corpus(POLICIES), load_catalogue(POLICIES), POLICIES)


@pytest.fixture(scope="module")
def independent() -> dict[tuple[str, str], str]:
    return read_independent(INDEPENDENT)


def test_every_cross_document_pair_on_one_event_type_is_declared_or_judged_independent(rules, independent):
    missing = undeclared(rules, independent)
    assert not missing, (
        "以下两项措施属不同文件、由同一类事件触发，但既没有声明重叠（就高从优或不重复），"
        "也没有列在 policies/_overlaps/independent.yaml 中说明为何互不影响：\n"
        + "\n".join(f"{a} 与 {b}（事件类型 {rules.measures[a].event}）" for a, b in missing)
    )


def test_no_independent_entry_is_stale(rules, independent):
    old = stale(rules, independent)
    assert not old, "policies/_overlaps/independent.yaml 中的过期条目：\n" + "\n".join(old)


def test_every_independent_pair_gives_its_reason_in_chinese(independent):
    silent = [" 与 ".join(p) for p, reason in independent.items() if len(reason) < 10 or not _chinese(reason)]
    assert not silent, f"请用中文写明互不影响的理由：{'；'.join(silent)}"


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_check_fails_for_a_pair_nobody_declared(rules, independent):
    """The two pairs issue 8 found undeclared are declared now; removing either declaration fails."""
    tech = _pair("fj-2023-7/m2-tech-upgrade", "fj-yj-2025-30/m14-smart-factory")
    trial = _pair("fj-yj-2025-30/m20-drug-rd", "xm-2023/m1-clinical")
    assert {tech, trial} <= declared_pairs(rules)
    without = rules.model_copy(
        update={"overlaps": [o for o in rules.overlaps if not {*tech} <= set(o.measures)]}
    )
    assert tech in undeclared(without, independent)
    assert trial not in undeclared(without, independent)


def test_an_entry_is_stale_once_an_overlap_declares_it(rules):
    tech = _pair("fj-2023-7/m2-tech-upgrade", "fj-yj-2025-30/m14-smart-factory")
    assert stale(rules, {tech: "理由写在这里，足够长的中文。"})
    assert stale(rules, {_pair("a/none", "b/none"): "理由写在这里，足够长的中文。"})
    same_doc = _pair("xm-2023/m2-drug", "xm-2023/m2-device")
    assert "无需列出" in stale(rules, {same_doc: "理由写在这里，足够长的中文。"})[0]
