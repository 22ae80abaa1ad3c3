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

Exclusions. ``policies/_coverage.yaml`` (and a document's own ``policies/<doc>/coverage.yaml``)
list each detected clause that is deliberately not a rule (targets, statistics, summaries of
amounts encoded from the measures' own text, fund sizes, time limits), each with a reason in
Chinese. An entry is stale, and fails, when its clause does not exist, is covered after all, or is
not detected at all: when a colleague encodes a listed clause, the check says to remove the entry.

Support granted without a figure. A clause may grant support in words only: 按规定给予, 给予…支持,
给予…奖励/补助, 予以…补助, 享受…政策支持, 支持申报…项目. Such a grant is not seen by the figure rule
above, and one measure citing the clause would hide every other grant in it. So this check works
per sentence (split at 。and ；) of each leaf clause (a clause with no sub-clauses):
- a sentence *grants support without a figure* when ``GRANT`` matches it and it states no money
  figure, rate or ratio (``FIGURE``; sentences with a figure are the figure rule's);
- it is *encoded* when a measure or shared ceiling citing the clause (itself, an ancestor or a
  descendant) quotes it: one of its excerpts lies in the sentence, or the sentence in the excerpt;
- otherwise it is listed under ``grants`` (clause, a quote from the sentence, and the reason in
  Chinese), or its whole clause is listed under ``excluded``.
A ``grants`` entry is stale when its clause does not exist, its quote is not in a detected sentence
of the clause, or that sentence is encoded after all.

``coverage_problems`` returns every problem as a Chinese message, keyed by document id, for
``biopolicy check`` and the test suite alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from biopolicy.domain import Clause, Corpus
from biopolicy.domain.corpus import FactKind
from biopolicy.rules.schema import RuleSet

COVERAGE_FILE = "_coverage.yaml"
DOC_COVERAGE_FILE = "coverage.yaml"
REWARD_WORDS = re.compile("奖励|补助|资助|补贴|支持|配套|免收|奖补")
AMOUNT_FACTS = {FactKind.money, FactKind.percent, FactKind.ratio}
# a grant in words: 给予/予以/享受 … a support word, within one phrase; 按(有关)规定给予; 支持申报
GRANT = re.compile(
    r"(给予|予以|享受)[^。；，,]{0,30}?(奖励|补助|资助|补贴|支持|扶持|奖补|配套|贴息)"
    r"|按(有关|相关)?规定给予"
    r"|支持[^。；，,]{0,4}申报"
)
FIGURE = re.compile(r"\d+(\.\d+)?\s*[）)]?\s*(万元|亿元|元|万|%)|\d+\s*[:：]\s*\d+")


@dataclass
class CoverageList:
    """The exclusions and figureless grants declared for a policies folder, with where each came from."""

    excluded: dict[str, str] = field(default_factory=dict)  # clause id -> reason
    grants: list[dict[str, str]] = field(default_factory=list)  # clause, quote, reason, file
    listed_in: dict[str, str] = field(default_factory=dict)  # excluded clause id -> the file that lists it
    problems: list[str] = field(default_factory=list)  # duplicates, unreadable files


def read_coverage(root: Path) -> CoverageList:
    """``_coverage.yaml`` at the root and every ``<doc>/coverage.yaml``; a missing file lists nothing."""
    out = CoverageList()
    paths = [root / COVERAGE_FILE, *sorted(root.glob(f"*/{DOC_COVERAGE_FILE}"))]
    for path in paths:
        if not path.is_file():
            continue
        shown = "policies/" + ("/".join(path.parts[-2:]) if path.parent != root else path.name)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            out.problems.append(f"{shown}：不是有效的 YAML：{exc}")
            continue
        for entry in data.get("excluded") or []:
            cid = str(entry.get("clause") or "")
            if cid in out.excluded:
                out.problems.append(f"{shown}：重复列出 {cid}")
            out.excluded[cid] = str(entry.get("reason") or "").strip()
            out.listed_in[cid] = shown
        for entry in data.get("grants") or []:
            grant = {k: str(entry.get(k) or "").strip() for k in ("clause", "quote", "reason")}
            out.grants.append(grant | {"file": shown})
    return out


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
    excerpts = [e for cid in lineage(corpus, clause) for e in quoted.get(cid, [])]
    return any(e in sentence or sentence in e for e in excerpts)


def leaf_clauses(corpus: Corpus) -> list[Clause]:
    return [c for c in corpus.all_clauses() if not corpus.documents[c.doc_id].children(c.id)]


def cited_clauses(rules: RuleSet) -> set[str]:
    """Clauses cited by a measure or a shared ceiling: the rules that carry amounts."""
    return {cid for m in rules.measures.values() for cid in m.clauses} | {
        cid for cap in rules.caps for cid in cap.clauses
    }


def lineage(corpus: Corpus, clause: Clause) -> set[str]:
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
    return bool(lineage(corpus, clause) & cited)


def detected(corpus: Corpus) -> list[Clause]:
    return [c for c in corpus.all_clauses() if states_reward_amount(c)]


def shown(clause: Clause) -> str:
    figures = "、".join(f.text for f in clause.facts if f.kind in AMOUNT_FACTS)
    return f"{clause.id}（{figures}）：{' '.join(clause.text.split())[:40]}…"


def _doc_of(clause_id: str) -> str:
    return clause_id.split("/", 1)[0]


def doc_coverage_file(doc_id: str) -> str:
    """The file an analyst lists a document's unencoded clauses in (read by ``read_coverage``)."""
    return f"policies/{doc_id}/{DOC_COVERAGE_FILE}"


def _to_exclude(clause: Clause) -> str:
    return (
        f"请编为措施（在 policies/{clause.doc_id}/measures.yaml 中，clauses 引用 {clause.id}），"
        f"或在 {doc_coverage_file(clause.doc_id)} 的 excluded 下写一项："
        f"“- clause: {clause.id}”及“reason: ”（用中文写明为何不编码，如“目标而非奖补”）"
    )


def _to_list_grant(clause: Clause) -> str:
    return (
        f"请编为措施（excerpt 引用这句原文），或在 {doc_coverage_file(clause.doc_id)} 的 grants 下写一项："
        f"“- clause: {clause.id}”、“quote: ”（这句中的原话）及“reason: ”（用中文写明为何不编码）"
    )


def coverage_problems(corpus: Corpus, rules: RuleSet, listed: CoverageList) -> dict[str, list[str]]:
    """Every coverage problem as a Chinese message, by document id ("" for the lists themselves).

    A document whose rules were skipped is not checked: its clauses would all look unencoded.
    """
    out: dict[str, list[str]] = {}

    def add(doc: str, message: str) -> None:
        out.setdefault(doc, []).append(message)

    for p in listed.problems:
        add("", p)
    skipped = set(rules.skipped)
    cited = cited_clauses(rules)
    quoted = quoted_excerpts(rules)
    for c in detected(corpus):
        if c.doc_id in skipped or c.id in listed.excluded or is_covered(corpus, c, cited):
            continue
        add(
            c.doc_id,
            f"写明了奖补金额或比例，但没有措施或上限引用它，也没有列为不编码：{shown(c)}。{_to_exclude(c)}",
        )
    for cid, reason in listed.excluded.items():
        clause = corpus.clause(cid)
        doc = _doc_of(cid)
        if doc in skipped:
            continue
        where = f"{listed.listed_in.get(cid, '不编码清单')} excluded 中的 {cid}"
        if clause is None:
            add(doc, f"{where}：条款不存在")
        elif is_covered(corpus, clause, cited):
            add(doc, f"{where}：已有措施或上限引用（本身、上级或下级条款），请从清单中删除")
        elif not states_reward_amount(clause):
            add(doc, f"{where}：没有写明奖补金额或比例，无需列出，请删除")
        if len(reason) < 10:
            add(doc, f"{where}：请在 reason 中写明不编码的理由（至少十个字）")
    for clause in leaf_clauses(corpus):
        if clause.id in listed.excluded or clause.doc_id in skipped:
            continue
        for sentence in sentences(clause):
            if not grants_without_figure(sentence) or is_encoded(corpus, clause, sentence, quoted):
                continue
            if any(g["clause"] == clause.id and g["quote"] and g["quote"] in sentence for g in listed.grants):
                continue
            add(
                clause.doc_id,
                f"{clause.id}：给予支持但没有写明金额，既没有措施的摘录引用它，也没有列在 grants 中："
                f"{sentence[:60]}…。{_to_list_grant(clause)}",
            )
    for g in listed.grants:
        clause = corpus.clause(g["clause"])
        doc = _doc_of(g["clause"])
        if doc in skipped:
            continue
        where = f"{g.get('file') or '不编码清单'} grants 中的 {g['clause']}"
        if clause is None:
            add(doc, f"{where}：条款不存在")
            continue
        hits = [x for x in sentences(clause) if g["quote"] and g["quote"] in x and grants_without_figure(x)]
        if not hits:
            add(doc, f"{where}：“{g['quote']}”不在该条款中给予支持而无金额的句子里，请删除或改正")
        elif all(is_encoded(corpus, clause, x, quoted) for x in hits):
            add(doc, f"{where}：“{g['quote']}”已有措施引用，请从清单中删除")
        if len(g["reason"]) < 10:
            add(doc, f"{where}（{g['quote']}）：请在 reason 中写明不编码的理由（至少十个字）")
    return out
