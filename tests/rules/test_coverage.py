"""Every clause that states a reward's money or rate is encoded as a rule, or listed with the reason it is not.

Detection. A clause of a policy document *states a reward amount* when both hold:
- among the facts the corpus extracts from its text there is at least one money figure (元), rate
  (%) or matching ratio (1:1) — ``FactKind.money``, ``percent`` or ``ratio``; counts and durations
  do not count;
- its text contains a reward word: 奖励、补助、资助、补贴、支持、配套、免收 or 奖补.
The test is per clause and deliberately broad: a measure clause holds the text of its paragraphs, so
both a measure and its paragraphs are checked; a target (营业收入力争达到1200亿元) or a statistic
only needs listing when its clause also uses a reward word.

Coverage. A detected clause is covered when a measure or a shared ceiling (``caps``) of any
``policies/*/measures.yaml`` cites the clause itself, one of its ancestors (citing ``xm-2023/m2``
covers ``xm-2023/m2/p1``) or one of its descendants (citing ``xm-2023/m2/p1`` covers ``xm-2023/m2``).
Overlaps, funding lines and interpretation notes do not count: they state no amount.

Exclusions. ``policies/_coverage.yaml`` lists each detected clause that is deliberately not a rule
(targets, statistics, the interpretation's summaries of amounts encoded from the measures' own
text, fund sizes, time limits), each with a reason in Chinese. An entry is stale, and fails, when
its clause does not exist, is covered after all, or is not detected at all: when a colleague encodes
a listed clause, the test says to remove the entry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.domain import Clause, Corpus
from biopolicy.domain.corpus import FactKind
from biopolicy.rules.loader import load_catalogue, load_rules
from biopolicy.rules.schema import RuleSet

POLICIES = Path(__file__).resolve().parents[2] / "policies"
COVERAGE = POLICIES / "_coverage.yaml"
REWARD_WORDS = re.compile("奖励|补助|资助|补贴|支持|配套|免收|奖补")
AMOUNT_FACTS = {FactKind.money, FactKind.percent, FactKind.ratio}


def states_reward_amount(clause: Clause) -> bool:
    """A money figure, rate or ratio among the clause's facts, and a reward word in its text."""
    return any(f.kind in AMOUNT_FACTS for f in clause.facts) and REWARD_WORDS.search(clause.text) is not None


def cited_clauses(rules: RuleSet) -> set[str]:
    """Clauses cited by a measure or a shared ceiling: the rules that carry amounts."""
    return {cid for m in rules.measures.values() for cid in m.clauses} | {
        cid for cap in rules.caps for cid in cap.clauses
    }


def _lineage(corpus: Corpus, clause: Clause) -> set[str]:
    """The clause, its ancestors and its descendants."""
    ids = {clause.id}
    parent = clause.parent_id
    while parent is not None:
        ids.add(parent)
        above = corpus.clause(parent)
        parent = above.parent_id if above is not None else None
    doc = corpus.documents[clause.doc_id]
    frontier = [clause.id]
    while frontier:
        children = [c.id for c in doc.children(frontier.pop())]
        ids.update(children)
        frontier += children
    return ids


def is_covered(corpus: Corpus, clause: Clause, cited: set[str]) -> bool:
    return bool(_lineage(corpus, clause) & cited)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    corpus = load_corpus(POLICIES)
    assert not corpus.errors, corpus.errors
    return corpus


@pytest.fixture(scope="module")
def cited(corpus) -> set[str]:
    return cited_clauses(load_rules(corpus, load_catalogue(POLICIES), POLICIES))


@pytest.fixture(scope="module")
def excluded() -> dict[str, str]:
    entries = (yaml.safe_load(COVERAGE.read_text(encoding="utf-8")) or {}).get("excluded") or []
    ids = [e["clause"] for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"policies/_coverage.yaml 中重复列出：{'、'.join(duplicates)}"
    return {e["clause"]: (e.get("reason") or "").strip() for e in entries}


def _detected(corpus: Corpus) -> list[Clause]:
    return [c for c in corpus.all_clauses() if states_reward_amount(c)]


def _shown(clause: Clause) -> str:
    figures = "、".join(f.text for f in clause.facts if f.kind in AMOUNT_FACTS)
    return f"{clause.id}（{figures}）：{' '.join(clause.text.split())[:40]}…"


def test_the_five_documents_are_checked(corpus):
    assert set(corpus.documents) == {"fj-2023-7", "fj-yj-2025-30", "fz-plan", "xm-2023", "xm-2025-1"}
    assert len(_detected(corpus)) >= 30


def test_every_clause_stating_a_reward_amount_is_encoded_or_excluded(corpus, cited, excluded):
    uncovered = [
        _shown(c) for c in _detected(corpus) if c.id not in excluded and not is_covered(corpus, c, cited)
    ]
    assert not uncovered, (
        "以下条款写明了奖补金额或比例，但没有措施或上限引用它（本身、上级或下级条款），"
        "也没有列在 policies/_coverage.yaml 中：\n" + "\n".join(uncovered)
    )


def test_no_exclusion_is_stale(corpus, cited, excluded):
    stale = []
    for cid in excluded:
        clause = corpus.clause(cid)
        if clause is None:
            stale.append(f"{cid}：条款不存在")
        elif is_covered(corpus, clause, cited):
            stale.append(
                f"{cid}：已有措施或上限引用（本身、上级或下级条款），请从 policies/_coverage.yaml 中删除"
            )
        elif not states_reward_amount(clause):
            stale.append(f"{cid}：没有写明奖补金额或比例，无需列出，请从 policies/_coverage.yaml 中删除")
    assert not stale, "policies/_coverage.yaml 中的过期条目：\n" + "\n".join(stale)


def test_every_exclusion_gives_its_reason(excluded):
    assert excluded, "policies/_coverage.yaml 应列出不编码的条款"
    silent = [cid for cid, reason in excluded.items() if len(reason) < 10]
    assert not silent, f"请写明不编码的理由：{'、'.join(silent)}"


@pytest.mark.parametrize(
    ("clause_id", "detected"),
    [
        ("xm-2023/m16", True),  # 200万元补助
        ("xm-2023/m4", True),  # only a ratio: 按照国家实际资助1:1的比例予以配套
        ("xm-2023/m10/p3", True),  # a threshold (2000万元以上) and a rate (10%) with 奖励
        ("fj-2023-7/m1/p1", False),  # a target (营业收入力争达到1200亿元) and no reward word
        ("fj-2023-7/m11/p3", False),  # 免收 with no figure: a waiver of the fee itself
        ("xm-2023/interp/6", False),  # 就高从优不重复: an overlap, no figure
    ],
)
def test_detection_on_known_clauses(corpus, clause_id, detected):
    clause = corpus.clause(clause_id)
    assert clause is not None, clause_id
    assert states_reward_amount(clause) is detected


def test_coverage_counts_ancestors_and_descendants(corpus):
    paragraph = corpus.clause("xm-2023/m2/p1")
    measure = corpus.clause("xm-2023/m2")
    assert is_covered(corpus, paragraph, {"xm-2023/m2"})  # the whole measure cited
    assert is_covered(corpus, measure, {"xm-2023/m2/p2"})  # one of its paragraphs cited
    assert not is_covered(corpus, paragraph, {"xm-2023/m2/p2"})  # a sibling does not cover it
    assert not is_covered(corpus, paragraph, set())
