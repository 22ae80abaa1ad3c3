# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""The application page brings together what was built beside it: its evidence (list, download, the
upload form while the organisation prepares it), its 公示 batch and objections (the form while the
period runs), and its place in the budget queue (also on finance's payment list)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from tests.web.conftest import hidden
from tests.web.test_application_pages import TALENT, key, people, published, started, submitted  # noqa: F401

PDF = b"%PDF-1.4\n%evidence\n"


def upload(actor, app_id: int, page: str, content: bytes = PDF, name: str = "合同.pdf"):
    form = {"csrf_token": actor.token, "idempotency_key": hidden(page, "idempotency_key"),
            "application_id": str(app_id), "title": ""}  # fmt: skip
    return actor.client.post(
        "/evidence/upload",
        data=form,
        files={"file": (name, content, "application/pdf")},
        follow_redirects=False,
    )


def test_evidence_is_listed_downloadable_and_uploaded_only_while_the_organisation_prepares(site, people):
    a, rev = people["applicant-a"], people["reviewer"]
    app_id = started(site, people)
    page = a.get(f"/applications/{app_id}").text
    assert 'id="evidence-form"' in page and 'id="evidence-empty"' in page
    r = upload(a, app_id, page)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/applications/{app_id}?done=evidence")
    page = a.get(f"/applications/{app_id}").text
    assert "合同.pdf" in page and ">PDF<" in page and "证明材料已上传" not in page
    [link] = re.findall(r'href="(/api/v1/evidence/\d+/file)"', page)
    assert a.get(link).content == PDF
    assert hashlib.sha256(PDF).hexdigest()[:12] in page
    # not a PDF, PNG or JPEG: refused, named, nothing listed
    r = upload(a, app_id, page, content=b"plain text", name="附注文字.txt")
    assert r.status_code == 422 and "只能上传 PDF、PNG 或 JPEG 文件" in r.text
    assert "附注文字" not in a.get(f"/applications/{app_id}").text
    # submitted: the form goes, and an upload is refused
    assert (
        a.post(f"/api/v1/applications/{app_id}/submit", {"credit_commitment": True}, key()).status_code == 200
    )
    page = a.get(f"/applications/{app_id}").text
    assert 'id="evidence-form"' not in page and "合同.pdf" in page
    form = {"csrf_token": a.token, "idempotency_key": "late", "application_id": str(app_id)}
    r = a.client.post("/evidence/upload", data=form, files={"file": ("x.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and "退回补充材料" in r.text
    # the responsible department reads the list, without the form
    page = rev.get(f"/applications/{app_id}").text
    assert "合同.pdf" in page and 'id="evidence-form"' not in page


def test_the_notice_its_end_and_objections_on_the_page_with_the_form_while_it_runs(site, people):
    a, rev, fin = people["applicant-a"], people["reviewer"], people["finance"]
    app_id = published(site, people, start=dt.date.today().isoformat())
    page = fin.get(f"/applications/{app_id}").text
    assert 'id="application-notice"' in page and "正在公示" in page and 'id="objection-form"' in page
    form = {"csrf_token": fin.token, "idempotency_key": hidden(page.split('id="objection-form"')[1], "idempotency_key"),
            "reason": "该人才引进时间与公开信息不符"}  # fmt: skip
    r = fin.client.post(f"/applications/{app_id}/object", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = rev.get(f"/applications/{app_id}").text
    assert "有 1 件异议待处理" in page and "该人才引进时间与公开信息不符" in page
    mine = a.get(f"/applications/{app_id}").text
    assert "有 1 件异议待处理" in mine and 'id="objection-form"' in mine  # the applicant may answer in time
    r = fin.client.post(
        f"/applications/{app_id}/object", data={**form, "idempotency_key": "x", "reason": " "}
    )
    assert r.status_code == 422 and "理由：须写明理由" in r.text


def test_a_notice_that_has_ended_shows_its_end_and_no_form(site, people):
    app_id = published(site, people, start="2026-01-05")
    page = people["finance"].get(f"/applications/{app_id}").text
    assert "公示已结束" in page and 'id="objection-form"' not in page


def test_a_queued_approval_shows_its_place_on_its_page_and_in_finances_queue(site, people):
    fin, rev = people["finance"], people["reviewer"]
    body = {"measure_id": TALENT, "fiscal_year": dt.date.today().year, "level": "city", "amount": "799999.99"}
    assert fin.post("/api/v1/budgets", body, key()).status_code == 200, fin.post(
        "/api/v1/budgets", body, key()
    ).text
    app_id = submitted(site, people)
    assert rev.post(f"/api/v1/applications/{app_id}/accept", headers=key()).status_code == 200
    r = rev.post(f"/api/v1/applications/{app_id}/approve", {"amount": "800000"}, key())
    assert r.json()["status"] == "queued"  # one cent short
    page = people["applicant-a"].get(f"/applications/{app_id}").text
    assert 'id="queue-place">1<' in page
    queue = fin.get("/applications/payments").text
    assert "预算排队第 1 位" in queue and f"/applications/{app_id}" in queue
    assert f'href="/applications/{app_id}"' in fin.get("/budgets").text
    body["amount"] = "800000"  # raised: released, the place goes
    assert fin.post("/api/v1/budgets", body, key()).json()["released"] == [app_id]
    assert 'id="queue-place"' not in people["applicant-a"].get(f"/applications/{app_id}").text
    assert "预算排队第" not in fin.get("/applications/payments").text
