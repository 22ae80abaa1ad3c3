"""Measures of different documents that the same kind of achievement triggers are related on purpose.

The logic lives in rules/relations.py (``biopolicy check`` reports it per document); this test asserts
it on the repository's policies and on the cases a newcomer met: every pair of measures of different
documents on one event type, whose applicant places meet, is in an overlap or in
``policies/_overlaps/independent.yaml`` with a reason in Chinese; a pair whose places cannot meet
(清溪县 and 厦门市) needs neither, and an entry for it is stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import load_catalogue, load_rules
from biopolicy.rules.places import divisions_of
from biopolicy.rules.relations import (
    cross_document_pairs,
    declared_pairs,
    pair,
    places_meet,
    read_independent,
    relation_problems,
    silent,
    stale,
    undeclared,
)
from biopolicy.rules.schema import Measure, RuleSet

POLICIES = Path(__file__).resolve().parents[2] / "policies"
EXAMPLE_ZONE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "qingxi-2025" / "zone.yaml"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(load_corpus(POLICIES), load_catalogue(POLICIES), POLICIES)


@pytest.fixture(scope="module")
def independent() -> dict[tuple[str, str], str]:
    listed, problems = read_independent(POLICIES)
    assert not problems, problems
    return listed


def test_every_cross_document_pair_on_one_event_type_is_declared_or_judged_independent(rules, independent):
    missing = undeclared(rules, independent)
    assert not missing, (
        "以下两项措施属不同文件、由同一类事件触发，但既没有声明重叠（就高从优或不重复），"
        "也没有列在 policies/_overlaps/independent.yaml 中说明为何互不影响：\n"
        + "\n".join(f"{a} 与 {b}（事件类型 {rules.measures[a].event}）" for a, b in missing)
    )


def test_no_independent_entry_is_stale(rules, independent):
    old = stale(rules, independent)
    assert not old, "policies/_overlaps/independent.yaml 中的过期条目：\n" + "\n".join(
        f"{'、'.join(p)}：{why}" for p, why in old
    )


def test_every_independent_pair_gives_its_reason_in_chinese(independent):
    assert not silent(independent), f"请用中文写明互不影响的理由：{silent(independent)}"
    assert silent({pair("a/x", "b/y"): "because they differ"})  # English is not a reason
    assert silent({pair("a/x", "b/y"): "条件互斥"})  # nor a word


def test_the_repositorys_relations_pass_the_check(rules):
    assert relation_problems(rules, POLICIES) == {}


def test_the_check_fails_for_a_pair_nobody_declared(rules, independent):
    """The two pairs issue 8 found undeclared are declared now; removing either declaration fails."""
    tech = pair("fj-2023-7/m2-tech-upgrade", "fj-yj-2025-30/m14-smart-factory")
    trial = pair("fj-yj-2025-30/m20-drug-rd", "xm-2023/m1-clinical")
    assert {tech, trial} <= declared_pairs(rules)
    without = rules.model_copy(
        update={"overlaps": [o for o in rules.overlaps if not {*tech} <= set(o.measures)]}
    )
    assert tech in undeclared(without, independent)
    assert trial not in undeclared(without, independent)
    # check reports it under both documents, naming both measures by title and id and what to write
    problems = relation_problems(without, POLICIES, load_catalogue(POLICIES))
    assert set(problems) == {"fj-2023-7", "fj-yj-2025-30"}
    said = problems["fj-2023-7"][0]
    upgrade, factory = (rules.measures[m] for m in tech)
    assert f"“{upgrade.title}”（{upgrade.id}）" in said and f"“{factory.title}”（{factory.id}）" in said
    assert "policies/_overlaps/independent.yaml" in said and f"- measures: [{tech[0]}, {tech[1]}]" in said
    assert "reason" in said and "policies/_overlaps/measures.yaml" in said
    assert "fj-2023-7" in problems["fj-yj-2025-30"][0]


def test_an_entry_is_stale_once_an_overlap_declares_it(rules):
    tech = pair("fj-2023-7/m2-tech-upgrade", "fj-yj-2025-30/m14-smart-factory")
    reason = "理由写在这里，足够长的中文。"
    assert stale(rules, {tech: reason})
    assert stale(rules, {pair("a/none", "b/none"): reason})
    same_doc = pair("xm-2023/m2-drug", "xm-2023/m2-device")
    assert "无需列出" in stale(rules, {same_doc: reason})[0][1]


# ---------------------------------------------------------------- places that cannot meet


def _at(mid: str, place: str, event: str = "clinical_stage_completed") -> Measure:
    m = Measure.model_validate(
        {
            "id": mid,
            "title": f"{place}的奖励",
            "clauses": [f"{mid}/c"],
            "excerpt": "摘录",
            "applicant": {"kinds": ["enterprise"], "places": [place]},
            "event": event,
            "amount": {"kind": "exact", "value": "100"},
        }
    )
    m.doc_id = mid.split("/")[0]
    return m


@pytest.fixture(scope="module")
def divisions(tmp_path_factory):
    """The repository's places plus the worked example's fictional 清溪县 (under 宁德市)."""
    root = tmp_path_factory.mktemp("places")
    (root / "_catalogue").mkdir()
    zone = EXAMPLE_ZONE.read_text(encoding="utf-8")
    places = (POLICIES / "_catalogue" / "places.yaml").read_text(encoding="utf-8")
    (root / "_catalogue" / "places.yaml").write_text(
        places + "\n" + "\n".join(x for x in zone.splitlines() if not x.startswith("#")) + "\n",
        encoding="utf-8",
    )
    return divisions_of(root)


@pytest.mark.parametrize(
    ("left", "right", "meet"),
    [
        ("清溪县", "厦门市", False),  # a county of 宁德市 and another city: never one applicant
        ("清溪县", "福州市/鼓楼区", False),
        ("厦门市", "福州市", False),
        ("清溪县", "福建省", True),  # the province covers the county
        ("清溪县", "宁德市", True),
        ("厦门市", "思明区", True),
        ("清溪县", "清溪县", True),
        ("厦门市", "火炬高新区", True),  # a zone within Xiamen
    ],
)
def test_places_meet_when_one_lies_within_the_other(divisions, left, right, meet):
    assert places_meet(_at("a/m1", left), _at("b/m1", right), divisions) is meet
    assert places_meet(_at("a/m1", right), _at("b/m1", left), divisions) is meet


def test_a_pair_whose_places_cannot_meet_needs_no_declaration_and_its_entry_is_stale(divisions):
    county, city, province = _at("qx/m1", "清溪县"), _at("xm/m1", "厦门市"), _at("fj/m1", "福建省")
    rules = RuleSet(
        measures={m.id: m for m in (county, city, province)},
        caps=[],
        overlaps=[],
        windows={},
        version="t",
        places=divisions,
    )
    assert cross_document_pairs(rules) == {pair("qx/m1", "fj/m1"), pair("xm/m1", "fj/m1")}
    assert pair("qx/m1", "xm/m1") not in undeclared(rules, {})
    assert pair("qx/m1", "fj/m1") in undeclared(rules, {})  # the province's measure still needs one
    old = stale(rules, {pair("qx/m1", "xm/m1"): "地点互斥：清溪县与厦门市的申请人不会相同。"})
    assert old and "适用地点不相交" in old[0][1]
    # a place that cannot be read is asked for, not passed
    unknown = _at("zz/m1", "不存在县")
    assert places_meet(unknown, city, divisions)
