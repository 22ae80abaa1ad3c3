"""/audit and GET /api/v1/audit: the auditor's reading of the trail, its filters, the chain check,
and bad filters answered in Chinese naming the field (never a 500)."""

from __future__ import annotations


def test_the_auditor_reads_the_trail_and_checks_the_chain(site):
    page = site.client("auditor").get("/audit")
    assert page.status_code == 200
    assert "审计记录" in page.text and 'id="audit-list"' in page.text
    assert "新增机构" in page.text  # the organisations the fixture created, in words
    checked = site.client("auditor").get("/audit?verify=1")
    assert 'id="chain-ok"' in checked.text and "哈希链完好" in checked.text


def test_filter_by_organisation_on_the_page_and_in_json(site):
    a = site.organisations["A"]
    body = site.client("auditor").get(f"/api/v1/audit?organisation_id={a}").json()
    assert body["total"] >= 1 and {r["organisation_id"] for r in body["items"]} == {a}
    page = site.client("administrator").get(f"/audit?organisation_id={a}")
    assert page.status_code == 200 and "乙公司" not in page.text.split('id="audit-list"')[1]


def test_bad_filters_are_named_in_chinese(site):
    api = site.client("auditor").get("/api/v1/audit?user=nobody-here")
    assert api.status_code == 422
    assert api.json()["errors"][0]["loc"] == ["query", "user"]
    assert "没有登录名为“nobody-here”的用户" in api.json()["detail"]
    bad_date = site.client("auditor").get("/api/v1/audit?since=2026-13-01")
    assert bad_date.status_code == 422 and "since" in str(bad_date.json()["errors"][0]["loc"])
    page = site.client("auditor").get("/audit?since=2026-13-01&until=2026-01-01")
    assert page.status_code == 422
    assert "起始日期：应为 YYYY-MM-DD 格式的日期" in page.text
    reversed_ = site.client("auditor").get("/audit?since=2026-02-01&until=2026-01-01")
    assert (
        reversed_.status_code == 422
        and "截止日期：截止日期 2026-01-01 早于起始日期 2026-02-01" in reversed_.text
    )


def test_nobody_else_reads_it(site):
    assert site.client("applicant-a").get("/api/v1/audit").status_code == 403
    assert site.client("reviewer").get("/audit").status_code == 403
    assert "审计记录" not in site.client("applicant-a").get("/cases").text.split("<main")[0]
    assert 'href="/audit"' in site.client("auditor").get("/cases").text
