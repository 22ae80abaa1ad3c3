"""兑现 through the doors: the JSON API and the pages, as each role uses them.

The scenario rests on xm-2023 （二十） (xm-2023/m20-talent): a talent recruited brings at most
800,000元, paid 40% / 30% / 30%; its responsible department includes 市科技局 (the site's reviewer).
Refusals answer a Chinese sentence naming the field and write nothing (the audit trail does not grow).
"""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from tests.services.test_applications import case_with, phase3, talent_case
from tests.services.test_organisations import FACTS
from tests.web.conftest import PASSWORD, hidden

from biopolicy.services import accounts, cases
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.storage.ledger_models import Application, Payment
from biopolicy.storage.models import AuditLog

TALENT = "xm-2023/m20-talent"
_keys = itertools.count()


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"web-{next(_keys)}"}


class Actor:
    """A logged-in client of the site and its CSRF token."""

    def __init__(self, site, who: str) -> None:
        self.client = site.client(who)
        self.token = site.csrf(self.client)

    def post(self, url: str, body: dict | None = None, headers: dict | None = None):
        return self.client.post(url, json=body or {}, headers={"X-CSRF-Token": self.token, **(headers or {})})

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)


@pytest.fixture
def people(site):
    return {
        who: Actor(site, who)
        for who in ("applicant-a", "applicant-b", "reviewer", "finance", "auditor", "administrator")
    }


def save(site, case: dict, who: str = "applicant-a") -> str:
    with unit_of_work("test", url=site.url) as uow:
        return cases.save_case(uow, site.principals[who], get_calculator(), case, "申报用").id


def count(site, model=AuditLog) -> int:
    with unit_of_work("test", url=site.url) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def started(site, people, case=None, measure=TALENT, event="t1") -> int:
    case_id = save(site, case or talent_case())
    r = people["applicant-a"].post(
        "/api/v1/applications", {"case_id": case_id, "measure_id": measure, "event_id": event}, key()
    )
    assert r.status_code == 201, r.text
    return r.json()["application_id"]


def submitted(site, people, **kw) -> int:
    app_id = started(site, people, **kw)
    r = people["applicant-a"].post(
        f"/api/v1/applications/{app_id}/submit", {"credit_commitment": True}, key()
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    return app_id


def approved(site, people, amount="800000") -> int:
    app_id = submitted(site, people)
    rev = people["reviewer"]
    assert rev.post(f"/api/v1/applications/{app_id}/accept", headers=key()).status_code == 200
    r = rev.post(f"/api/v1/applications/{app_id}/approve", {"amount": amount}, key())
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    return app_id


def published(site, people, start="2026-01-05") -> int:
    app_id = approved(site, people)
    r = people["reviewer"].post(
        f"/api/v1/applications/{app_id}/publish", {"from": start, "working_days": 5}, key()
    )
    assert r.status_code == 200, r.text
    return app_id


# -- the life cycle -----------------------------------------------------------------------------


def test_the_life_cycle_through_the_api(site, people):
    app_id = started(site, people)
    a, rev, fin = people["applicant-a"], people["reviewer"], people["finance"]
    mine = a.get("/api/v1/applications/mine").json()["items"]
    assert [m["id"] for m in mine] == [app_id] and mine[0]["measure_title"] == "生物医药企业引进人才补贴"
    assert "勾选信用承诺后提交" in mine[0]["next_step"]
    assert (
        a.post(f"/api/v1/applications/{app_id}/submit", {"credit_commitment": True}, key()).status_code == 200
    )
    assert [w["id"] for w in rev.get("/api/v1/applications/worklist").json()["items"]] == [app_id]
    assert rev.post(f"/api/v1/applications/{app_id}/accept", headers=key()).json()["status"] == "in_review"
    seen = rev.get(f"/api/v1/applications/{app_id}").json()
    assert seen["verdict"]["allowed"] == "800000" and seen["verdict"]["steps"]
    assert set(seen["actions"]) == {"request_more", "approve", "reject"}
    r = rev.post(f"/api/v1/applications/{app_id}/approve", {"amount": "800000"}, key())
    assert r.json()["status_label"] == "已核定" and r.json()["engine_amount"] == "800000"
    # 2026-01-05 (Mon) + 5 working days: the notice ends on Monday 2026-01-12
    r = rev.post(f"/api/v1/applications/{app_id}/publish", {"from": "2026-01-05"}, key())
    assert r.json()["until"] == "2026-01-12"
    assert fin.post(f"/api/v1/applications/{app_id}/credit-check", headers=key()).json()["passed"] is True
    r = fin.post(
        f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-2026-001", "paid_on": "2026-01-13"}, key()
    )
    assert r.status_code == 200 and (r.json()["instalment"], r.json()["of"], r.json()["amount"]) == (
        1,
        3,
        "320000",
    )
    shown = a.get(f"/api/v1/applications/{app_id}").json()
    assert shown["application"]["status"] == "paying" and Decimal(shown["application"]["paid"]) == 320000
    assert [(Decimal(i["amount"]), i["paid"]) for i in shown["instalments"]] == [
        (320000, True),
        (240000, False),
        (240000, False),
    ]
    assert [h["action"] for h in shown["history"]] == [
        "start",
        "submit",
        "accept",
        "approve",
        "publish",
        "credit_check",
        "pay",
    ]
    assert shown["actions"] == []  # the applicant has nothing to do now


def test_a_replayed_request_answers_the_first_answer_and_writes_nothing(site, people):
    case_id = save(site, talent_case())
    body = {"case_id": case_id, "measure_id": TALENT, "event_id": "t1"}
    k = key()
    first = people["applicant-a"].post("/api/v1/applications", body, k)
    before = count(site)
    again = people["applicant-a"].post("/api/v1/applications", body, k)
    assert again.status_code == 201 and again.json() == {**first.json(), "replayed": True}
    assert count(site) == before and count(site, Application) == 1
    # the same key for another request: refused
    other = save(site, case_with(phase3("e1", "p1")))
    before = count(site)
    r = people["applicant-a"].post("/api/v1/applications", {**body, "case_id": other}, k)
    assert r.status_code == 409 and "幂等键" in r.json()["detail"] and count(site) == before


def test_a_request_without_an_idempotency_key_is_refused_naming_the_header(site, people):
    case_id = save(site, talent_case())
    r = people["applicant-a"].post(
        "/api/v1/applications", {"case_id": case_id, "measure_id": TALENT, "event_id": "t1"}
    )
    assert r.status_code == 422 and "idempotency-key" in r.json()["detail"].lower()
    assert count(site, Application) == 0


# -- bad input at the doors (§6) ----------------------------------------------------------------


def test_applying_twice_answers_409_with_a_link_to_the_existing_application(site, people):
    first = started(site, people)
    other_case = save(site, talent_case())  # the same achievement, saved again
    before = count(site)
    r = people["applicant-a"].post(
        "/api/v1/applications", {"case_id": other_case, "measure_id": TALENT, "event_id": "t1"}, key()
    )
    body = r.json()
    assert (
        r.status_code == 409
        and body["existing_id"] == first
        and body["existing_url"] == f"/applications/{first}"
    )
    assert (
        "不能重复申报" in body["detail"]
        and "生物医药企业引进人才补贴" in body["detail"]
        and TALENT not in body["detail"]
    )
    assert count(site) == before and count(site, Application) == 1


def test_paying_an_unapproved_item_is_refused_and_nothing_is_written(site, people):
    app_id = submitted(site, people)
    before = count(site)
    r = people["finance"].post(f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-1"}, key())
    # finance does not even see an item before it is approved
    assert r.status_code in (403, 422)
    people["reviewer"].post(f"/api/v1/applications/{app_id}/accept", headers=key())
    before = count(site)
    r = people["finance"].post(f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-1"}, key())
    assert r.status_code == 422 and "尚未核定" in r.json()["detail"] and "不能支付" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"] == ["body", "application_id"]
    assert count(site) == before and count(site, Payment) == 0


def test_paying_before_the_notice_period_ends_is_refused(site, people):
    app_id = published(site, people, start="2026-01-05")  # until 2026-01-12
    fin = people["finance"]
    fin.post(f"/api/v1/applications/{app_id}/credit-check", headers=key())
    before = count(site)
    r = fin.post(f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-1", "paid_on": "2026-01-12"}, key())
    assert (
        r.status_code == 422 and "2026-01-12" in r.json()["detail"] and "期满后方可支付" in r.json()["detail"]
    )
    assert count(site) == before
    r = fin.post(f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-1", "paid_on": "2026-01-13"}, key())
    assert r.status_code == 200


def test_an_approval_by_a_department_not_responsible_is_refused_and_nothing_is_written(site, people):
    app_id = submitted(site, people)
    people["reviewer"].post(f"/api/v1/applications/{app_id}/accept", headers=key())
    with unit_of_work("test", url=site.url) as uow:
        accounts.create_user(uow, "prov", "省厅审核员", password=PASSWORD, roles=[("reviewer", "省药监局")])
        site.principals["prov"] = accounts.authenticate(uow, "prov", PASSWORD)
    prov = Actor(site, "prov")
    before = count(site)
    r = prov.post(f"/api/v1/applications/{app_id}/approve", {"amount": "800000"}, key())
    assert (
        r.status_code == 403
        and "不负责此措施" in r.json()["detail"]
        and "生物医药企业引进人才补贴" in r.json()["detail"]
    )
    assert TALENT not in r.json()["detail"]
    assert count(site) == before
    with unit_of_work("test", url=site.url) as uow:
        assert uow.session.get(Application, app_id).status == "in_review"


def test_an_amount_above_the_ledger_needs_a_reason_and_a_second_person(site, people):
    app_id = submitted(site, people)
    rev = people["reviewer"]
    rev.post(f"/api/v1/applications/{app_id}/accept", headers=key())
    before = count(site)
    r = rev.post(f"/api/v1/applications/{app_id}/approve", {"amount": "800000.01"}, key())
    assert (
        r.status_code == 422
        and "超出台账测算" in r.json()["detail"]
        and r.json()["errors"][0]["loc"] == ["body", "amount"]
    )
    assert count(site) == before
    r = rev.post(
        f"/api/v1/applications/{app_id}/approve",
        {"amount": "900000", "override_reason": "专家评审认定"},
        key(),
    )
    assert r.json()["status"] == "override_pending"
    assert "confirm_override" not in rev.get(f"/api/v1/applications/{app_id}").json()["actions"]
    r = rev.post(f"/api/v1/applications/{app_id}/confirm-override", headers=key())
    assert r.status_code == 422 and "另一名审核人员" in r.json()["detail"]


def test_bad_amounts_and_deadlines_are_named(site, people):
    app_id = submitted(site, people)
    rev = people["reviewer"]
    rev.post(f"/api/v1/applications/{app_id}/accept", headers=key())
    r = rev.post(f"/api/v1/applications/{app_id}/approve", {"amount": "八十万"}, key())
    assert (
        r.status_code == 422
        and r.json()["errors"][0]["loc"] == ["body", "amount"]
        and "元" in r.json()["detail"]
    )
    r = rev.post(
        f"/api/v1/applications/{app_id}/request-more", {"reason": "请补充劳动合同", "working_days": 0}, key()
    )
    assert r.status_code == 422 and "working_days" in r.json()["detail"]
    r = rev.post(f"/api/v1/applications/{app_id}/reject", {"reason": " "}, key())
    assert r.status_code == 422 and "理由" in r.json()["detail"]
    assert people["reviewer"].get("/api/v1/applications/999999").status_code == 404


# -- who sees what ------------------------------------------------------------------------------


def test_an_application_is_seen_by_its_organisation_the_responsible_department_once_submitted_and_finance_once_approved(
    site, people
):
    app_id = started(site, people)
    url = f"/api/v1/applications/{app_id}"

    def seen() -> str:
        return "".join(
            "+" if people[w].get(url).status_code == 200 else "F"
            for w in ("applicant-a", "applicant-b", "reviewer", "finance", "auditor", "administrator")
        )

    assert seen() == "+FFF++"  # a draft: the organisation, auditors and administrators only
    people["applicant-a"].post(f"{url}/submit", {"credit_commitment": True}, key())
    assert seen() == "+F+F++"
    people["reviewer"].post(f"{url}/accept", headers=key())
    people["reviewer"].post(f"{url}/approve", {"amount": "800000"}, key())
    assert seen() == "+F++++"
    assert people["applicant-b"].get(f"/applications/{app_id}").status_code == 403  # the page too
    assert people["applicant-b"].get("/api/v1/applications/mine").json()["items"] == []


def test_the_auditor_filters_every_application(site, people):
    app_id = submitted(site, people)
    aud = people["auditor"]
    org_a = site.organisations["A"]
    assert [i["id"] for i in aud.get(f"/api/v1/applications?organisation_id={org_a}").json()["items"]] == [
        app_id
    ]
    assert aud.get(f"/api/v1/applications?organisation_id={site.organisations['B']}").json()["items"] == []
    assert [i["id"] for i in aud.get("/api/v1/applications?status=submitted").json()["items"]] == [app_id]
    assert aud.get("/api/v1/applications?status=approved").json()["items"] == []
    assert [i["id"] for i in aud.get(f"/api/v1/applications?measure_id={TALENT}").json()["items"]] == [app_id]
    r = aud.get("/api/v1/applications?status=nonsense")
    assert (
        r.status_code == 422
        and "status" in r.json()["detail"]
        and r.json()["errors"][0]["loc"] == ["query", "status"]
    )
    page = aud.get(f"/applications?org={org_a}").text
    assert "生物医药企业引进人才补贴" in page and "已提交，待受理" in page
    # read-only: an auditor has no action on the application page
    assert 'id="application-actions"' not in aud.get(f"/applications/{app_id}").text


# -- the lists ----------------------------------------------------------------------------------


def test_the_worklist_is_oldest_first_and_marks_an_overdue_request_for_more(site, people):
    first = submitted(site, people)
    second = submitted(
        site, people, case=case_with(phase3("e1", "p1")), measure="xm-2023/m1-clinical", event="e1"
    )
    rev = people["reviewer"]
    assert [i["id"] for i in rev.get("/api/v1/applications/worklist").json()["items"]] == [first, second]
    rev.post(f"/api/v1/applications/{first}/accept", headers=key())
    with unit_of_work("test", url=site.url) as uow:
        from biopolicy.services import applications as apps

        apps.request_more(
            uow,
            site.principals["reviewer"],
            first,
            "请补充劳动合同",
            5,
            "more-1",
            today=__import__("datetime").date(2026, 1, 5),
        )
    items = {i["id"]: i for i in rev.get("/api/v1/applications/worklist").json()["items"]}
    assert items[first]["overdue"] is True and items[first]["due_label"] == "补充材料截止 2026-01-12"
    assert items[second]["overdue"] is False and items[second]["due_on"] is None
    # issue 10: the worklist carries the engine's explanation, the one the application page shows
    detail = rev.get(f"/api/v1/applications/{second}").json()
    assert items[second]["engine_label"] == detail["verdict"]["explanation"]
    assert items[second]["engine_label"].startswith("测算结论：")
    page = rev.get("/applications/worklist").text
    assert "row-overdue" in page and "已逾期" in page
    assert items[second]["engine_label"] in page
    mine = people["applicant-a"].get("/applications/mine").text
    assert "请按退回意见补充后重新提交（截止 2026-01-12，已逾期）" in mine


def test_the_finance_queue_shows_the_notice_the_credit_check_and_the_instalments(site, people):
    app_id = published(site, people, start="2026-01-05")
    items = people["finance"].get("/api/v1/applications/payments").json()["items"]
    (item,) = items
    assert item["id"] == app_id and item["payable"] is True and item["notice_until"] == "2026-01-12"
    assert (
        item["credit_label"] == "本期尚未进行信用核查" and item["instalments_label"] == "已付 0 期，共 3 期"
    )
    assert Decimal(item["next_amount"]) == 320000
    assert people["reviewer"].get("/api/v1/applications/payments").status_code == 403


# -- pages --------------------------------------------------------------------------------------


def test_one_click_on_a_saved_case_starts_a_prefilled_application(site, people):
    case_id = save(site, talent_case())
    a = people["applicant-a"]
    page = a.get(f"/cases/{case_id}").text
    assert "申请兑现" in page and 'name="idempotency_key"' in page
    form = {
        "csrf_token": a.token,
        "idempotency_key": hidden(page, "idempotency_key"),
        "case_id": case_id,
        "measure_id": TALENT,
        "event_id": "t1",
    }
    r = a.client.post("/applications", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/applications/")
    again = a.client.post("/applications", data=form, follow_redirects=False)  # a double click
    assert again.status_code == 303 and again.headers["location"] == r.headers["location"]
    assert count(site, Application) == 1
    shown = a.get(r.headers["location"]).text
    assert "已创建申报" in shown and "签署信用承诺并提交" in shown and 'name="credit_commitment"' in shown
    assert "已申报，查看申报" in a.get(f"/cases/{case_id}").text
    # a new form (a new key) for the same entitlement: refused, with the way to the existing one
    r2 = a.client.post("/applications", data={**form, "idempotency_key": "another"}, follow_redirects=False)
    assert r2.status_code == 409 and "不能重复申报" in r2.text and "查看已有申报" in r2.text


def test_the_application_page_offers_only_the_readers_actions_as_forms(site, people):
    app_id = submitted(site, people)
    rev, a = people["reviewer"], people["applicant-a"]
    page = rev.get(f"/applications/{app_id}").text
    assert (
        'id="action-accept"' in page and 'id="action-approve"' not in page and 'id="action-pay"' not in page
    )
    assert "测算步骤" in page and TALENT not in page
    form = {"csrf_token": rev.token, "idempotency_key": hidden(page, "idempotency_key")}
    r = rev.client.post(f"/applications/{app_id}/accept", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = rev.get(f"/applications/{app_id}").text
    assert 'id="action-approve"' in page and "800000" in page  # the engine's figure, pre-filled
    # a bad amount: a Chinese page, nothing written
    before = count(site)
    form = {"csrf_token": rev.token, "idempotency_key": "page-bad", "amount": "abc"}
    r = rev.client.post(f"/applications/{app_id}/approve", data=form)
    assert r.status_code == 422 and "核定金额：应为以元为单位的金额" in r.text and "未做任何更改" in r.text
    assert "amount" not in r.text.split("<main", 1)[-1] and count(site) == before
    assert (
        'id="application-actions"' not in a.get(f"/applications/{app_id}").text
    )  # nothing for the applicant now
    nav = a.get("/").text
    assert 'href="/applications/mine"' in nav and 'href="/applications/worklist"' not in nav
    assert 'href="/applications/worklist"' in rev.get("/").text
    assert 'href="/applications/payments"' in people["finance"].get("/").text


# -- exports ------------------------------------------------------------------------------------


def test_the_notice_list_as_xlsx_and_csv(site, people):
    app_id = published(site, people, start="2026-01-05")
    rev = people["reviewer"]
    r = rev.get("/applications/notice.xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("资金兑现公示名单")
    header, line = rows[1], rows[2]
    got = dict(zip(header, line, strict=True))
    assert got["单位名称"] == FACTS["name"] and got["统一社会信用代码"] == FACTS["credit_code"]
    assert len(got["统一社会信用代码"]) == 18 and got["支持措施"] == "生物医药企业引进人才补贴"
    assert "（二十）" in got["政策条款"] and float(got["核定金额（元）"]) == 800000
    assert (got["公示开始日期"], got["公示截止日期"]) == ("2026-01-05", "2026-01-12")
    r = rev.get("/applications/notice.csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and "text/csv" in r.headers["content-type"]
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["序号", "单位名称", "统一社会信用代码"] and table[1][6] == "800000.00"
    assert TALENT not in r.content.decode("utf-8-sig")
    assert rev.get("/applications/notice.pdf").status_code == 404
    assert people["applicant-a"].get("/applications/notice.csv").status_code == 403
    assert app_id


def test_the_payment_list_has_each_paid_instalment_and_the_next_one(site, people):
    app_id = published(site, people, start="2026-01-05")
    fin = people["finance"]
    fin.post(f"/api/v1/applications/{app_id}/credit-check", headers=key())
    fin.post(
        f"/api/v1/applications/{app_id}/pay", {"receipt_no": "SJ-2026-001", "paid_on": "2026-01-13"}, key()
    )
    table = list(csv.reader(io.StringIO(fin.get("/applications/payments.csv").content.decode("utf-8-sig"))))
    header, rows = table[0], [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert "收款收据编号" in header and len(rows) == 2
    assert (
        rows[0]["期次"],
        rows[0]["本期金额（元）"],
        rows[0]["状态"],
        rows[0]["支付日期"],
        rows[0]["收款收据编号"],
    ) == ("第 1 期／共 3 期", "320000.00", "已支付", "2026-01-13", "SJ-2026-001")
    assert (rows[1]["期次"], rows[1]["本期金额（元）"], rows[1]["状态"]) == (
        "第 2 期／共 3 期",
        "240000.00",
        "待支付",
    )
    ws = load_workbook(io.BytesIO(fin.get("/applications/payments.xlsx").content)).active
    values = list(ws.iter_rows(min_row=3, values_only=True))
    assert (
        len(values) == 2
        and values[0][7] == 2026
        and float(values[0][8]) == 320000
        and ws.cell(row=3, column=9).number_format == "#,##0.00"
    )


def test_a_reviewer_enters_an_award_paid_outside_the_platform_and_the_ledger_counts_it(site, people):
    """Issue 10 §2: awards paid before the platform existed are entered as prior awards with their
    evidence and count the same (xm-2023 （一） caps phase I–III of one product at 60,000,000元)."""
    app_id = submitted(
        site, people, case=case_with(phase3("e1", "p1")), measure="xm-2023/m1-clinical", event="e1"
    )
    rev = people["reviewer"]
    rev.post(f"/api/v1/applications/{app_id}/accept", headers=key())
    org = site.principals["applicant-a"].organisation_id
    award = {
        "organisation_id": org, "measure_id": "xm-2023/m1-clinical", "level": "city",
        "amount": "30000000", "date": "2024-05-01", "product_id": "p1", "evidence": "厦科〔2024〕1号",
    }  # fmt: skip
    before = count(site)
    for bad, field in (
        ({**award, "level": "town"}, "level"),
        ({**award, "evidence": ""}, "evidence"),
        ({**award, "organisation_id": 999999}, "organisation_id"),
    ):
        r = rev.post("/api/v1/prior-awards", bad, key())
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", field], r.text
    assert people["applicant-a"].post("/api/v1/prior-awards", award, key()).status_code == 403
    assert count(site) == before
    k = key()
    r = rev.post("/api/v1/prior-awards", award, k)
    assert r.status_code == 201 and r.json()["replayed"] is False, r.text
    again = rev.post("/api/v1/prior-awards", award, k)
    assert again.json() == {**r.json(), "replayed": True}
    verdict = rev.get(f"/api/v1/applications/{app_id}").json()["verdict"]
    assert verdict["prior_awards"] == 1 and Decimal(verdict["allowed"]) == 30000000
    r = rev.post("/api/v1/prior-awards", {**award, "amount": "20000000", "date": "2025-05-01"}, key())
    assert r.status_code == 201
    verdict = rev.get(f"/api/v1/applications/{app_id}").json()["verdict"]
    assert verdict["prior_awards"] == 2 and Decimal(verdict["allowed"]) == 10000000


def test_publishing_one_application_takes_the_notice_period_from_the_platform_setting(site, people):
    """BIOPOLICY_NOTICE_WORKING_DAYS (the issue: default 5, configurable) at 7: the page's form
    offers 7 and a publication that gives no period takes 7."""
    site.app.state.settings = site.app.state.settings.model_copy(update={"notice_working_days": 7})
    app_id = approved(site, people)
    rev = people["reviewer"]
    page = rev.get(f"/applications/{app_id}").text
    assert 'name="working_days" min="1" max="60" value="7"' in page
    r = rev.post(f"/api/v1/applications/{app_id}/publish", {"from": "2026-01-05"}, key())
    # Monday 2026-01-05 + 7 working days: 01-06 … 01-09, 01-12 … 01-14 (5 days would end 01-12)
    assert r.status_code == 200 and r.json()["until"] == "2026-01-14", r.text
