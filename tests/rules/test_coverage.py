"""Every clause that states a reward's money or rate is encoded as a rule, or listed with the reason it is not.

The check itself (detection, coverage, exclusions, figureless grants) lives in
``biopolicy.rules.coverage``, shared with ``biopolicy check``; it runs here over the policies folder
the settings name (``BIOPOLICY_POLICIES``, else the repository's). The detector's own tests, on
known sentences and clauses, use the repository's policies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from biopolicy.corpus.loader import load_corpus
from biopolicy.domain import Corpus
from biopolicy.rules.coverage import (
    cited_clauses,
    coverage_problems,
    detected,
    grants_without_figure,
    is_covered,
    is_encoded,
    quoted_excerpts,
    read_coverage,
    sentences,
    states_reward_amount,
)
from biopolicy.rules.loader import load_catalogue, load_rules
from biopolicy.rules.schema import RuleSet
from biopolicy.services.checks import policies_root

REPO_POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _load(root: Path) -> tuple[Corpus, RuleSet]:
    corpus = load_corpus(root)
    assert not corpus.errors, corpus.errors
    return corpus, load_rules(corpus, load_catalogue(root), root)


@pytest.fixture(scope="module")
def folder() -> tuple[Corpus, RuleSet]:
    return _load(policies_root())


@pytest.fixture(scope="module")
def repo() -> tuple[Corpus, RuleSet]:
    return _load(REPO_POLICIES)


@pytest.fixture(scope="module")
def corpus(repo) -> Corpus:
    return repo[0]


@pytest.fixture(scope="module")
def rules(repo) -> RuleSet:
    return repo[1]


def test_the_folder_has_clauses_stating_reward_amounts(folder):
    corpus, _ = folder
    assert corpus.documents
    assert detected(corpus)


def test_every_clause_stating_a_reward_amount_is_encoded_or_excluded_and_no_list_entry_is_stale(folder):
    corpus, rules = folder
    problems = coverage_problems(corpus, rules, read_coverage(policies_root()))
    assert not problems, "\n".join(f"{doc or '清单'}：{p}" for doc, ps in problems.items() for p in ps)


def test_a_new_unencoded_amount_and_a_stale_exclusion_are_reported(corpus, rules):
    listed = read_coverage(REPO_POLICIES)
    some = next(c for c in detected(corpus) if c.id not in listed.excluded and c.doc_id == "xm-2023")
    cited = cited_clauses(rules)
    without = rules.model_copy(
        update={
            "measures": {
                k: m
                for k, m in rules.measures.items()
                if not any(c in cited and is_covered(corpus, some, {c}) for c in m.clauses)
            },
            "caps": [c for c in rules.caps if not any(is_covered(corpus, some, {x}) for x in c.clauses)],
        }
    )
    problems = coverage_problems(corpus, without, listed)
    assert any(some.id in p and "没有措施或上限引用它" in p for p in problems.get("xm-2023", []))
    # the message names the file to edit and what to write there
    said = next(p for p in problems["xm-2023"] if some.id in p)
    assert "policies/xm-2023/coverage.yaml 的 excluded" in said and f"- clause: {some.id}" in said
    assert "reason" in said and "policies/xm-2023/measures.yaml" in said
    listed.excluded["xm-2023/m16"] = "这是一个测试用的理由，条款其实已编码"
    problems = coverage_problems(corpus, rules, listed)
    assert any("xm-2023/m16" in p and "请从清单中删除" in p for p in problems["xm-2023"])
    listed.listed_in["xm-2023/m16"] = "policies/_coverage.yaml"  # a stale entry names the file it is in
    problems = coverage_problems(corpus, rules, listed)
    assert any(p.startswith("policies/_coverage.yaml excluded 中的 xm-2023/m16") for p in problems["xm-2023"])
    listed.excluded["xm-2023/m16"] = "短"
    assert any("写明不编码的理由" in p for p in coverage_problems(corpus, rules, listed)["xm-2023"])


def test_a_skipped_documents_clauses_are_not_reported(corpus, rules):
    skipped = rules.model_copy(
        update={
            "measures": {k: m for k, m in rules.measures.items() if m.doc_id != "xm-2023"},
            "skipped": {"xm-2023": ["测试"]},
        }
    )
    assert "xm-2023" not in coverage_problems(corpus, skipped, read_coverage(REPO_POLICIES))


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


def test_a_stale_grant_entry_is_reported(corpus, rules):
    listed = read_coverage(REPO_POLICIES)
    listed.grants.append(
        {"clause": "xm-2023/m16", "quote": "并无此句", "reason": "测试用的理由，足够长的理由"}
    )
    assert listed.grants and all(g["file"] == "policies/_coverage.yaml" for g in listed.grants[:-1])
    listed.grants[-1]["file"] = "policies/xm-2023/coverage.yaml"
    said = [p for p in coverage_problems(corpus, rules, listed)["xm-2023"] if "并无此句" in p]
    assert said and said[0].startswith("policies/xm-2023/coverage.yaml grants 中的 xm-2023/m16")


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
    # reported without it, naming the file to write the grant in and its three fields
    problems = coverage_problems(corpus, talent_only, read_coverage(REPO_POLICIES))["xm-2023"]
    said = next(p for p in problems if "安居" in p)
    assert "policies/xm-2023/coverage.yaml 的 grants" in said
    assert all(word in said for word in ("- clause: xm-2023/m20", "quote", "reason"))
