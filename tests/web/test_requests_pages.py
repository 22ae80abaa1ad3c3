"""Requests, targets and the evaluation through the web: JSON and pages, idempotency keys, the multipart
form with its CSRF token and attachments, refusals in Chinese with nothing written."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from biopolicy.services.database import get_database
from biopolicy.storage.request_models import EnterpriseRequest, RequestAttachment

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    from biopolicy.settings import get_settings

    monkeypatch.setenv("BIOPOLICY_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def count(site, model) -> int:
    with get_database(site.url).sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def api(site, who):
    client = site.client(who)
    token = site.csrf(client)
    return client, token


def test_an_enterprise_files_by_json_retries_safely_and_a_wrong_department_is_refused(site):
    client, token = api(site, "applicant-a")
    body = {"category": "临床试验", "title": "伦理审查排期", "text": "排期超过两个月"}
    headers = {"X-CSRF-Token": token, "Idempotency-Key": "web-1"}
    first = client.post("/api/v1/requests", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["department"] == "市卫健委"
    again = client.post("/api/v1/requests", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    wrong = client.post(
        "/api/v1/requests",
        json={**body, "department": "市宇宙局"},
        headers={**headers, "Idempotency-Key": "web-2"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"][-1] == "department" and "市宇宙局" in wrong.json()["detail"]
    no_key = client.post("/api/v1/requests", json=body, headers={"X-CSRF-Token": token})
    assert no_key.status_code == 422
    assert count(site, EnterpriseRequest) == 1
    # the coordinating department (this reviewer: 市科技局) answers only an escalated request
    reviewer, rtoken = api(site, "reviewer")
    refused = reviewer.post(
        f"/api/v1/requests/{first.json()['id']}/answer",
        json={"text": "答复"},
        headers={"X-CSRF-Token": rtoken, "Idempotency-Key": "web-3"},
    )
    assert refused.status_code == 403 and "由市卫健委承办" in refused.json()["detail"]
    listed = reviewer.get("/api/v1/requests").json()
    assert [s["department"] for s in listed["stats"]][:1] == ["市卫健委"] and listed["stats"][0][
        "received"
    ] == 1


def test_the_page_form_files_with_a_pdf_and_its_csrf_token_and_only_its_enterprise_downloads_it(site):
    from tests.web.conftest import hidden

    client = site.client("applicant-a")
    page = client.get("/requests")
    assert page.status_code == 200 and 'id="request-form"' in page.text
    fields = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "idempotency_key": hidden(page.text, "idempotency_key"),
        "category": "customs",
        "title": "进口研发用物品通关",
        "text": "白名单物品通关慢",
    }
    files = {"attachments": ("清单.pdf", PDF, "application/pdf")}
    without = client.post(
        "/requests", data={**fields, "csrf_token": "forged"}, files=files, follow_redirects=False
    )
    assert without.status_code == 403 and count(site, EnterpriseRequest) == 0
    done = client.post("/requests", data=fields, files=files, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/requests/")
    shown = client.get(done.headers["location"])
    assert "厦门海关" in shown.text and "清单.pdf" in shown.text
    request_id = done.headers["location"].rsplit("/", 1)[1]
    with get_database(site.url).sessions() as s:
        attachment = s.scalar(select(RequestAttachment))
    url = f"/api/v1/requests/{request_id}/attachments/{attachment.id}"
    got = client.get(url)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert site.client("applicant-b").get(url).status_code == 403
    bad = client.post(
        "/requests",
        data={**fields, "idempotency_key": "other"},
        files={"attachments": ("病毒.exe", b"MZ", "application/octet-stream")},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "只能上传 PDF 或图片" in bad.text
    assert count(site, EnterpriseRequest) == 1


def test_targets_form_and_the_evaluation_workbook(site):
    from tests.web.conftest import hidden

    client = site.client("reviewer")
    page = client.get("/targets")
    assert page.status_code == 200 and "尚无实际值" in page.text
    token = hidden(page.text, "csrf_token")
    form = {
        "csrf_token": token,
        "target": "fj-2023-7/m1-revenue",
        "year": "2023",
        "value": "1000",
        "source": "统计公报",
    }
    assert client.post("/targets", data=form, follow_redirects=False).status_code == 303
    again = client.post("/targets", data=form, follow_redirects=False)
    assert again.status_code == 422 and "2023 年已有实际值" in again.text
    assert "target-chart-data" in client.get("/targets").text
    workbook = site.client("finance").get("/evaluation.xlsx?year=2025")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    assert (
        sheet.cell(1, 1).value.startswith("2025 年度政策措施实施效果评估")
        and sheet.cell(3, 2).value == "措施"
    )
    assert "2025 年度政策措施实施效果评估" in site.client("auditor").get("/evaluation?year=2025").text


def test_the_targets_import_form_reports_bad_lines_and_writes_the_good_ones(site):
    from tests.web.conftest import hidden

    from biopolicy.storage.request_models import TargetActual

    client = site.client("administrator")
    token = hidden(client.get("/targets").text, "csrf_token")
    csv = "目标,年份,实际值,来源\nfj-2023-7/m1-revenue,2022,950,统计公报\nfj-2023-7/m1-revenue,2023,很多,x\n"
    answer = client.post(
        "/targets/import",
        data={"csrf_token": token},
        files={"file": ("实际值.csv", csv.encode(), "text/csv")},
    )
    assert answer.status_code == 200 and "第3行：value：实际值应为数字（单位：亿元）" in answer.text
    assert count(site, TargetActual) == 1
    empty = client.post("/targets/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "请选择要导入的 CSV 或 XLSX 文件" in empty.text
    assert site.client("applicant-a").get("/targets").status_code == 403


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_json_attachments_upload_once_per_key_are_listed_downloaded_and_refused_in_chinese(site):
    """POST /api/v1/requests/{id}/attachments: the filing enterprise adds a file (type by its content,
    within the size limit, at most MAX_ATTACHMENTS); anyone who may see the request lists and downloads
    it; every refusal names the field and writes nothing."""
    from biopolicy.services import requests as rq

    client, token = api(site, "applicant-a")
    headers = {"X-CSRF-Token": token}
    filed = client.post("/api/v1/requests", json={"category": "临床试验", "title": "排期", "text": "排期过长"},
                        headers={**headers, "Idempotency-Key": "att-0"})  # fmt: skip
    request_id = filed.json()["id"]
    url = f"/api/v1/requests/{request_id}/attachments"

    def upload(name, content, key, who=client, tok=token):
        return who.post(url, files={"file": (name, content, "application/octet-stream")},
                        headers={"X-CSRF-Token": tok, "Idempotency-Key": key})  # fmt: skip

    first = upload("会议纪要.pdf", PDF, "att-1")
    assert first.status_code == 201, first.text
    got = first.json()
    assert (
        got["filename"] == "会议纪要.pdf"
        and got["content_type"] == "application/pdf"
        and got["size"] == len(PDF)
    )
    assert upload("会议纪要.pdf", PDF, "att-1").json()["id"] == got["id"]  # a retry writes nothing
    assert count(site, RequestAttachment) == 1
    listed = client.get(url)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [got["id"]]
    download = client.get(f"{url}/{got['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert site.client("reviewer").get(url).status_code == 200  # the coordinating department reads

    # wrong type: by extension, and by content (a PNG named .pdf)
    exe = upload("病毒.exe", b"MZ", "att-2")
    assert exe.status_code == 422 and exe.json()["errors"][0]["loc"] == ["body", "file"]
    assert "只能上传 PDF 或图片" in exe.json()["detail"]
    fake = upload("假.pdf", PNG, "att-3")
    assert fake.status_code == 422 and "与扩展名不符" in fake.json()["detail"]
    # no file at all
    none = client.post(url, headers={**headers, "Idempotency-Key": "att-4"})
    assert none.status_code == 422 and none.json()["errors"][0]["loc"] == ["body", "file"]
    # not one's request: another enterprise (the service), a department (the access rule)
    other, other_token = api(site, "applicant-b")
    refused = upload("b.pdf", PDF, "att-5", other, other_token)
    assert refused.status_code == 403 and "只有提出诉求" in refused.json()["detail"]
    assert other.get(url).status_code == 403 and other.get(f"{url}/{got['id']}").status_code == 403
    reviewer, reviewer_token = api(site, "reviewer")
    assert upload("r.pdf", PDF, "att-6", reviewer, reviewer_token).status_code == 403
    assert count(site, RequestAttachment) == 1

    # the size limit, both sides: exactly the limit is accepted, one byte more refused naming the file
    exact = PDF + b"0" * (rq.MAX_ATTACHMENT_BYTES - len(PDF))
    assert upload("刚好.pdf", exact, "att-7").status_code == 201
    over = upload("太大.pdf", exact + b"0", "att-8")
    assert over.status_code == 422 and over.json()["errors"][0]["loc"] == ["body", "file"]
    assert f"超过每个附件 {rq.MAX_ATTACHMENT_BYTES // 1048576} MB 的上限" in over.json()["detail"]
    assert count(site, RequestAttachment) == 2

    # at most MAX_ATTACHMENTS in all
    for i in range(rq.MAX_ATTACHMENTS - 2):
        assert upload(f"第{i}份.pdf", PDF + bytes([i]), f"att-more-{i}").status_code == 201
    sixth = upload("再多.pdf", PDF, "att-9")
    assert sixth.status_code == 422 and f"最多 {rq.MAX_ATTACHMENTS} 个附件" in sixth.json()["detail"]
    assert count(site, RequestAttachment) == rq.MAX_ATTACHMENTS


def test_the_page_form_takes_an_attachment_larger_than_the_ordinary_body_limit(site):
    """The door's ordinary 1 MB body limit would stop a request form carrying a 2 MB scan; the form is
    allowed as many files as a request may have (5 × 10 MB), and the service still refuses a file over
    10 MB by name."""
    from tests.web.conftest import hidden

    client = site.client("applicant-a")
    page = client.get("/requests")
    fields = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "idempotency_key": hidden(page.text, "idempotency_key"),
        "category": "customs",
        "title": "进口研发用物品通关",
        "text": "附扫描件",
    }
    scan = PDF + b"0" * (2 * 1024 * 1024)
    done = client.post(
        "/requests",
        data=fields,
        files={"attachments": ("扫描件.pdf", scan, "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:300]
    assert count(site, EnterpriseRequest) == 1
    too_big = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))
    refused = client.post(
        "/requests",
        data={**fields, "idempotency_key": "other"},
        files={"attachments": ("大扫描件.pdf", too_big, "application/pdf")},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "大扫描件.pdf" in refused.text and "10 MB" in refused.text
    assert count(site, EnterpriseRequest) == 1
