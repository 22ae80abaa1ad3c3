"""申兑指南 (policies/<doc>/guides.yaml): one per measure, only what the text says, each item tied to
its clause; what the text does not say is 原文未载明; a broken guide names its file and measure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from biopolicy.rules.guides import NOT_STATED, load_guides, units_of
from biopolicy.rules.loader import RulesError, default_policies_dir
from biopolicy.services.applications import responsible_departments
from biopolicy.services.calculator import get_calculator
from biopolicy.services.checks import run_checks
from biopolicy.services.guides import guide_view, load_for


@pytest.fixture(scope="module")
def calc():
    return get_calculator()


@pytest.fixture(scope="module")
def guides(calc):
    return load_for(calc)


def test_every_measure_has_a_guide_naming_its_department(calc, guides):
    assert len(calc.rules.measures) >= 53
    assert set(guides) == set(calc.rules.measures)
    assert all(g.department is not None and g.department.units for g in guides.values())


def test_each_guides_department_is_what_its_measures_clauses_name(calc, guides):
    for mid, g in guides.items():
        measure = calc.rules.measures[mid]
        # the same 责任单位 the review flow routes applications to (services/applications.py)
        assert sorted(g.department.units) == sorted(responsible_departments(calc.corpus, measure)), mid
        assert set(g.department.units) <= set(units_of(calc.corpus, g.department.clauses)), mid


def test_a_guide_reads_the_level_the_text_abbreviates(calc, guides):
    # xm-2023 (二): “（责任单位：市科技局、财政局）” → 市科技局, 市财政局
    assert guides["xm-2023/m2-drug"].department.units == ["市科技局", "市财政局"]
    assert "财政局" in calc.corpus.clause("xm-2023/m2/p1").responsible_units


def test_what_the_text_does_not_say_is_shown_as_not_stated():
    view = guide_view("xm-2023/m2-drug")
    assert [(e.label, e.stated) for e in view.entries] == [
        ("责任单位", True), ("申报材料", False), ("申报时间", False), ("联系方式", False),
    ]  # fmt: skip
    assert view.entries[0].text == "市科技局、市财政局" and view.entries[0].clauses == ["xm-2023/m2/p1"]
    assert {e.text for e in view.entries[1:]} == {NOT_STATED}
    # a measure without a guide shows nothing invented either
    assert {e.text for e in guide_view("xm-2023/no-such-measure").entries} == {NOT_STATED}


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(default_policies_dir(), root)
    return root


def _edit(root: Path, doc: str, change) -> None:
    path = root / doc / "guides.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["guides"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _first(guides, mid):
    return next(g for g in guides if g["measure"] == mid)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda gs: _first(gs, "xm-2023/m2-drug")["department"]["units"].append("市医保局"),
         "指南 xm-2023/m2-drug：department.units：“市医保局”不是所引条款 xm-2023/m2/p1 写明的责任单位"),
        (lambda gs: _first(gs, "xm-2023/m2-drug").update(
            window={"text": "每年3月受理", "clauses": ["xm-2023/m2/p1"], "excerpt": ["每年3月集中受理"]}),
         "指南 xm-2023/m2-drug：window：摘录“每年3月集中受理”不在所引条款 xm-2023/m2/p1 的原文中"),
        (lambda gs: _first(gs, "xm-2023/m2-drug").update(
            contact={"text": "电话", "clauses": ["xm-2023/m99"], "excerpt": ["电话"]}),
         "指南 xm-2023/m2-drug：contact：引用的条款“xm-2023/m99”不存在"),
        (lambda gs: gs.append({"measure": "fj-2023-7/m4-rd-platform", "department": {"units": ["省科技厅"], "clauses": ["fj-2023-7/m4"]}}),
         "指南 fj-2023-7/m4-rd-platform：measure：这项措施属于 fj-2023-7"),
        (lambda gs: gs.append({"measure": "xm-2023/m404", "department": {"units": ["市科技局"], "clauses": ["xm-2023/m1"]}}),
         "指南 xm-2023/m404：measure：没有这项措施"),
        (lambda gs: _first(gs, "xm-2023/m2-drug").update(phone="0592"), "guides.yaml：guides[2].phone"),
        (lambda gs: gs.append(dict(_first(gs, "xm-2023/m2-drug"))), "指南 xm-2023/m2-drug：同一措施只能有一份指南"),
    ],
)  # fmt: skip
def test_a_broken_guide_names_its_file_and_measure(tmp_path, calc, change, words):
    root = _folder(tmp_path)
    _edit(root, "xm-2023", change)
    docs = {mid: m.doc_id for mid, m in calc.rules.measures.items()}
    with pytest.raises(RulesError) as exc:
        load_guides(calc.corpus, docs, root)
    assert any(
        p.startswith("policies/xm-2023/guides.yaml：") and words in p for p in exc.value.problems
    ) or any(words in p for p in exc.value.problems), exc.value.problems


def test_biopolicy_check_reports_a_measure_without_a_guide(tmp_path):
    root = _folder(tmp_path)
    _edit(root, "xm-2025-1", lambda gs: gs.pop(0))
    report = run_checks(root)
    doc = next(d for d in report.documents if d.doc_id == "xm-2025-1")
    assert not report.ok and not doc.ok
    assert doc.guides == [
        "措施 xm-2025-1/m15-new-products 没有申兑指南：请在 policies/xm-2025-1/guides.yaml 中至少写明其责任单位"
    ]
    assert all(d.guides == [] for d in report.documents if d.doc_id != "xm-2025-1")
