"""The loader refuses every rule an analyst could get wrong, and says where and what, in Chinese.

Each test copies the real policies/ into a temporary directory, breaks one thing in
xm-2023/measures.yaml (or writes a broken file), and checks the message names the file, the
measure and the mistake. Nothing can be invented: a clause that does not exist, words that are
not in the clause, or a figure the clause does not state is refused.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules

POLICIES = Path(__file__).resolve().parents[2] / "policies"
FILE = "policies/xm-2023/measures.yaml"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "policies"
    shutil.copytree(POLICIES, root)
    return load_corpus(root)


@pytest.fixture
def policies(tmp_path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(POLICIES, root)
    return root


def _load(corpus, root: Path):
    return load_rules(corpus, load_catalogue(root), root)


def _refused(corpus, root: Path) -> list[str]:
    with pytest.raises(RulesError) as exc:
        _load(corpus, root)
    assert str(exc.value) == "\n".join(exc.value.problems)
    return exc.value.problems


def _edit(root: Path, change: Callable[[dict], None], doc: str = "xm-2023") -> None:
    path = root / doc / "measures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _measure(data: dict, measure_id: str) -> dict:
    return next(m for m in data["measures"] if m["id"] == measure_id)


def _about(problems: list[str], measure_id: str) -> list[str]:
    """The problems reported against one measure of xm-2023/measures.yaml."""
    return [p for p in problems if p.startswith(f"{FILE}：措施 {measure_id}：")]


# ---------------------------------------------------------------- the real policies


def test_real_policies_load(corpus):
    rules = _load(corpus, POLICIES)
    assert {"xm-2023/m1-clinical", "xm-2023/m16-national-top-up", "xm-2025-1/m15-new-products"} <= set(
        rules.measures
    )
    assert len(rules.version) == 12


def test_every_measure_cap_and_overlap_cites_clauses_that_exist(corpus):
    rules = _load(corpus, POLICIES)
    cited = [(m.id, cid) for m in rules.measures.values() for cid in m.clauses]
    cited += [(c.id, cid) for c in rules.caps for cid in c.clauses]
    cited += [(o.id, cid) for o in rules.overlaps for cid in o.clauses]
    cited += [(m.id, cid) for m in rules.measures.values() for n in m.notes for cid in n.clauses]
    assert cited
    assert [(owner, cid) for owner, cid in cited if corpus.clause(cid) is None] == []


def test_every_measure_belongs_to_the_document_its_id_names(corpus):
    rules = _load(corpus, POLICIES)
    for m in rules.measures.values():
        assert m.id.split("/", 1)[0] == m.doc_id, m.id
        assert all(cid.split("/", 1)[0] == m.doc_id for cid in m.clauses), m.id


# ---------------------------------------------------------------- citing the text


def test_refuses_a_clause_that_does_not_exist(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(clauses=["xm-2023/m99"]))
    problems = _about(_refused(corpus, policies), "xm-2023/m20-talent")
    assert problems[0] == f"{FILE}：措施 xm-2023/m20-talent：引用的条款“xm-2023/m99”不存在"


def test_refuses_an_excerpt_that_is_not_in_the_cited_clause(corpus, policies):
    # the clause says 最高80万元; an excerpt that says 100万元 is not a quotation
    _edit(
        policies,
        lambda d: _measure(d, "xm-2023/m20-talent").update(excerpt="经审核确认的给予最高100万元补贴"),
    )
    assert (
        f"{FILE}：措施 xm-2023/m20-talent：摘录“经审核确认的给予最高100万元补贴”不在所引条款 xm-2023/m20 的原文中"
        in (_refused(corpus, policies))
    )


def test_an_excerpt_may_differ_from_the_clause_in_whitespace_only(corpus, policies):
    _edit(
        policies,
        lambda d: _measure(d, "xm-2023/m20-talent").update(excerpt="经审核确认的 给予最高80万元\n补贴"),
    )
    _load(corpus, policies)


def test_refuses_an_excerpt_quoted_from_another_clause(corpus, policies):
    # the words exist in the document, but not in the clause the measure cites
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(excerpt="给予200万元补助"))
    assert _about(_refused(corpus, policies), "xm-2023/m20-talent")


# ---------------------------------------------------------------- no invented figures


def test_refuses_an_amount_the_clause_does_not_state(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m16-city-accepted")["amount"].update(value="2500000"))
    assert _about(_refused(corpus, policies), "xm-2023/m16-city-accepted") == [
        f"{FILE}：措施 xm-2023/m16-city-accepted：金额 2500000 元 不在所引条款 xm-2023/m16 写明的数字中：规则不得自创数字"
    ]


def test_refuses_a_rate_the_clause_does_not_state(corpus, policies):
    def change(d):
        _measure(d, "xm-2023/m1-clinical")["amount"]["table"][0]["amount"]["rate"] = "45%"

    _edit(policies, change)
    (problem,) = _about(_refused(corpus, policies), "xm-2023/m1-clinical")
    assert (
        "比例 45" in problem and "xm-2023/m1/p1、xm-2023/m1/p2" in problem and "规则不得自创数字" in problem
    )


def test_refuses_a_per_award_cap_the_clause_does_not_state(corpus, policies):
    def change(d):
        _measure(d, "xm-2023/m1-clinical")["amount"]["table"][2]["amount"]["cap"] = "25000000"

    _edit(policies, change)
    (problem,) = _about(_refused(corpus, policies), "xm-2023/m1-clinical")
    assert "金额 25000000 元 不在所引条款" in problem


def test_refuses_a_shared_cap_amount_the_clause_does_not_state(corpus, policies):
    def change(d):
        d["caps"][0]["amount"] = "200000000"  # the clause says 1亿元

    _edit(policies, change)
    assert (
        f"{FILE}：上限 xm-2023/m1-clinical-annual：金额 200000000 元 不在所引条款 xm-2023/m1/p2 写明的数字中：规则不得自创数字"
        in _refused(corpus, policies)
    )


def test_refuses_an_instalment_share_the_clause_does_not_state(corpus, policies):
    # 按40%、30%、30%的比例分3年发放: 50%/50% adds up but is not what the text says
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent")["instalments"].update(shares=["50%", "50%"]))
    problems = _about(_refused(corpus, policies), "xm-2023/m20-talent")
    assert problems and all("比例 50" in p and "规则不得自创数字" in p for p in problems)


def test_refuses_a_money_threshold_the_clause_does_not_state(corpus, policies):
    threshold = {"fact": "event.evaluation_cost", "gte": "5000000", "label": "评价成本达到500万元"}
    _edit(policies, lambda d: _measure(d, "xm-2023/m1-consistency").update(conditions=threshold))
    assert _about(_refused(corpus, policies), "xm-2023/m1-consistency") == [
        f"{FILE}：措施 xm-2023/m1-consistency：金额 5000000 元 不在所引条款 xm-2023/m1/p3 写明的数字中：规则不得自创数字"
    ]


def test_accepts_a_money_threshold_the_clause_states(corpus, policies):
    # 300万元 is stated in xm-2023/m1/p3: the check refuses invented figures, not thresholds as such
    threshold = {"fact": "event.evaluation_cost", "gte": "3000000"}
    _edit(policies, lambda d: _measure(d, "xm-2023/m1-consistency").update(conditions=threshold))
    _load(corpus, policies)


def test_refuses_a_time_limit_the_clause_does_not_state(corpus, policies):
    # 近3年 is stated; 近5年 is not
    cond = {"fact": "event.recruited_on", "within_years": 5}
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(conditions=cond))
    (problem,) = _about(_refused(corpus, policies), "xm-2023/m20-talent")
    assert "期限 5" in problem and "规则不得自创数字" in problem


# ---------------------------------------------------------------- the catalogue and the rule's own names


def test_refuses_an_unknown_event_type(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(event="talent_recruit"))
    (problem,) = _about(_refused(corpus, policies), "xm-2023/m20-talent")
    assert problem.startswith(
        f"{FILE}：措施 xm-2023/m20-talent：event：未知的事件类型“talent_recruit”，应为 "
    )
    assert "talent_recruited" in problem  # the message lists the types to choose from


@pytest.mark.parametrize(
    "fact", ["event.recruited", "event.rd_investment", "product.colour", "applicant.size", "case.as_of"]
)
def test_refuses_a_fact_path_that_does_not_exist(corpus, policies, fact):
    # event.rd_investment exists, but not on talent_recruited: paths are checked per event type
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(conditions={"fact": fact, "eq": "x"}))
    assert _about(_refused(corpus, policies), "xm-2023/m20-talent") == [
        f"{FILE}：措施 xm-2023/m20-talent：条件中的事实“{fact}”不存在：应为 event.<属性>、product.<字段> 或 applicant.<字段>"
    ]


def test_refuses_a_rate_base_that_does_not_exist(corpus, policies):
    def change(d):
        _measure(d, "xm-2023/m1-consistency")["amount"]["table"][0]["amount"]["base"] = (
            "event.evaluation_costs"
        )

    _edit(policies, change)
    assert any(
        "event.evaluation_costs" in p for p in _about(_refused(corpus, policies), "xm-2023/m1-consistency")
    )


def test_refuses_an_undefined_category(corpus, policies):
    def change(d):
        _measure(d, "xm-2023/m1-clinical")["amount"]["table"][0]["when"] = {"category": "novel"}

    _edit(policies, change)
    assert _about(_refused(corpus, policies), "xm-2023/m1-clinical") == [
        f"{FILE}：措施 xm-2023/m1-clinical：conditions：引用了未定义的类别“novel”"
        "（本措施的 categories 和 policies/_catalogue/categories.yaml 中都没有）"
    ]


def test_refuses_a_duplicate_measure_id(corpus, policies):
    _edit(policies, lambda d: d["measures"].append(copy.deepcopy(_measure(d, "xm-2023/m20-talent"))))
    assert f"{FILE}：措施 id“xm-2023/m20-talent”重复" in _refused(corpus, policies)


def test_refuses_a_duplicate_measure_id_across_files(corpus, policies):
    def change(d):
        d["measures"].append(
            {**copy.deepcopy(_measure(d, "xm-2025-1/m15-new-products")), "id": "xm-2023/m20-talent"}
        )

    _edit(policies, change, doc="xm-2025-1")
    assert "policies/xm-2025-1/measures.yaml：措施 id“xm-2023/m20-talent”重复" in _refused(corpus, policies)


def test_refuses_a_cap_naming_an_unknown_measure(corpus, policies):
    _edit(policies, lambda d: d["caps"][0].update(measures=["xm-2023/m1-clinicl"]))
    assert (
        "policies/xm-2023/measures.yaml：上限 xm-2023/m1-clinical-annual：没有 id 为“xm-2023/m1-clinicl”的措施"
        in _refused(corpus, policies)
    )


def test_refuses_an_overlap_naming_an_unknown_measure(corpus, policies):
    def change(d):
        d["overlaps"][0]["measures"][1] = "xm-2023/m16-provincal-accepted"

    _edit(policies, change)
    assert (
        "policies/xm-2023/measures.yaml：重叠 xm-2023/m16-provincial-not-with-city：没有 id 为“xm-2023/m16-provincal-accepted”的措施"
        in (_refused(corpus, policies))
    )


def test_refuses_a_document_that_is_not_its_folder(corpus, policies):
    _edit(policies, lambda d: d.update(document="xm-2024"))
    assert f"{FILE}：document 应为所在目录名“xm-2023”，收到“xm-2024”" in _refused(corpus, policies)


# ---------------------------------------------------------------- the file itself


def test_refuses_malformed_yaml_naming_the_line(corpus, policies):
    path = policies / "xm-2023" / "measures.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = next(i for i, line in enumerate(lines) if "id: xm-2023/m20-talent" in line)
    lines[broken] += "  title: [unclosed"  # a mapping value on a line that already has one
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (problem,) = [p for p in _refused(corpus, policies) if p.startswith(FILE)]
    assert problem.startswith(f"{FILE}：YAML 格式错误 第 {broken + 1} 行")


def test_refuses_a_file_that_is_not_utf8(corpus, policies):
    path = policies / "xm-2023" / "measures.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    assert f"{FILE}：不是 UTF-8 编码的文本" in _refused(corpus, policies)


def _index(root: Path, measure_id: str) -> int:
    data = yaml.safe_load((root / "xm-2023" / "measures.yaml").read_text(encoding="utf-8"))
    return [m["id"] for m in data["measures"]].index(measure_id)


def test_refuses_a_missing_required_field(corpus, policies):
    i = _index(policies, "xm-2023/m20-talent")
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").pop("excerpt"))
    assert f"{FILE}：measures[{i}]（措施 xm-2023/m20-talent）.excerpt：缺少必填字段" in _refused(
        corpus, policies
    )


def test_refuses_an_unknown_field(corpus, policies):
    i = _index(policies, "xm-2023/m20-talent")
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(titel="错拼的字段"))
    assert (
        f"{FILE}：measures[{i}]（措施 xm-2023/m20-talent）.titel：不认识的字段（请检查拼写），收到 '错拼的字段'"
        in _refused(corpus, policies)
    )


def test_reports_every_problem_at_once(corpus, policies):
    # an analyst fixes a file in one pass: the loader does not stop at the first problem
    def change(d):
        _measure(d, "xm-2023/m20-talent").update(clauses=["xm-2023/m99"])
        _measure(d, "xm-2023/m16-city-accepted")["amount"].update(value="2500000")

    _edit(policies, change)
    _edit(policies, lambda d: _measure(d, "xm-2025-1/m15-new-products").update(event="nope"), doc="xm-2025-1")
    problems = _refused(corpus, policies)
    assert _about(problems, "xm-2023/m20-talent")
    assert _about(problems, "xm-2023/m16-city-accepted")
    assert any(
        p.startswith("policies/xm-2025-1/measures.yaml：措施 xm-2025-1/m15-new-products：event")
        for p in problems
    )


# ---------------------------------------------------------------- gaps found (not this file's to fix)


def test_schema_error_names_the_measure_id(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").pop("excerpt"))
    assert any("xm-2023/m20-talent" in p and "excerpt" in p for p in _refused(corpus, policies))


def test_schema_error_in_one_file_reports_nothing_about_other_files(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(titel="x"))
    assert all(p.startswith(FILE) for p in _refused(corpus, policies))


def test_typo_inside_an_amount_yields_one_message(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent")["amount"].update(capp="800000"))
    assert [p for p in _refused(corpus, policies) if p.startswith(FILE)] == [
        f"{FILE}：measures[{_index(policies, 'xm-2023/m20-talent')}]（措施 xm-2023/m20-talent）.amount.capp：不认识的字段（请检查拼写），收到 '800000'"
    ]


def test_dangling_clause_is_the_only_problem_reported(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent").update(clauses=["xm-2023/m99"]))
    assert len(_about(_refused(corpus, policies), "xm-2023/m20-talent")) == 1


def test_refuses_net_of_naming_an_unknown_measure(corpus, policies):
    _edit(
        policies,
        lambda d: _measure(d, "xm-2023/m16-national-top-up")["amount"]["net_of"].append("xm-2023/m16-nope"),
    )
    assert any("xm-2023/m16-nope" in p for p in _refused(corpus, policies))


def test_refuses_a_category_in_a_cap_condition(corpus, policies):
    _edit(policies, lambda d: d["caps"][0].update(when={"category": "innovative"}))
    _refused(corpus, policies)


def test_refuses_an_unknown_fact_in_a_cap_condition(corpus, policies):
    _edit(policies, lambda d: d["caps"][0].update(when={"fact": "product.registraton_class", "eq": "1"}))
    _refused(corpus, policies)


def test_refuses_an_unknown_place(corpus, policies):
    _edit(policies, lambda d: _measure(d, "xm-2023/m20-talent")["applicant"].update(places=["厦门"]))
    assert any("厦门" in p for p in _refused(corpus, policies))


def test_refuses_an_enum_value_the_catalogue_does_not_list(corpus, policies):
    cond = {"all": [{"fact": "event.level", "eq": "cty"}, {"fact": "event.milestone", "eq": "accepted"}]}
    _edit(policies, lambda d: _measure(d, "xm-2023/m16-city-accepted").update(conditions=cond))
    assert any("cty" in p for p in _refused(corpus, policies))


# ---------------------------------------------------------------- registration classes


def test_refuses_a_registration_class_the_catalogue_does_not_have(corpus, policies):
    def typo(data: dict) -> None:
        _measure(data, "xm-2023/m2-innovative-device")["conditions"]["all"][1]["eq"] = "3类"

    _edit(policies, typo)
    problems = _about(_refused(corpus, policies), "xm-2023/m2-innovative-device")
    assert any("product.registration_class 的取值“3类”无效" in p and "III" in p for p in problems), problems


def test_accepts_a_registration_class_of_the_catalogue(corpus, policies):
    def other(data: dict) -> None:
        _measure(data, "xm-2023/m2-innovative-device")["conditions"]["all"][1]["eq"] = "II"

    _edit(policies, other)
    _load(corpus, policies)
