"""Duties, catalogues and the ethics registry through the app: forms with files, JSON twins with
idempotency keys, refusals naming the field, and who sees which page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from tests.services.test_organisations import code

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work
from biopolicy.settings import get_settings
from biopolicy.storage.db import make_engine
from biopolicy.storage.duty_models import DutyRecord
from biopolicy.storage.models import Product

PASSWORD = "correct-horse-42"
PDF = b"%PDF-1.4\n%minutes\n"
TODAY = dt.date.today()


def _person(site, login: str, roles, org: int | None = None) -> None:
    with unit_of_work("test", url=site.url) as uow:
        accounts.create_user(uow, login, login, password=PASSWORD, organisation=org, roles=roles)
        site.principals[login] = accounts.authenticate(uow, login, PASSWORD)


def add_hospital(site, key: str, name: str, n: int) -> int:
    with unit_of_work("test", url=site.url) as uow:
        org = orgs.create(
            uow, {"name": name, "credit_code": code(n), "kind": "medical_institution", "city": "厦门市",
                  "district": "思明区"},
        ).id  # fmt: skip
    site.organisations[key] = org
    return org


@pytest.fixture
def hospitals(site, tmp_path):
    """Hospitals H (staff ``staff``) and G (staff ``staff-g``), a 市卫健委 reviewer ``commission``;
    uploads go to a folder of this test."""
    h = add_hospital(site, "H", "厦门第一医院", 31)
    g = add_hospital(site, "G", "厦门第二医院", 32)
    _person(site, "staff", [("applicant", "")], h)
    _person(site, "staff-g", [("applicant", "")], g)
    _person(site, "commission", [("reviewer", "市卫健委")])
    site.app.state.settings = get_settings().model_copy(update={"data_dir": tmp_path})
    return site, h, g, tmp_path


def records(site) -> int:
    engine = make_engine(site.url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(DutyRecord)).scalar_one()
    engine.dispose()
    return n


def api(site, who):
    client = site.client(who)
    return client, {"X-CSRF-Token": site.csrf(client)}


def test_staff_record_a_meeting_with_its_minutes_on_the_page_and_see_it_counted(hospitals):
    site, h, _, data_dir = hospitals
    client = site.client("staff")
    page = client.get("/duties")
    assert page.status_code == 200 and "厦门第一医院：会议义务" in page.text
    form = {"csrf_token": site.csrf(client), "idempotency_key": "k1", "kind": "pharmacy_committee",
            "held_on": TODAY.isoformat(), "notes": "药事会"}  # fmt: skip
    sent = client.post("/duties/records", data=form, files={"file": ("纪要.pdf", PDF, "application/pdf")},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"].endswith("saved=record")
    again = client.post("/duties/records", data=form, files={"file": ("纪要.pdf", PDF, "application/pdf")},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 303 and records(site) == 1  # the same form sent twice writes once
    shown = client.get("/duties").text
    assert "纪要.pdf" in shown and "已登记。" not in shown
    assert [p.name.endswith(".pdf") for p in (data_dir / "records").iterdir()] == [True]
    got = client.get("/api/v1/duties").json()
    record_id = got["records"][0]["id"]
    download = client.get(f"/duties/records/{record_id}/file")
    assert download.status_code == 200 and download.content == PDF
    assert site.client("staff-g").get(f"/duties/records/{record_id}/file").status_code == 403
    assert site.client("commission").get(f"/duties/records/{record_id}/file").status_code == 200


def test_a_word_file_and_a_meeting_tomorrow_are_refused_with_the_reason_and_nothing_is_written(hospitals):
    site, *_ = hospitals
    client = site.client("staff")
    form = {"csrf_token": site.csrf(client), "idempotency_key": "k2", "kind": "ethics_committee",
            "held_on": TODAY.isoformat()}  # fmt: skip
    bad = client.post(
        "/duties/records", data=form, files={"file": ("纪要.docx", b"PK\x03\x04", "application/msword")}
    )
    assert bad.status_code == 422 and "不是 PDF、PNG 或 JPEG 文件" in bad.text
    client2, headers = api(site, "staff")
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    late = client2.post("/api/v1/duties/records", data={"kind": "ethics_committee", "held_on": tomorrow},
                        headers={**headers, "Idempotency-Key": "k3"})  # fmt: skip
    assert late.status_code == 422
    assert late.json()["errors"][0]["loc"] == ["body", "held_on"] and "晚于今天" in late.json()["detail"]
    assert records(site) == 0


def test_the_json_twin_records_once_per_key_and_refuses_a_duplicate_day(hospitals):
    site, *_ = hospitals
    client, headers = api(site, "staff")
    body = {"kind": "reception_day", "held_on": TODAY.isoformat()}
    first = client.post("/api/v1/duties/records", data=body, headers={**headers, "Idempotency-Key": "a"})
    assert first.status_code == 201 and first.json()["replayed"] is False
    replay = client.post("/api/v1/duties/records", data=body, headers={**headers, "Idempotency-Key": "a"})
    assert replay.json()["replayed"] is True and replay.json()["id"] == first.json()["id"]
    dup = client.post("/api/v1/duties/records", data=body, headers={**headers, "Idempotency-Key": "b"})
    assert dup.status_code == 422 and "同一类型同一天只能登记一次" in dup.json()["detail"]
    assert records(site) == 1


def test_the_commission_sees_every_hospital_and_a_hospital_only_its_own(hospitals):
    site, h, g, _ = hospitals
    overview = site.client("commission").get("/duties/overview")
    assert overview.status_code == 200 and "厦门第一医院" in overview.text and "厦门第二医院" in overview.text
    twin = site.client("commission").get("/api/v1/duties/overview").json()
    statuses = [p["status"] for p in twin["periods"]]
    assert statuses == sorted(statuses, key=["missed", "due", "unknown", "met"].index)
    assert site.client("staff").get("/duties/overview").status_code == 403
    assert site.client("staff").get(f"/api/v1/duties?organisation_id={g}").status_code == 403
    assert site.client("commission").get(f"/duties?organisation_id={g}").status_code == 200
    assert site.client("applicant-a").get("/duties").status_code == 403  # an enterprise


def test_an_administrator_publishes_a_catalogue_version_that_opens_the_one_month_duty(hospitals):
    site, *_ = hospitals
    client, headers = api(site, "administrator")
    v = client.post("/api/v1/catalogues/xm-new-products/versions", json={"label": "第一批"},
                    headers={**headers, "Idempotency-Key": "v1"}).json()  # fmt: skip
    unknown = client.post(f"/api/v1/catalogue-versions/{v['id']}/entries", json={"entries": [{"product_id": 9999}]},
                          headers={**headers, "Idempotency-Key": "e0"})  # fmt: skip
    assert unknown.status_code == 422 and "没有编号为 9999 的产品" in unknown.json()["detail"]
    engine = make_engine(site.url)
    with engine.connect() as conn:
        entries = [{"product_id": conn.execute(select(Product.id).order_by(Product.id)).scalars().first()}]
    engine.dispose()
    added = client.post(f"/api/v1/catalogue-versions/{v['id']}/entries", json={"entries": entries},
                        headers={**headers, "Idempotency-Key": "e1"})  # fmt: skip
    assert added.status_code == 200
    on = TODAY.isoformat()
    published = client.post(f"/api/v1/catalogue-versions/{v['id']}/publish", json={"published_on": on},
                            headers={**headers, "Idempotency-Key": "p1"}).json()  # fmt: skip
    assert published["opened"][0]["hospitals"] == 2 and published["entered"][0]["name"]
    duty = [
        p
        for p in site.client("staff").get("/api/v1/duties").json()["periods"]
        if p["obligation"].endswith("catalogue-meeting")
    ]
    assert duty and duty[0]["status"] == "due"
    page = site.client("staff").get("/catalogues/xm-new-products")
    assert page.status_code == 200 and f"{on} 公布" in page.text
    assert site.client("staff").get("/catalogues/no-such").status_code == 404


def test_ethics_recognition_is_listed_with_the_working_days_it_took(hospitals):
    site, h, g, _ = hospitals
    client, headers = api(site, "staff")
    approval = client.post("/api/v1/ethics", json={"project": "某单抗Ⅲ期临床试验", "approved_on": "2025-09-26"},
                           headers={**headers, "Idempotency-Key": "a1"})  # fmt: skip
    assert approval.status_code == 201
    other, h2 = api(site, "staff-g")
    early = other.post(f"/api/v1/ethics/{approval.json()['id']}/recognitions", json={"recognised_on": "2025-09-25"},
                       headers={**h2, "Idempotency-Key": "r0"})  # fmt: skip
    assert early.status_code == 422 and "早于牵头单位的批准日期" in early.json()["detail"]
    done = other.post(f"/api/v1/ethics/{approval.json()['id']}/recognitions", json={"recognised_on": "2025-10-13"},
                      headers={**h2, "Idempotency-Key": "r1"})  # fmt: skip
    # after 2025-09-26 up to 2025-10-13: 28–30 September (the 28th a make-up Sunday), 9, 10, 11 (a
    # make-up Saturday) and 13 October; 1–8 October are the National Day holiday
    assert done.json()["recognitions"][0]["working_days"] == 7
    page = site.client("commission").get("/ethics")
    assert page.status_code == 200 and "厦门第二医院（2025-10-13）" in page.text
    assert site.client("applicant-a").get("/ethics").status_code == 403


def test_minutes_up_to_the_upload_setting_are_accepted_and_one_byte_more_refused_naming_the_file(hospitals):
    """The minutes route lets a file as large as an evidence file through the door (not the 1 MB body
    limit): exactly the limit is recorded, one byte more is refused by the service, naming the field
    and the limit in MB, nothing written."""
    site, *_ = hospitals
    limit = get_settings().evidence_max_bytes
    assert limit > get_settings().max_body_bytes  # the point: larger than any other body
    client, headers = api(site, "staff")
    exact = PDF + b"0" * (limit - len(PDF))
    body = {"kind": "reception_day", "held_on": TODAY.isoformat()}
    ok = client.post("/api/v1/duties/records", data=body, files={"file": ("签到表.pdf", exact, "application/pdf")},
                     headers={**headers, "Idempotency-Key": "big-1"})  # fmt: skip
    assert ok.status_code == 201, ok.text[:300]
    assert ok.json()["file_size"] == limit
    over = client.post(
        "/api/v1/duties/records",
        data={"kind": "ethics_committee", "held_on": TODAY.isoformat()},
        files={"file": ("纪要.pdf", exact + b"0", "application/pdf")},
        headers={**headers, "Idempotency-Key": "big-2"},
    )
    assert over.status_code == 422
    mb = limit // (1024 * 1024)
    assert over.json()["errors"] == [
        {"loc": ["body", "file"], "msg": f"文件“纪要.pdf”大于 {mb} MB，请压缩后再上传", "type": "value_error"}
    ]
    assert records(site) == 1
    page = site.client("staff")
    form = {"csrf_token": site.csrf(page), "idempotency_key": "big-3", "kind": "ethics_committee",
            "held_on": TODAY.isoformat()}  # fmt: skip
    refused = page.post(
        "/duties/records", data=form, files={"file": ("纪要.pdf", exact + b"0", "application/pdf")}
    )
    assert refused.status_code == 422 and f"大于 {mb} MB" in refused.text and "file" in refused.text
    assert records(site) == 1
    assert f"{mb} MB" in page.get("/duties").text  # the form says the same limit


def test_the_minutes_allowance_follows_the_setting_at_the_door_too(site, real_library, tmp_path):
    """A smaller upload setting: the service refuses a file one byte over it (422, naming the file); a
    body past the setting and the form's allowance is stopped at the door (413) before it is read."""
    from fastapi.testclient import TestClient

    from biopolicy.services.calculator import get_calculator
    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app
    from biopolicy.web.security import MULTIPART_OVERHEAD
    from biopolicy.web.session import SESSION_COOKIE

    h = add_hospital(site, "H", "厦门第一医院", 31)
    _person(site, "staff", [("applicant", "")], h)
    limit = 5000
    settings = Settings(data_dir=tmp_path, evidence_max_bytes=limit, secret_key=get_settings().secret_key)
    app = create_app(real_library, get_calculator(), settings=settings, database_url=site.url)
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, site.session_cookie("staff"))
        headers = {"X-CSRF-Token": client.get("/api/v1/account").json()["csrf_token"]}

        def send(size: int, key: str, held_on: dt.date):
            content = PDF + b"0" * (size - len(PDF))
            return client.post("/api/v1/duties/records", data={"kind": "reception_day", "held_on": held_on.isoformat()},
                               files={"file": ("签到表.pdf", content, "application/pdf")},
                               headers={**headers, "Idempotency-Key": key})  # fmt: skip

        assert send(limit, "s-1", TODAY).status_code == 201
        over = send(limit + 1, "s-2", TODAY - dt.timedelta(days=1))
        assert over.status_code == 422 and over.json()["errors"][0]["loc"] == ["body", "file"]
        assert (
            "大于 0 MB" not in over.text and "0.0" in over.json()["detail"] and "MB" in over.json()["detail"]
        )
        door = send(limit + MULTIPART_OVERHEAD + 1, "s-3", TODAY - dt.timedelta(days=2))
        assert door.status_code == 413 and "请求体过大" in door.json()["detail"]
    assert records(site) == 1
