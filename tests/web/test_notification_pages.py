"""Notifications and subscriptions in the browser's shell and as JSON: one's own only, errors naming
the field, the unread count in the header."""

from __future__ import annotations

from tests.web.conftest import hidden

from biopolicy.services import notifications as notes
from biopolicy.services.database import unit_of_work


def tell(site, who: str, title: str, link: str = "/measures/xm-2023/m1-clinical") -> None:
    with unit_of_work("test", url=site.url) as uow:
        notes.notify(
            uow, users=[site.principals[who].user_id], kind="test", title=title, body="正文。", link=link
        )
        uow.commit()


def test_the_header_counts_unread_and_the_page_lists_them_unread_first(site):
    a = site.client("applicant-a")
    assert 'id="unread-count"' not in a.get("/documents").text
    tell(site, "applicant-a", "第一条")
    tell(site, "applicant-a", "第二条")
    tell(site, "applicant-b", "乙的")
    page = a.get("/documents").text
    assert 'id="unread-count">2<' in page
    html = a.get("/notifications").text
    assert html.index("第二条") < html.index("第一条") and "乙的" not in html
    data = a.get("/api/v1/notifications").json()
    assert data["unread"] == 2 and [i["title"] for i in data["items"]] == ["第二条", "第一条"]
    first = data["items"][1]["id"]
    # opening one marks it read and goes to what it is about
    got = a.post(
        f"/notifications/{first}/read", data={"csrf_token": site.csrf(a), "go": "1"}, follow_redirects=False
    )
    assert got.status_code == 303 and got.headers["location"] == "/measures/xm-2023/m1-clinical"
    assert 'id="unread-count">1<' in a.get("/notifications").text
    # another's notification: not found, nothing changes
    b = site.client("applicant-b")
    refused = b.post(f"/api/v1/notifications/{first}/read", headers={"X-CSRF-Token": site.csrf(b)})
    assert refused.status_code == 404 and "没有找到通知" in refused.json()["detail"]
    got = a.post("/api/v1/notifications/read-all", headers={"X-CSRF-Token": site.csrf(a)})
    assert got.json() == {"marked": 1}
    assert 'id="unread-count"' not in a.get("/notifications").text


def test_subscribe_from_the_document_page_and_manage_on_the_subscriptions_page(site):
    anonymous = site.client()
    assert "登录后可订阅此文件" in anonymous.get("/documents/xm-2023").text
    a = site.client("applicant-a")
    page = a.get("/documents/xm-2023").text
    assert 'data-action="subscribe"' in page
    got = a.post(
        "/subscriptions",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "kind": "document",
            "target": "xm-2023",
            "next": "/documents/xm-2023",
        },
        follow_redirects=False,
    )
    assert got.status_code == 303 and got.headers["location"] == "/documents/xm-2023?done=subscribed"
    page = a.get("/documents/xm-2023").text
    assert "已订阅此文件" in page and 'data-action="unsubscribe"' in page
    listing = a.get("/subscriptions").text
    assert "政策文件" in listing and 'href="/documents/xm-2023"' in listing
    [sub] = a.get("/api/v1/subscriptions").json()
    # another user cannot remove it
    b = site.client("applicant-b")
    assert (
        b.delete(f"/api/v1/subscriptions/{sub['id']}", headers={"X-CSRF-Token": site.csrf(b)}).status_code
        == 404
    )
    got = a.post(
        f"/subscriptions/{sub['id']}/delete",
        data={"csrf_token": site.csrf(a), "next": "/subscriptions"},
        follow_redirects=False,
    )
    assert got.headers["location"] == "/subscriptions?done=removed"
    assert a.get("/api/v1/subscriptions").json() == []


def test_the_api_names_the_field_of_a_bad_subscription(site):
    a = site.client("applicant-a")
    token = {"X-CSRF-Token": site.csrf(a)}
    bad = a.post("/api/v1/subscriptions", json={"kind": "rumour", "target": "x"}, headers=token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "kind"]
    bad = a.post("/api/v1/subscriptions", json={"kind": "measure", "target": "xm-2023/none"}, headers=token)
    assert bad.status_code == 422 and "政策库中没有这个措施" in bad.json()["detail"]
    assert a.get("/api/v1/subscriptions").json() == []
    ok = a.post(
        "/api/v1/subscriptions", json={"kind": "achievement", "target": "talent_recruited"}, headers=token
    )
    assert ok.status_code == 200 and ok.json()["label"] == "引进人才经审核确认"
    again = a.post(
        "/api/v1/subscriptions", json={"kind": "achievement", "target": "talent_recruited"}, headers=token
    )
    assert again.json()["id"] == ok.json()["id"]
    page = a.get("/measures/xm-2023/m20-talent").text
    assert "已订阅此成果" in page and "订阅此措施" in page
