"""工作台: every GET page a persona may open is on its workbench (or deliberately left out, with the
reason), no page on it refuses its reader, and the header stays short."""

from __future__ import annotations

import re

import pytest

from biopolicy.web.access import POLICY
from biopolicy.web.pages.workbench import NOT_ON_WORKBENCH, PAGES, page_paths

PERSONAS = ["applicant-a", "applicant-b", "reviewer", "finance", "auditor", "administrator"]


def on_workbench(html: str) -> set[str]:
    body = html.split('id="workbench"', 1)[1]
    return set(re.findall(r'data-path="([^"]+)"', body))


def test_every_page_of_the_access_policy_is_described_or_left_out_with_a_reason():
    undescribed = [p for p in page_paths() if p not in PAGES]
    assert undescribed == [], (
        f"新页面没有写进工作台（PAGES）也没有说明为何不列（NOT_ON_WORKBENCH）：{undescribed}"
    )
    assert [p for p in PAGES if p not in POLICY] == []  # no words for a page that is gone
    assert [p for p in NOT_ON_WORKBENCH if p not in POLICY] == []
    assert all(reason for reason in NOT_ON_WORKBENCH.values())
    for page in PAGES.values():  # plain Chinese, one line
        assert re.search(r"[\u4e00-\u9fff]", page.title + page.purpose) and "\n" not in page.purpose


@pytest.mark.parametrize("who", PERSONAS)
def test_the_workbench_lists_exactly_the_pages_the_persona_may_open(site, who):
    client = site.client(who)
    listed = on_workbench(client.get("/workbench").text)
    opens = set()
    for path in page_paths():
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (200, 303, 403), (path, r.status_code)
        sent_on = r.status_code == 303 and not r.headers["location"].startswith("/login")  # 新建测算
        if r.status_code == 200 or sent_on:
            opens.add(path)
    assert listed == opens, {"listed but refused": listed - opens, "opens but missing": opens - listed}


def test_who_sees_what_on_the_workbench(site):
    applicant = on_workbench(site.client("applicant-a").get("/workbench").text)
    reviewer = on_workbench(site.client("reviewer").get("/workbench").text)
    finance = on_workbench(site.client("finance").get("/workbench").text)
    assert {"/applications/mine", "/cases", "/requests", "/notifications"} <= applicant
    assert "/applications/worklist" not in applicant and "/budgets" not in applicant
    assert "/duties" not in applicant  # an enterprise, not a hospital: the page would refuse it
    assert {"/applications/worklist", "/targets", "/evaluation", "/simulate"} <= reviewer
    assert "/watchlist" not in reviewer  # 市科技局 is not the regulator
    assert {"/applications/payments", "/budgets", "/evaluation"} <= finance and "/audit" not in finance


def test_logged_out_the_workbench_sends_to_log_in(site):
    r = site.client().get("/workbench", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("who", PERSONAS)
def test_the_header_is_short(site, who):
    html = site.client(who).get("/notifications").text
    nav = html.split('<nav class="account">', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert links[0] == "/workbench" and "/notifications" in links and "/account/password" in links
    assert len(links) <= 5 and "退出" in nav  # 工作台, at most 2 of the role's, 通知, the name
