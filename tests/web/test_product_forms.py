"""The product file's forms without JavaScript (a CSRF token and an idempotency key in hidden fields),
errors beside their field and nothing written; the 申兑指南 on the measure page and in the calculator."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from tests.services.test_cases import CASE
from tests.web.conftest import hidden
from tests.web.test_watchlist_pages import put_on_watch_list

from biopolicy.storage.db import Database
from biopolicy.storage.watch import Milestone, ServiceNote
from biopolicy.web.forms.calculator import encode_case


def count(site, model) -> int:
    db = Database(site.url)
    try:
        with db.sessions() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        db.dispose()


@pytest.fixture
def product(site):
    product_id, milestone_id = put_on_watch_list(site, "A")
    return site, product_id, milestone_id


def _form(client, path: str) -> dict[str, str]:
    page = client.get(path).text
    return {"csrf_token": hidden(page, "csrf_token"), "idempotency_key": hidden(page, "idempotency_key")}


def test_an_enterprise_records_a_milestone_once_however_often_the_form_is_sent(product):
    site, pid, _ = product
    client = site.client("applicant-a")
    fields = _form(client, f"/products/{pid}") | {"kind": "preclinical_done", "completed_on": "2025-03-01"}
    before = count(site, Milestone)
    for _ in range(2):  # a double click: the same key
        r = client.post(f"/products/{pid}/milestones", data=fields, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/products/{pid}?saved=")
    assert count(site, Milestone) == before + 1
    page = client.get(r.headers["location"]).text
    assert "已保存" in page and "完成临床前研究" in page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "ind_filed", "started_on": "2025-02-01"}, "started_on", "早于前一环节"),
        ({"kind": "preclinical_done", "completed_on": (dt.date.today() + dt.timedelta(days=1)).isoformat()}, "completed_on", "晚于今天"),
        ({"kind": "registration_testing", "started_on": "2025-09-01", "procedure": "drug_fast_lane"}, "procedure", "未知的办理程序"),
        ({"kind": "preclinical_done", "completed_on": "去年"}, "completed_on", "不是日期"),
    ],
)  # fmt: skip
def test_a_refused_milestone_shows_the_message_beside_its_field_and_writes_nothing(
    product, data, field, words
):
    site, pid, _ = product
    client = site.client("applicant-a")
    if data["kind"] == "ind_filed":
        ok = _form(client, f"/products/{pid}") | {"kind": "preclinical_done", "completed_on": "2025-03-01"}
        assert client.post(f"/products/{pid}/milestones", data=ok, follow_redirects=False).status_code == 303
    before = count(site, Milestone)
    r = client.post(f"/products/{pid}/milestones", data=_form(client, f"/products/{pid}") | data)
    assert r.status_code == 422 and count(site, Milestone) == before
    page = r.text
    # the message stands right after its own field, which keeps what was typed
    field_at = page.index(f'id="new-milestone-{field}"')
    end = page.index("</select>", field_at) if field == "procedure" else field_at
    error_at = page.index(f'id="new-milestone-{field}-error"')
    assert field_at < error_at < end + 400 and words in page[error_at : error_at + 300]
    assert "未保存" in page


def test_another_organisations_product_is_refused(product):
    site, pid, _ = product
    client = site.client("applicant-b")
    token = site.csrf(client)
    before = count(site, Milestone)
    r = client.post(
        f"/products/{pid}/milestones",
        data={
            "csrf_token": token,
            "idempotency_key": "b-1",
            "kind": "preclinical_done",
            "completed_on": "2025-03-01",
        },
    )
    assert r.status_code == 403 and "不属于您的机构" in r.text and count(site, Milestone) == before


def test_a_form_without_its_csrf_token_writes_nothing(product):
    site, pid, _ = product
    before = count(site, Milestone)
    r = site.client("applicant-a").post(
        f"/products/{pid}/milestones",
        data={"idempotency_key": "x", "kind": "preclinical_done", "completed_on": "2025-03-01"},
    )
    assert r.status_code == 403 and count(site, Milestone) == before


def test_supplements_stop_the_clock_and_resume_it_from_the_form(product):
    site, pid, mid = product
    client = site.client("regulator")
    path = f"/products/{pid}"
    assert 'name="stop_on"' in client.get(path).text  # a running step offers the stop
    r = client.post(
        f"{path}/milestones/{mid}",
        data=_form(client, path) | {"stop_on": "2025-10-20"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(path).text
    assert 'name="resume_on"' in page and "自 2025-10-20 起停表" in page
    bad = client.post(
        f"{path}/milestones/{mid}",
        data=_form(client, path) | {"resume_on": "2025-10-01", "stop_on": "2025-10-02"},
    )
    assert bad.status_code == 422 and "已在 2025-10-20 停表" in bad.text
    r = client.post(
        f"{path}/milestones/{mid}",
        data=_form(client, path) | {"resume_on": "2025-11-03"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    f = client.get(f"/api/v1/products/{pid}").json()
    assert f["milestones"][0]["clock_stops"] == [{"start": "2025-10-20", "end": "2025-11-03"}]


def test_a_service_officer_writes_a_dated_note_and_an_enterprise_has_no_note_form(product):
    site, pid, _ = product
    officer = site.client("officer")
    path = f"/products/{pid}"
    assert 'id="note-form"' in officer.get(path).text
    assert 'id="note-form"' not in site.client("applicant-a").get(path).text
    bad = officer.post(f"{path}/notes", data=_form(officer, path) | {"on": "2025-11-01", "text": " "})
    assert bad.status_code == 422 and "服务记录不能为空" in bad.text and count(site, ServiceNote) == 0
    r = officer.post(f"{path}/notes", data=_form(officer, path) | {"on": "2025-11-01", "text": "协调注册检验排期"},
                     follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and count(site, ServiceNote) == 1
    assert "2025-11-01" in officer.get(path).text


def test_the_product_page_names_its_sections(product):
    site, pid, _ = product
    page = site.client("applicant-a").get(f"/products/{pid}").text
    for heading in ("里程碑与办理时限", "可申请的政策支持", "奖补申报、核定与拨付", "所属目录", "服务记录"):
        assert heading in page
    assert "本产品尚未列入任何目录" in page
    f = site.client("applicant-a").get(f"/api/v1/products/{pid}").json()
    assert f["awards"] == [] and f["catalogue_memberships"] == []


def test_the_measure_page_shows_its_guide_with_the_clause(site):
    page = site.client().get("/measures/xm-2023/m2-drug").text
    guide = page[page.index('id="guide"') :]
    assert "申兑指南" in guide and "市科技局、市财政局" in guide and 'href="/clauses/xm-2023/m2/p1"' in guide
    assert guide.count("原文未载明") >= 3
    # its JSON twin carries the same guide
    twin = site.client().get("/api/v1/explanations/xm-2023/m2-drug").json()["guide"]
    assert [(e["label"], e["text"]) for e in twin["entries"]][:2] == [
        ("责任单位", "市科技局、市财政局"),
        ("申报材料", "原文未载明"),
    ]


def test_each_entitlement_of_the_calculator_shows_its_guide(site):
    page = site.client().get("/calculator/result", params={"c": encode_case(CASE)}).text
    entitlements = page.count('class="calc-ent ')
    assert entitlements > 0 and page.count('class="calc-guide"') == entitlements
    assert "责任单位" in page and "原文未载明" in page


def test_the_api_writes_once_per_idempotency_key(product):
    site, pid, mid = product
    client = site.client("applicant-a")
    headers = {"X-CSRF-Token": site.csrf(client), "Idempotency-Key": "api-1"}
    body = {"kind": "preclinical_done", "completed_on": "2025-03-01"}
    before = count(site, Milestone)
    first = client.post(f"/api/v1/products/{pid}/milestones", json=body, headers=headers)
    again = client.post(f"/api/v1/products/{pid}/milestones", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert count(site, Milestone) == before + 1
    other = client.post(
        f"/api/v1/products/{pid}/milestones", json=body | {"completed_on": "2025-03-02"}, headers=headers
    )
    assert other.status_code == 422 and "幂等键" in other.text and count(site, Milestone) == before + 1
    done = client.post(
        f"/api/v1/products/{pid}/milestones/{mid}/complete",
        json={"completed_on": "2025-12-01"},
        headers=headers | {"Idempotency-Key": "api-2"},
    )
    assert done.status_code == 200 and done.json()["completed_on"] == "2025-12-01"
    assert done.json()["clock"]["status"] == "met"
