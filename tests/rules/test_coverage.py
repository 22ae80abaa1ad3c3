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

Support granted without a figure. A clause may grant support in words only: 按规定给予, 给予…支持,
给予…奖励/补助, 予以…补助, 享受…政策支持, 支持申报…项目. Such a grant is not seen by the figure rule
above, and one measure citing the clause would hide every other grant in it (xm-2023 （二十）'s
安居、医疗、子女教育、配偶安置、创业扶持 beside its 80万元 talent subsidy). So this check works per
sentence (split at 。and ；) of each leaf clause (a clause with no sub-clauses):
- a sentence *grants support without a figure* when ``GRANT`` matches it and it states no money
  figure, rate or ratio (``FIGURE``; sentences with a figure are the figure rule's);
- it is *encoded* when a measure or shared ceiling citing the clause (itself, an ancestor or a
  descendant) quotes it: one of its excerpts lies in the sentence, or the sentence in the excerpt;
- otherwise it is listed under ``grants`` in ``policies/_coverage.yaml`` (clause, a quote from the
  sentence, and the reason in Chinese), or its whole clause is listed under ``excluded``.
A ``grants`` entry is stale when its clause does not exist, its quote is not in a detected sentence
of the clause, or that sentence is encoded after all.
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
# a grant in words: 给予/予以/享受 … a support word, within one phrase; 按(有关)规定给予; 支持申报
GRANT = re.compile(
    r"(给予|予以|享受)[^。；，,]{0,30}?(奖励|补助|资助|补贴|支持|扶持|奖补|配套|贴息)"
    r"|按(有关|相关)?规定给予"
    r"|支持[^。；，,]{0,4}申报"
)
FIGURE = re.compile(r"\d+(\.\d+)?\s*[）)]?\s*(万元|亿元|元|万|%)|\d+\s*[:：]\s*\d+")


def states_reward_amount(clause: Clause) -> bool:
    """A money figure, rate or ratio among the clause's facts, and a reward word in its text."""
    return any(f.kind in AMOUNT_FACTS for f in clause.facts) and REWARD_WORDS.search(clause.text) is not None


def grants_without_figure(sentence: str) -> bool:
    """A grant of support in words, with no money figure, rate or ratio in the sentence."""
    return GRANT.search(sentence) is not None and FIGURE.search(sentence) is None


def sentences(clause: Clause) -> list[str]:
    return [x for x in re.split("[。；;]", "".join(clause.text.split())) if x]


def quoted_excerpts(rules: RuleSet) -> dict[str, list[str]]:
    """By clause id: the excerpts of the measures and shared ceilings that cite it."""
    out: dict[str, list[str]] = {}
    for m in rules.measures.values():
        for cid in m.clauses:
            out.setdefault(cid, []).extend("".join(e.split()) for e in m.excerpts)
    for cap in rules.caps:
        for cid in cap.clauses:
            out.setdefault(cid, []).append("".join(cap.excerpt.split()))
    return out


def is_encoded(corpus: Corpus, clause: Clause, sentence: str, quoted: dict[str, list[str]]) -> bool:
    excerpts = [e for cid in _lineage(corpus, clause) for e in quoted.get(cid, [])]
    return any(e in sentence or sentence in e for e in excerpts)


def leaf_clauses(corpus: Corpus) -> list[Clause]:
    return [c for c in corpus.all_clauses() if not corpus.documents[c.doc_id].children(c.id)]


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


# ---------------------------------------------------------------- support granted without a figure


@pytest.fixture(scope="module")
def rules(corpus) -> RuleSet:
    return load_rules(corpus, load_catalogue(POLICIES), POLICIES)


@pytest.fixture(scope="module")
def grants() -> list[dict[str, str]]:
    entries = (yaml.safe_load(COVERAGE.read_text(encoding="utf-8")) or {}).get("grants") or []
    return [{k: str(e.get(k) or "").strip() for k in ("clause", "quote", "reason")} for e in entries]


def _unencoded_grants(corpus, rules, excluded, grants) -> list[str]:
    quoted = quoted_excerpts(rules)
    out = []
    for clause in leaf_clauses(corpus):
        if clause.id in excluded:
            continue
        for sentence in sentences(clause):
            if not grants_without_figure(sentence) or is_encoded(corpus, clause, sentence, quoted):
                continue
            if any(g["clause"] == clause.id and g["quote"] and g["quote"] in sentence for g in grants):
                continue
            out.append(f"{clause.id}：{sentence[:60]}…")
    return out


def test_every_sentence_granting_support_without_a_figure_is_encoded_or_listed(
    corpus, rules, excluded, grants
):
    missing = _unencoded_grants(corpus, rules, excluded, grants)
    assert not missing, (
        "以下句子给予支持但没有写明金额（如“按规定给予”“给予…支持”），既没有措施的摘录引用它，"
        "也没有列在 policies/_coverage.yaml 的 grants 中：\n" + "\n".join(missing)
    )


def test_no_grant_entry_is_stale(corpus, rules, grants):
    quoted = quoted_excerpts(rules)
    stale = []
    for g in grants:
        clause = corpus.clause(g["clause"])
        if clause is None:
            stale.append(f"{g['clause']}：条款不存在")
            continue
        hits = [x for x in sentences(clause) if g["quote"] and g["quote"] in x and grants_without_figure(x)]
        if not hits:
            stale.append(f"{g['clause']}：“{g['quote']}”不在该条款中给予支持而无金额的句子里，请删除或改正")
        elif all(is_encoded(corpus, clause, x, quoted) for x in hits):
            stale.append(f"{g['clause']}：“{g['quote']}”已有措施引用，请从 policies/_coverage.yaml 中删除")
    assert not stale, "policies/_coverage.yaml 的 grants 中的过期条目：\n" + "\n".join(stale)


def test_every_grant_entry_gives_its_reason(grants):
    assert grants, "policies/_coverage.yaml 应在 grants 中列出不编码的无金额支持"
    silent = [f"{g['clause']}（{g['quote']}）" for g in grants if len(g["reason"]) < 10]
    assert not silent, f"请写明不编码的理由：{'、'.join(silent)}"


@pytest.mark.parametrize(
    ("sentence", "detected"),
    [
        ("对符合条件的人才给予安居、医疗、子女教育、配偶安置、创业扶持等支持", True),
        ("按规定享受相关技改政策支持", True),
        ("符合条件的按规定给予奖补", True),
        ("对解决“卡脖子”技术难题的，支持申报省技术创新重点攻关及产业化项目", True),
        ("经审核确认的给予最高80万元补贴", False),  # a figure: the figure rule's
        ("按照国家实际资助1:1的比例予以配套", False),  # a ratio
        ("加大生物医药领域人才的支持力度", False),  # no grant
        ("鼓励本市各类金融机构将生物医药产业纳入政银企对接支持范围", False),
    ],
)
def test_grant_detection_on_known_sentences(sentence, detected):
    assert grants_without_figure(sentence) is detected


def test_one_measure_does_not_hide_the_other_grants_of_its_clause(corpus, rules):
    """The gap issue 8 found: xm-2023/m20-talent cites （二十）, but only its own sentence is encoded."""
    clause = corpus.clause("xm-2023/m20")
    housing = next(x for x in sentences(clause) if "安居" in x)
    talent_only = rules.model_copy(
        update={"measures": {k: m for k, m in rules.measures.items() if k != "xm-2023/m20-talent-services"}}
    )
    assert is_covered(corpus, clause, cited_clauses(talent_only))  # the clause-level rule saw no gap
    assert not is_encoded(corpus, clause, housing, quoted_excerpts(talent_only))
    assert is_encoded(corpus, clause, housing, quoted_excerpts(rules))
