"""The fulfilment routes over HTTP: 免申即享 import and proposals, evidence upload (multipart) and
download, the page forms (确认, 更正 with a file), budgets; refusals in Chinese, nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.services.test_evidence import PDF
from tests.services.test_organisations import code
from tests.web.conftest import hidden

from biopolicy.services.calculator import get_calculator
from biopolicy.settings import Settings, get_settings
from biopolicy.web.app import create_app
from biopolicy.web.security import MULTIPART_OVERHEAD
from biopolicy.web.session import SESSION_COOKIE

LIMIT = 4000
CSV = (
    "统一社会信用代码,记录类型,日期,产品,数据\n"
    f"{code(1)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3;rd_investment=90000000;transferred_city=厦门市\n"
    f"{code(1)},clinical_stage_completed,2026-03-01,某单抗,stage=phase_2;rd_investment=30000000;transferred_city=厦门市\n"
    f"{code(7)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3\n"
)


@pytest.fixture
def web(site, real_library, tmp_path):
    """The site's database and people, with evidence kept in a folder of this test and a small limit."""
    settings = Settings(data_dir=tmp_path, evidence_max_bytes=LIMIT, secret_key=get_settings().secret_key)
    app = create_app(real_library, get_calculator(), settings=settings, database_url=site.url)
    with TestClient(app):
        pass

    def client(who):
        c = TestClient(app, raise_server_exceptions=False)
        c.cookies.set(SESSION_COOKIE, site.session_cookie(who))
        c.headers["X-CSRF-Token"] = c.get("/api/v1/account").json()["csrf_token"]
        return c

    return client, settings


def test_proactive_evidence_and_pages_end_to_end(web):
    client, settings = web
    admin, a, b, fin = (
        client("administrator"),
        client("applicant-a"),
        client("applicant-b"),
        client("finance"),
    )
    files = {"file": ("记录.csv", CSV.encode("utf-8"), "text/csv")}
    r = admin.post("/api/v1/proactive/imports", files=files, headers={"Idempotency-Key": "imp-1"})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["stored"] == 2 and [u["line"] for u in report["unmatched"]] == [4]
    again = admin.post("/api/v1/proactive/imports", files=files, headers={"Idempotency-Key": "imp-2"}).json()
    assert again["stored"] == 0 and [x["line"] for x in again["repeated"]] == [2, 3]
    assert (
        a.post("/api/v1/proactive/imports", files=files, headers={"Idempotency-Key": "imp-3"}).status_code
        == 403
    )

    proposals = a.get("/api/v1/proposals").json()
    clinical = [p for p in proposals if p["measure_id"] == "xm-2023/m1-clinical"]
    assert len(clinical) == 2 and b.get("/api/v1/proposals").json() == []
    first, second = clinical

    # evidence: by content, within the limit, only own staff
    ok = {"file": ("报告.pdf", PDF, "application/pdf")}
    r = a.post(
        "/api/v1/evidence", files=ok, data={"proposal_id": first["id"]}, headers={"Idempotency-Key": "ev-1"}
    )
    assert r.status_code == 201, r.text
    eid = r.json()["evidence_id"]
    fake = {"file": ("照片.png", b"GIF89a not allowed", "image/png")}
    r = a.post(
        "/api/v1/evidence", files=fake, data={"proposal_id": first["id"]}, headers={"Idempotency-Key": "ev-2"}
    )
    assert r.status_code == 422 and "只能上传 PDF、PNG 或 JPEG" in r.json()["detail"]
    big = {"file": ("大.pdf", PDF + b"x" * LIMIT, "application/pdf")}
    r = a.post(
        "/api/v1/evidence", files=big, data={"proposal_id": first["id"]}, headers={"Idempotency-Key": "ev-3"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "file"]
    huge = {"file": ("巨.pdf", PDF + b"x" * (LIMIT + MULTIPART_OVERHEAD), "application/pdf")}
    r = a.post(
        "/api/v1/evidence", files=huge, data={"proposal_id": first["id"]}, headers={"Idempotency-Key": "ev-4"}
    )
    assert r.status_code == 413 and "请求体过大" in r.json()["detail"]
    r = b.post(
        "/api/v1/evidence", files=ok, data={"proposal_id": first["id"]}, headers={"Idempotency-Key": "ev-5"}
    )
    assert r.status_code == 403
    assert len(list(settings.evidence_dir.iterdir())) == 1  # nothing stored by the refusals

    got = a.get(f"/api/v1/evidence/{eid}/file")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert (
        got.headers["content-disposition"].startswith("attachment;")
        and "%E6%8A%A5%E5%91%8A.pdf" in got.headers["content-disposition"]
    )
    assert b.get(f"/api/v1/evidence/{eid}/file").status_code == 403
    (settings.evidence_dir / got_sha(a, first["id"])).write_bytes(b"%PDF-tampered")
    r = a.get(f"/api/v1/evidence/{eid}/file")
    assert r.status_code == 409 and "校验值不符" in r.json()["detail"]

    # the page: 更正 with a file (multipart form), 确认 (urlencoded form)
    page = a.get("/proposals")
    assert (
        page.status_code == 200
        and "确认" in page.text
        and "更正" in page.text
        and "阶段=Ⅲ期临床试验" in page.text
    )
    token = hidden(page.text, "csrf_token")
    r = a.post(
        f"/proposals/{first['id']}/correct",
        data={
            "csrf_token": token,
            "idempotency_key": "form-1",
            "credit_commitment": "on",
            "facts": "该阶段研发投入（元）=60000000",
        },
        files={"file": ("审计报告.pdf", PDF + b"2", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/proposals?done="), r.text
    r = a.post(
        f"/proposals/{second['id']}/confirm",
        data={"csrf_token": token, "idempotency_key": "form-2"},
        follow_redirects=False,
    )
    assert (
        r.status_code == 422 and "信用承诺书" in r.text
    )  # the commitment box left empty: a page, nothing written
    r = a.post(
        f"/proposals/{second['id']}/confirm",
        data={"csrf_token": token, "idempotency_key": "form-3", "credit_commitment": "on"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    statuses = {p["id"]: p["status"] for p in a.get("/api/v1/proposals").json()}
    assert statuses[first["id"]] == "corrected" and statuses[second["id"]] == "confirmed"

    # budgets: finance sets, the page shows it
    body = {"measure_id": "xm-2023/m1-clinical", "fiscal_year": 2026, "level": "city", "amount": "50000000"}
    r = fin.post("/api/v1/budgets", json=body, headers={"Idempotency-Key": "bud-1"})
    assert r.status_code == 200 and r.json()["budget_id"]
    r = fin.post("/api/v1/budgets", json={**body, "level": "province"}, headers={"Idempotency-Key": "bud-2"})
    assert r.status_code == 422 and "level：此措施由 city（市级） 出资" in r.json()["detail"]
    r = fin.post("/api/v1/budgets", json=body)
    assert r.status_code == 422 and "Idempotency-Key" in r.text
    page = fin.get("/budgets")
    assert page.status_code == 200 and "50,000,000元" in page.text


def got_sha(client, proposal_id) -> str:
    return client.get(f"/api/v1/evidence?proposal_id={proposal_id}").json()[0]["sha256"]


def test_notice_batch_objection_and_resolution_over_http(site):
    import datetime as dt

    from tests.services.test_applications import case_with, phase3

    from biopolicy.services import applications as apps
    from biopolicy.services.database import unit_of_work
    from biopolicy.storage.ledger_models import Application
    from biopolicy.storage.models import utcnow

    event = phase3("e1", "p1")
    with unit_of_work("test", url=site.url) as uow:
        row = Application(
            organisation_id=site.organisations["A"],
            measure_id="xm-2023/m1-clinical",
            event={**event, "_case": case_with(event, products=1)},
            event_key=apps._event_key(event),
            product_id="p1",
            subject="p1",
            department="市科技局、市财政局",
            status="in_review",
            submitted_facts=apps._facts(event),
            credit_commitment=True,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        uow.session.add(row)
        uow.commit()
        app_id = row.id
    with unit_of_work("test", url=site.url) as uow:
        apps.approve(uow, site.principals["reviewer"], get_calculator(), app_id, "30000000", "ap-1")

    def client(who):
        c = site.client(who)
        c.headers["X-CSRF-Token"] = site.csrf(c)
        return c

    rev, b, fin = client("reviewer"), client("applicant-b"), client("finance")
    r = rev.post("/api/v1/notices", json={"application_ids": [app_id]}, headers={"Idempotency-Key": "n-1"})
    assert r.status_code == 201, r.text
    batch = r.json()
    assert dt.date.fromisoformat(batch["ends_on"]) > dt.date.today()
    again = rev.post(
        "/api/v1/notices", json={"application_ids": [app_id]}, headers={"Idempotency-Key": "n-2"}
    )
    assert again.status_code == 422 and "只有“已核定”" in again.json()["detail"]
    r = b.post(
        f"/api/v1/applications/{app_id}/objections",
        json={"reason": "该产品尚未完成Ⅲ期临床"},
        headers={"Idempotency-Key": "o-1"},
    )
    assert r.status_code == 201, r.text
    objection = r.json()["objection_id"]
    rows = fin.get(f"/api/v1/notices/{batch['batch_id']}").json()
    assert rows[0]["objection"] == "异议待处理" and rows[0]["organisation"] == "厦门某生物科技有限公司"
    r = fin.post(
        f"/api/v1/objections/{objection}/resolve",
        json={"outcome": "dismissed", "resolution": "经核查"},
        headers={"Idempotency-Key": "r-0"},
    )
    assert r.status_code == 403
    body = {"outcome": "upheld", "resolution": "经核查属实", "then": "reject"}
    r = rev.post(f"/api/v1/objections/{objection}/resolve", json=body, headers={"Idempotency-Key": "r-1"})
    assert r.status_code == 200 and r.json()["application_status"] == "rejected"
    replay = rev.post(
        f"/api/v1/objections/{objection}/resolve", json=body, headers={"Idempotency-Key": "r-1"}
    )
    assert replay.json() == {**r.json(), "replayed": True}
    conflict = rev.post(
        f"/api/v1/objections/{objection}/resolve",
        json={**body, "then": "review"},
        headers={"Idempotency-Key": "r-1"},
    )
    assert conflict.status_code == 409 and "幂等键" in conflict.json()["detail"]
