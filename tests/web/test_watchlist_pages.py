"""The watch list's pages and API: who sees which product, the regulator's order, errors naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from biopolicy.services import accounts
from biopolicy.services import watchlist as wl
from biopolicy.services.database import unit_of_work

PASSWORD = "correct-horse-42"


def _person(site, login: str, roles) -> None:
    if login in site.principals:
        return
    with unit_of_work("test", url=site.url) as uow:
        accounts.create_user(uow, login, login, password=PASSWORD, roles=roles)
        site.principals[login] = accounts.authenticate(uow, login, PASSWORD)


def put_on_watch_list(
    site, org: str, name: str = "甲单抗", started: str = "2025-09-26", officer: str = "officer"
) -> tuple[int, int]:
    """A product of ``org`` on the list with a technical review started on ``started``, served by
    ``officer``; adds a 省药监局 reviewer ``regulator`` and service officers ``officer`` and ``officer-2``."""
    _person(site, "regulator", [("reviewer", "省药监局")])
    _person(site, "officer", [("service_officer", "")])
    _person(site, "officer-2", [("service_officer", "")])
    regulator = site.principals["regulator"]
    with unit_of_work("test", url=site.url) as uow:
        product_id = wl.watch_product(uow, regulator, site.organisations[org], name, "biologic", "1")
    with unit_of_work("test", url=site.url) as uow:
        wl.assign_officer(uow, regulator, product_id, officer)
    with unit_of_work("test", url=site.url) as uow:
        m = wl.add_milestone(
            uow, regulator, product_id,
            {"kind": "technical_review", "procedure": "drug_supplement_review_inspection", "started_on": started},
            dt.date.today(),
        )  # fmt: skip
    return product_id, m.id


@pytest.fixture
def watched(site):
    a, _ = put_on_watch_list(site, "A")
    started = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    b, _ = put_on_watch_list(site, "B", "乙单抗", started=started, officer="officer-2")
    return site, a, b


def test_the_service_officer_and_the_provincial_regulator_per_route(watched):
    site, a, b = watched
    expected = {
        # path: (regulator 省药监局, officer of A's product, officer of B's)
        "/watchlist": (200, 403, 403),
        "/api/v1/watchlist": (200, 403, 403),
        "/watchlist/mine": (403, 200, 200),
        "/api/v1/watchlist/mine": (403, 200, 200),
        "/products": (200, 200, 200),
        f"/products/{a}": (200, 200, 403),
        f"/api/v1/products/{a}": (200, 200, 403),
        f"/api/v1/products/{b}": (200, 403, 200),
    }
    got = {
        path: tuple(site.client(who).get(path).status_code for who in ("regulator", "officer", "officer-2"))
        for path in expected
    }
    assert got == expected
    assert [p["name"] for p in site.client("officer").get("/api/v1/products").json()["products"]] == [
        "甲单抗"
    ]
    assert [p["name"] for p in site.client("officer-2").get("/api/v1/products").json()["products"]] == [
        "乙单抗"
    ]


def test_enterprises_see_only_their_products(watched):
    site, a, b = watched
    names = [p["name"] for p in site.client("applicant-a").get("/api/v1/products").json()["products"]]
    assert names == ["甲单抗"]
    assert site.client("applicant-b").get(f"/api/v1/products/{a}").status_code == 403
    page = site.client("applicant-b").get("/products").text
    assert "乙单抗" in page and "甲单抗" not in page
    assert site.client("applicant-a").get("/api/v1/products/99999").status_code == 404


def test_the_regulators_list_is_overdue_first_and_the_page_says_so(watched):
    site, a, b = watched
    rows = site.client("regulator").get("/api/v1/watchlist").json()
    assert [r["product_name"] for r in rows] == ["甲单抗", "乙单抗"]
    assert rows[0]["clock"]["status"] == "overdue" and rows[1]["clock"]["status"] in ("on_time", "due_soon")
    page = site.client("regulator").get("/watchlist").text
    assert page.index("甲单抗") < page.index("乙单抗") and "已超期" in page
    assert "watchlist.js" in page and "<script>" not in page  # no inline script (CSP)


def test_a_milestone_before_its_predecessor_is_refused_by_the_api_naming_the_field(watched):
    site, a, b = watched
    client = site.client("applicant-a")
    token = site.csrf(client)
    url = f"/api/v1/products/{a}/milestones"
    ok = client.post(
        url, json={"kind": "phase_2_started", "started_on": "2025-03-01"}, headers={"X-CSRF-Token": token}
    )
    assert ok.status_code == 201, ok.text
    bad = client.post(
        url, json={"kind": "phase_2_completed", "completed_on": "2025-02-28"}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "completed_on"]
    assert "早于前一环节“Ⅱ期临床试验启动”" in bad.json()["detail"]
    other = site.client("applicant-b")
    refused = other.post(
        url,
        json={"kind": "preclinical_done", "completed_on": "2025-01-01"},
        headers={"X-CSRF-Token": site.csrf(other)},
    )
    assert refused.status_code == 403 and "不属于您的机构" in refused.json()["detail"]


def test_the_product_file_shows_due_dates_clause_and_timeline(watched):
    site, a, b = watched
    f = site.client("applicant-a").get(f"/api/v1/products/{a}").json()
    [m] = f["milestones"]
    assert m["clock"]["due"] == "2025-12-25" and m["clock"]["status"] == "overdue"
    assert f["timeline"][0]["end"] == "2025-12-25"
    page = site.client("applicant-a").get(f"/products/{a}").text
    assert "2025-12-25" in page and "watch-timeline-data" in page and m["clock"]["citation"] in page
