"""Finding things over the real policies: search and the measure list filtered by level, city,
status on a day, applicant kind and achievement; search by page with totals; documents in force
first, 文号 said plainly when the text has none, no source file names on pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from biopolicy.services.calculator import get_calculator
from biopolicy.web.app import create_app


@pytest.fixture(scope="module")
def client(real_library):
    with TestClient(create_app(real_library, get_calculator()), raise_server_exceptions=False) as c:
        yield c


def search(client, **params):
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_search_pages_cover_every_hit_once_with_totals(client):
    first = search(client, q="临床试验", limit=5)
    assert first["total"] > 5 and first["pages"] == -(-first["total"] // 5)
    seen = []
    for page in range(1, first["pages"] + 1):
        seen += [h["clause_id"] for h in search(client, q="临床试验", limit=5, page=page)["hits"]]
    assert len(seen) == first["total"] == len(set(seen))
    assert search(client, q="临床试验", limit=5, page=first["pages"] + 1)["hits"] == []


def test_search_by_level_and_city(client):
    xiamen = search(client, q="临床试验", limit=100, level="city", city="厦门市")
    province = search(client, q="临床试验", limit=100, level="province")
    assert xiamen["hits"] and province["hits"]
    assert {h["doc_id"] for h in xiamen["hits"]} <= {"xm-2023", "xm-2025-1"}
    assert {h["doc_id"] for h in province["hits"]} <= {"fj-2023-7", "fj-yj-2025-30"}
    assert (
        search(client, q="临床试验", limit=100, city="福州市")["total"]
        < search(client, q="临床试验")["total"]
    )


def test_search_by_status_on_a_day(client, real_library):
    day = date(2024, 6, 30)
    not_yet = {d.id for d in real_library.documents() if d.in_force_from and d.in_force_from > day}
    assert "xm-2025-1" in not_yet  # in force from 2025
    before = search(client, q="新优药械", status="not_yet", as_of=day.isoformat(), limit=100)
    assert before["hits"] and {h["doc_id"] for h in before["hits"]} <= not_yet
    in_force = search(client, q="新优药械", status="in_force", as_of=day.isoformat(), limit=100)
    assert not {h["doc_id"] for h in in_force["hits"]} & not_yet


def test_search_by_applicant_kind_and_achievement(client):
    hospital = search(client, q="奖励", kind="medical_institution", limit=100)
    anyone = search(client, q="奖励", limit=100)
    assert 0 < hospital["total"] < anyone["total"]
    listing = search(client, q="上市", event="listed_on_exchange", limit=100)
    assert listing["hits"] and all(
        h["doc_id"] == "xm-2023" or h["doc_id"].startswith("fj") for h in listing["hits"]
    )


@pytest.mark.parametrize(
    ("param", "value"),
    [("level", "county"), ("city", "上海市"), ("status", "valid"), ("kind", "bank"), ("event", "x")],
)
def test_an_unknown_filter_is_a_422_naming_it(client, param, value):
    r = client.get("/api/v1/search", params={"q": "奖励", param: value})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", param]
    page = client.get("/search", params={"q": "奖励", param: value})
    assert page.status_code == 422 and "field-error" in page.text


def test_measure_list_filters_by_kind_event_level_and_status(client):
    def ids(**params):
        return {
            m["description"]["id"]
            for m in client.get("/api/v1/explanations", params=params).json()["measures"]
        }

    everything = ids()
    hospital = ids(kind="medical_institution")
    assert hospital and hospital < everything
    for m in get_calculator().measures():
        assert (m.id in hospital) == ("medical_institution" in m.applicant.kinds)
    assert ids(event="listed_on_exchange") == {
        m.id for m in get_calculator().measures() if m.event == "listed_on_exchange"
    }
    assert all(i.startswith("fj") for i in ids(level="province"))
    assert all(i.startswith("xm") for i in ids(city="厦门市"))
    rules = get_calculator().rules
    day = date(2024, 6, 30)
    starts_later = {
        m.id for m in get_calculator().measures() if (w := rules.window(m)).from_ and w.from_ > day
    }
    assert starts_later and ids(status="not_yet", as_of=day.isoformat()) == starts_later


def test_measures_page_shows_only_what_the_filters_keep(client):
    html = client.get("/measures", params={"kind": "medical_institution"}).text
    shown = set(re.findall(r'<p class="measure-title"><a href="/measures/([^"]+)"', html))
    assert shown == {m.id for m in get_calculator().measures() if "medical_institution" in m.applicant.kinds}
    assert "符合条件的措施" in html


def test_search_page_pages_and_keeps_its_filters_in_the_links(client):
    html = client.get("/search", params={"q": "奖励", "limit": 5, "kind": "enterprise"}).text
    assert re.search(r"共 \d+ 条结果，第 1 / \d+ 页", html)
    assert 'rel="next" href="/search?q=%E5%A5%96%E5%8A%B1&amp;limit=5&amp;kind=enterprise&amp;page=2"' in html


def test_documents_in_force_come_first(client):
    html = client.get("/documents").text
    order = re.findall(r'data-doc="([^"]+)"', html)
    statuses = re.findall(r'class="status status-(\w+)"', html)
    rank = {"in_force": 0, "not_yet": 1, "expired": 2, "no_window": 3}
    assert len(order) == 5
    assert [rank[s] for s in statuses] == sorted(rank[s] for s in statuses)


def test_a_document_without_a_number_says_so_and_no_page_names_a_source_file(client, real_library):
    for doc in real_library.documents():
        html = client.get(f"/documents/{doc.id}").text
        assert doc.source_file not in html
        if doc.number is None:
            assert "<dd>原文未载明</dd>" in html
        assert ">无<" not in html
    assert doc.source_file not in client.get("/documents").text


def test_titles_keep_their_book_marks(client):
    assert (
        "关于进一步落实《福建省加快生物医药产业高质量发展的实施方案》的若干措施"
        in client.get("/documents").text
    )


def test_hospital_is_not_offered_listing_in_the_filters(client):
    html = client.get("/measures", params={"kind": "medical_institution"}).text
    assert 'value="listed_on_exchange"' not in html
    assert 'value="listed_on_exchange"' in client.get("/measures").text
    assert date.today()  # the page's status day defaults to today
