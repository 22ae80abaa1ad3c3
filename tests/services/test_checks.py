"""``biopolicy check`` and the one runner of named cases: a bad document is skipped, the others work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from biopolicy.cli import cli
from biopolicy.corpus.loader import load_corpus
from biopolicy.services.calculator import Calculator
from biopolicy.services.checks import check_case, load_calculator, run_checks
from biopolicy.services.library import Library
from biopolicy.web.app import create_app

REPO_POLICIES = Path(__file__).resolve().parents[2] / "policies"

CASE = {
    "name": "2026年厦门1类化学药完成Ⅱ期临床，研发投入3000万元，最高可得1200万元",
    "case": {
        "applicant": {"kind": "enterprise", "name": "厦门甲药业", "city": "厦门市"},
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": "2026-03-01",
                "product_id": "p1",
                "stage": "phase_2",
                "rd_investment": "30000000",
                "transferred_city": "厦门市",
            }
        ],
        "as_of": "2026-03-02",
    },
    "expect": {
        "entitlements": [
            {
                "measure_id": "xm-2023/m1-clinical",
                "event_id": "e1",
                "amount": {"kind": "at_most", "value": "12000000"},
            }
        ]
    },
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """The repository's policies with one bad field in xm-2023's measures.yaml."""
    root = tmp_path_factory.mktemp("broken") / "policies"
    shutil.copytree(REPO_POLICIES, root)
    path = root / "xm-2023" / "measures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["measures"][0]["amount"]["rate"] = "四成"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def good_calc() -> Calculator:
    return load_calculator(REPO_POLICIES)[0]


def test_the_runner_passes_a_true_case_and_names_what_differs_in_a_false_one(good_calc):
    assert check_case(good_calc, CASE) == []
    wrong = yaml.safe_load(yaml.safe_dump(CASE, allow_unicode=True))
    wrong["expect"]["entitlements"][0]["amount"]["value"] = "12000001"
    problems = check_case(good_calc, wrong)
    assert len(problems) == 1
    assert "xm-2023/m1-clinical" in problems[0] and "amount.value 应为 12000001，实际 12000000" in problems[0]


def test_a_draft_case_is_refused_until_completed(good_calc):
    assert "草稿用例" in check_case(good_calc, {**CASE, "draft": "补全金额"})[0]


def test_the_repositorys_policies_pass(good_calc):
    report = run_checks(REPO_POLICIES)
    assert report.ok, report.model_dump()
    assert report.passed_cases > 100 and report.failed_cases == 0


def test_a_bad_measures_file_skips_its_document_and_names_file_measure_and_field(broken):
    calc, _ = load_calculator(broken)
    problems = calc.skipped["xm-2023"]
    assert any(
        "xm-2023/measures.yaml" in p and "xm-2023/m1-clinical" in p and "amount" in p and "rate" in p
        for p in problems
    ), problems
    assert not any(m.startswith("xm-2023/") for m in calc.rules.measures)
    assert any(m.startswith("fj-2023-7/") for m in calc.rules.measures)  # the others keep working
    # an overlap naming a skipped measure applies to the others
    clinical = next(o for o in calc.rules.overlaps if o.id == "overlaps/clinical-province-xiamen")
    assert "xm-2023/m1-clinical" not in clinical.measures and len(clinical.measures) == 2


def test_check_reports_per_document_and_fails(broken):
    report = run_checks(broken)
    assert not report.ok
    by_id = {d.doc_id: d for d in report.documents}
    assert by_id["xm-2023"].rule_errors and not by_id["xm-2023"].ok
    assert all("未运行" in p for c in by_id["xm-2023"].cases for p in c.problems)
    assert by_id["fj-2023-7"].ok and by_id["fj-yj-2025-30"].ok
    assert any("已跳过" in p for p in report.general)


def test_the_check_command_exits_1_on_failures_and_0_when_all_pass(broken):
    bad = CliRunner().invoke(cli, ["check", "-q", "--policies", str(broken)])
    assert bad.exit_code == 1, bad.output
    assert "✘ xm-2023" in bad.output and "措施未能载入" in bad.output and "内部错误" not in bad.output
    # -q: the problems and the summary line only, no line for a document or case that passed
    assert "✔" not in bad.output and "\n✘ fj-2023-7" not in bad.output
    assert "未通过：_overlaps、xm-2023。" in bad.output.splitlines()[-1]
    loud = CliRunner().invoke(cli, ["check", "--policies", str(broken)])
    assert loud.exit_code == 1 and "✔ fj-2023-7" in loud.output and "✔ 用例" in loud.output
    good = CliRunner().invoke(cli, ["check", "-q", "--policies", str(REPO_POLICIES)])
    assert good.exit_code == 0, good.output
    lines = [x for x in good.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "全部通过" in lines[0], good.output


def test_assess_documents_and_the_api_keep_working_with_a_bad_document(broken, monkeypatch):
    monkeypatch.setenv("BIOPOLICY_POLICIES", str(broken))
    from biopolicy.settings import get_settings

    get_settings.cache_clear()
    try:
        library = Library.from_corpus(load_corpus(broken))
        listed = CliRunner().invoke(cli, ["documents"], obj=library)
        assert listed.exit_code == 1
        assert "措施未能载入" in listed.output and "m1-clinical" in listed.output
        calc = Calculator.load(library.corpus)
        fujian = {
            **CASE,
            "case": {**CASE["case"], "applicant": {"kind": "enterprise", "name": "甲", "city": "福州市"}},
        }
        result = calc.assess(fujian["case"])
        assert any(e.measure_id.startswith("fj-2023-7/") for e in result.entitlements)
        with TestClient(create_app(library, calc), raise_server_exceptions=False) as client:
            facts = client.get("/api/v1/").json()
            assert any("m1-clinical" in s["message"] for s in facts["rules"]["skipped"])
            page = client.get("/documents")
            assert page.status_code == 200 and "措施未能载入的文件" in page.text
            body = client.get("/api/v1/documents").json()
            assert body["rule_errors"] and body["errors"] == []
    finally:
        get_settings.cache_clear()


def test_a_bad_event_catalogue_is_a_message_naming_file_and_field_not_an_internal_error(
    tmp_path, monkeypatch
):
    root = tmp_path / "policies"
    shutil.copytree(REPO_POLICIES, root)
    path = root / "_catalogue" / "events.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("stage: {type: enum", "stage: {type: enumm", 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("BIOPOLICY_POLICIES", str(root))
    from biopolicy.services import calculator
    from biopolicy.services.library import get_library
    from biopolicy.settings import get_settings

    for cached in (get_settings, get_library, calculator.get_calculator):
        cached.cache_clear()
    try:
        case = tmp_path / "case.json"
        case.write_text(
            '{"applicant": {"kind": "enterprise", "name": "甲"}, "as_of": "2025-01-01"}', encoding="utf-8"
        )
        result = CliRunner().invoke(cli, ["assess", str(case)])
        assert result.exit_code == 1
        assert "events.yaml" in result.output and "stage.type" in result.output
        assert "内部错误" not in result.output
        report = run_checks(root)
        assert not report.ok and any("stage.type" in p for p in report.general)
    finally:
        for cached in (get_settings, get_library, calculator.get_calculator):
            cached.cache_clear()


def test_an_independent_entry_naming_no_measure_is_reported_by_check(tmp_path):
    root = tmp_path / "policies"
    shutil.copytree(REPO_POLICIES, root)
    with (root / "_overlaps" / "independent.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - measures: [xm-2023/m1-clinical, nowhere/m1]\n"
            "    reason: 测试用的理由，写得足够长的中文句子。\n"
        )
    report = run_checks(root)
    assert not report.ok
    assert "nowhere" not in {d.doc_id for d in report.documents}
    assert any("没有措施 nowhere/m1" in p for p in report.general)
    assert any(
        "没有措施 nowhere/m1" in p for d in report.documents if d.doc_id == "xm-2023" for p in d.relations
    )
