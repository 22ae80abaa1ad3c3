"""`biopolicy measures` and `biopolicy assess`: the same answers as the API, explained in Chinese."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from biopolicy.cli import cli
from biopolicy.web.app import create_app

CASE = {
    "applicant": {"kind": "medical_institution", "name": "厦门某医院", "city": "厦门市"},
    "events": [
        {"id": "u1", "type": "new_products_used_year", "date": "2025-12-31", "total_amount": "30000000"},
        {
            "id": "c1",
            "type": "clinical_research_centre_milestone",
            "date": "2026-03-01",
            "subject": "心血管中心",
            "level": "city",
            "milestone": "accepted",
        },
    ],
    "as_of": "2026-01-10",
}


@pytest.fixture(scope="module")
def api():
    with TestClient(create_app()) as client:
        yield client


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    return path


def test_assess_explains_amounts_clauses_and_totals(case_file):
    result = run("assess", str(case_file))
    assert result.exit_code == 0, result.output
    # measures by their titles and clauses by their documents' short names, no codes
    assert "✔ 适用 “医疗机构使用新优药械奖励”" in result.output
    assert "xm-2025-1/m15-new-products" not in result.output
    assert "核减为 100万元（1,000,000元）" in result.output
    assert "〔厦门市2025年若干措施第十五条〕" in result.output and "〔xm-2025-1/m15〕" not in result.output
    assert "（计划中）" in result.output  # the centre's acceptance is after as_of
    assert "总计" in result.output


def test_assess_json_is_the_api_answer(case_file, api):
    cli_json = json.loads(run("assess", str(case_file), "--json").output)
    assert cli_json == api.post("/api/v1/assess", json=CASE).json()


def test_as_of_option_overrides_the_case(case_file):
    body = json.loads(run("assess", str(case_file), "--as-of", "2026-06-01", "--json").output)
    assert body["as_of"] == "2026-06-01"
    assert not any(e["planned"] for e in body["entitlements"])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"applicant": ', "不是有效的 JSON：第 1 行"),
        (json.dumps({**CASE, "events": [{**CASE["events"][0], "total_amount": "-1"}]}), "不能为负数"),
        (json.dumps({**CASE, "events": [{**CASE["events"][0], "type": "nothing"}]}), "未知的成果类型"),
    ],
)
def test_bad_case_exits_2_with_the_field_named(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["assess", str(path)])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output


def test_missing_case_file_and_bad_as_of_exit_2(case_file, tmp_path):
    assert CliRunner().invoke(cli, ["assess", str(tmp_path / "none.json")]).exit_code == 2
    bad = CliRunner().invoke(cli, ["assess", str(case_file), "--as-of", "2026-02-30"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_measures_lists_and_filters(api):
    everything = json.loads(run("measures", "--json").output)
    assert everything == api.get("/api/v1/measures").json()
    xiamen = json.loads(run("measures", "--doc", "xm-2025-1", "--json").output)
    ids = [m["measure"]["id"] for m in xiamen["measures"]]
    assert "xm-2025-1/m15-new-products" in ids and all(i.startswith("xm-2025-1/") for i in ids)
    new_products = xiamen["measures"][ids.index("xm-2025-1/m15-new-products")]
    assert new_products["caps"][0]["amount"] == "1000000"
    human = run("measures")
    assert "xm-2023/m16-national-top-up" in human.output


def test_measures_unknown_document_exits_1():
    result = CliRunner().invoke(cli, ["measures", "--doc", "xm-2099"])
    assert result.exit_code == 1 and "xm-2099" in result.output


def test_api_measure_page_and_unknown_measure(api):
    body = api.get("/api/v1/measures/xm-2023/m16-national-top-up").json()
    assert body["measure"]["amount"]["to"] == "10000000"
    assert body["in_force"] == {"from": "2023-11-20", "to": "2026-12-31"}
    assert api.get("/api/v1/measures/xm-2023/nothing").status_code == 404


def test_api_assess_names_the_field_of_each_problem(api):
    bad = {**CASE, "events": [{**CASE["events"][0], "total_amount": "-1", "date": "2025-13-01"}]}
    response = api.post("/api/v1/assess", json=bad)
    assert response.status_code == 422
    fields = {e["loc"][1] for e in response.json()["errors"]}
    assert "events[0].date" in fields
    assert api.post("/api/v1/assess", json=[1, 2]).status_code == 422
    assert api.post("/api/v1/assess?as_of=someday", json=CASE).status_code == 422
