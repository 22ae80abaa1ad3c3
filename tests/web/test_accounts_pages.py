"""Log-in, log-out, sessions, CSRF, password change and saved cases in the browser (TestClient, SQLite)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select, update
from tests.services.test_cases import CASE
from tests.web.conftest import PASSWORD, hidden

from biopolicy.settings import Settings
from biopolicy.storage.db import Database
from biopolicy.storage.models import LoginSession, SavedCase, SavedCaseVersion, User
from biopolicy.web.forms.calculator import encode_case


def form_login(client, login="applicant-a", password=PASSWORD, next_=""):
    token = hidden(client.get("/login").text, "csrf_token")
    return client.post(
        "/login",
        data={"csrf_token": token, "login": login, "password": password, "next": next_},
        follow_redirects=False,
    )


def db(site):
    return Database(site.url)


def count(site, model) -> int:
    d = db(site)
    try:
        with d.sessions() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        d.dispose()


def test_log_in_sets_a_signed_httponly_lax_cookie_and_follows_next(site):
    client = site.client()
    page = client.get("/login")
    assert page.status_code == 200 and "登录名" in page.text and "bp_csrf" in page.headers["set-cookie"]
    response = form_login(client, next_="/cases")
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    cookie = response.headers["set-cookie"]
    assert "bp_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # base_url is http: a Secure cookie would never come back
    assert "我的测算" in client.get("/cases").text and "APPLICANT-A" in client.get("/").text


def test_the_cookie_is_secure_when_the_site_is_https(site):
    from fastapi.testclient import TestClient

    site.app.state.settings = Settings(base_url="https://policy.example.gov.cn")
    try:
        response = form_login(TestClient(site.app, base_url="https://testserver"))
        assert "Secure" in response.headers["set-cookie"]
    finally:
        site.app.state.settings = None


def test_next_only_goes_to_this_site(site):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = form_login(site.client(), next_=target)
        assert response.headers["location"] == "/cases"


def test_a_log_in_without_its_csrf_token_is_refused_and_nothing_written(site):
    client = site.client()
    client.get("/login")
    response = client.post(
        "/login", data={"login": "applicant-a", "password": "wrong"}, follow_redirects=False
    )
    assert response.status_code == 403 and "防伪令牌" in response.text and "未做任何更改" in response.text
    d = db(site)
    with d.sessions() as s:
        assert s.scalar(select(User.failed_attempts).where(User.login == "applicant-a")) == 0
    d.dispose()


def test_wrong_password_then_lock_out_says_until_when(site):
    client = site.client()
    wrong = form_login(client, password="not-the-password")
    assert wrong.status_code == 400 and "登录名或密码不正确" in wrong.text and "再错 4 次" in wrong.text
    for _ in range(4):
        last = form_login(client, password="not-the-password")
    assert "账号已锁定 15 分钟" in last.text and "北京时间" in last.text
    assert "已锁定" in form_login(client).text  # the right password too, until the lock ends


def test_an_expired_session_sends_to_log_in_with_a_notice(site):
    client = site.client("applicant-a")
    assert client.get("/cases").status_code == 200
    d = db(site)
    with d.sessions() as s, s.begin():
        s.execute(update(LoginSession).values(last_seen_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    d.dispose()
    response = client.get("/cases?x=1", follow_redirects=False)
    assert response.status_code == 303
    target = urlparse(response.headers["location"])
    assert target.path == "/login" and parse_qs(target.query) == {"next": ["/cases?x=1"], "expired": ["1"]}
    assert 'bp_session=""' in response.headers["set-cookie"]  # the stale cookie is cleared
    assert "登录已过期，请重新登录" in client.get(response.headers["location"]).text
    api = site.client()
    api.cookies.set("bp_session", client.cookies.get("bp_session") or "")
    assert api.get("/api/v1/cases").status_code == 401


def test_a_tampered_cookie_is_an_expired_session(site):
    client = site.client()
    client.cookies.set("bp_session", "forged.value.here")
    response = client.get("/cases", follow_redirects=False)
    assert "expired=1" in response.headers["location"]


def test_log_out_ends_the_session_everywhere(site):
    client = site.client("applicant-a")
    cookie = client.cookies.get("bp_session")
    token = site.csrf(client)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403  # no token
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login?out=1"
    assert "已退出登录" in client.get("/login?out=1").text
    again = site.client()
    again.cookies.set("bp_session", cookie)  # the old cookie, replayed
    assert again.get("/api/v1/cases").status_code == 401


def test_password_change_refuses_weak_passwords_in_chinese(site):
    client = site.client("applicant-a")
    token = hidden(client.get("/account/password").text, "csrf_token")
    data = {"csrf_token": token, "current": PASSWORD, "new": "123456789012", "confirm": "123456789012"}
    weak = client.post("/account/password", data=data)
    assert weak.status_code == 422 and "新密码：不能全是数字" in weak.text
    short = client.post("/account/password", data={**data, "new": "abc", "confirm": "abc"})
    assert "至少需要 10 个字符" in short.text
    mismatch = client.post(
        "/account/password", data={**data, "new": "good-pass-123", "confirm": "other-pass-12"}
    )
    assert "确认新密码：与新密码不一致" in mismatch.text
    no_token = client.post(
        "/account/password",
        data={**data, "csrf_token": "", "new": "good-pass-123", "confirm": "good-pass-123"},
    )
    assert no_token.status_code == 403
    done = client.post("/account/password", data={**data, "new": "good-pass-123", "confirm": "good-pass-123"})
    assert done.status_code == 200 and "密码已修改" in done.text
    assert form_login(site.client(), password="good-pass-123").status_code == 303


def test_a_reset_password_must_be_changed_first(site):
    from biopolicy.services import accounts
    from biopolicy.services.database import unit_of_work

    with unit_of_work("test", url=site.url) as uow:
        one_time = accounts.reset_password(uow, "applicant-a")
    client = site.client()
    response = form_login(client, password=one_time)
    assert response.headers["location"] == "/account/password?due=1"
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/account/password?due=1"
    assert "请先设置新密码" in client.get("/account/password?due=1").text
    assert client.get("/api/v1/cases").status_code == 403


def test_save_from_the_calculator_result_then_history_reassess_and_compare(site):
    client = site.client("applicant-a")
    result = client.get("/calculator/result", params={"c": encode_case(CASE)})
    assert "保存测算" in result.text
    token, c = hidden(result.text, "csrf_token"), hidden(result.text, "c")
    # without the CSRF token: refused, nothing saved
    refused = client.post("/cases", data={"c": c, "title": "试算"}, follow_redirects=False)
    assert refused.status_code == 403 and count(site, SavedCase) == 0
    saved = client.post(
        "/cases", data={"csrf_token": token, "c": c, "title": "海沧试算"}, follow_redirects=False
    )
    assert saved.status_code == 303
    address = saved.headers["location"].split("?")[0]
    case_id = address.rsplit("/", 1)[1]
    assert len(case_id) == 10 and "c=" not in saved.headers["location"]
    page = client.get(address)
    assert "海沧试算" in page.text and "第 1 版" in page.text and "按今日规则重新测算" in page.text
    assert case_id in client.get("/cases").text
    # re-assess: version 2, compared side by side with version 1
    base = hidden(page.text, "base")
    again = client.post(
        f"{address}/reassess", data={"csrf_token": token, "base": base}, follow_redirects=False
    )
    assert again.status_code == 303
    page2 = client.get(again.headers["location"])
    assert (
        "已保存为第 2 版" in page2.text and "第 1 版与第 2 版对比" in page2.text and "均无变化" in page2.text
    )
    # a colleague's tab still based on version 1: refused, nothing written
    stale = client.post(f"{address}/reassess", data={"csrf_token": token, "base": base})
    assert stale.status_code == 409 and "您的修改未保存" in stale.text and "第 2 版" in stale.text
    assert count(site, SavedCaseVersion) == 2
    # organisation B's staff cannot open it; the auditor can, without the re-assess button
    assert site.client("applicant-b").get(address).status_code == 403
    audited = site.client("auditor").get(address)
    assert audited.status_code == 200 and "按今日规则重新测算" not in audited.text


def test_anonymous_calculator_result_invites_to_log_in_instead(site):
    page = site.client().get("/calculator/result", params={"c": encode_case(CASE)})
    assert page.status_code == 200 and "保存测算" not in page.text and "登录</a>后可把测算保存" in page.text


def test_a_new_case_from_the_organisation_profile(site):
    client = site.client("applicant-a")
    response = client.get("/cases/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/calculator?c=")
    form = client.get(response.headers["location"]).text
    assert "厦门某生物科技有限公司" in form and "某单抗" in form


def test_the_json_twins_need_the_csrf_header_and_report_conflicts(site):
    client = site.client("applicant-a")
    account = client.get("/api/v1/account").json()
    assert account["principal"]["login"] == "applicant-a" and account["csrf_token"]
    headers = {"X-CSRF-Token": account["csrf_token"]}
    assert client.post("/api/v1/cases", json={"case": CASE}).status_code == 403
    created = client.post("/api/v1/cases", json={"case": CASE, "title": "接口测算"}, headers=headers)
    assert created.status_code == 201
    case_id = created.json()["id"]
    assert created.json()["versions"][0]["n"] == 1
    v2 = client.post(f"/api/v1/cases/{case_id}/versions", json={"base_version": 1}, headers=headers)
    assert v2.status_code == 201 and v2.json()["latest"] == 2
    conflict = client.post(f"/api/v1/cases/{case_id}/versions", json={"base_version": 1}, headers=headers)
    assert conflict.status_code == 409 and "未保存" in conflict.json()["detail"]
    compared = client.get(f"/api/v1/cases/{case_id}/compare").json()
    assert compared["before"]["n"] == 1 and compared["after"]["n"] == 2
    listed = client.get("/api/v1/cases").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == case_id
    bad = dict(CASE, events=[dict(CASE["events"][0], rd_investment="-1")])
    refused = client.post("/api/v1/cases", json={"case": bad}, headers=headers)
    assert refused.status_code == 422 and "rd_investment" in refused.text
