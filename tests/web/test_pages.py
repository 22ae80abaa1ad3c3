"""Every HTML page through the app over the real policies: 200 in Chinese, 404 pages in Chinese
for unknown ids, malformed parameters answered on the page (never a 500), and no page loading
a script or a stylesheet from another host."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from tests.conftest import repository_documents

from biopolicy.services.status import Status, in_force, status_on
from biopolicy.web.app import create_app

PAGES = [
    "/",
    "/documents",
    "/documents/xm-2023",
    "/documents/fz-plan",
    "/clauses/xm-2023/m16",
    "/clauses/xm-2023/m1/p2",
    "/clauses/xm-2023/m16?raw=1",
    "/search",
    "/search?q=伦理",
    "/measures",
    "/measures?doc=xm-2025-1",
    "/measures/xm-2025-1/m15-new-products",
    "/measures/xm-2023/m1-clinical",
    "/overview",
    "/overview?as_of=2024-01-01",
]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("url", PAGES)
def test_page_is_chinese_html(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text
    assert "生物医药产业政策平台" in r.text  # the nav of base.html


@pytest.mark.parametrize("url", PAGES)
def test_no_page_loads_scripts_or_styles_from_another_host(client, url):
    html = client.get(url).text
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert tags
    for tag in tags:
        # url_for gives absolute addresses on the app's own host (testserver here); nothing else
        for address in re.findall(r"""(?:src|href)\s*=\s*["']?((?:https?:)?//[^/"'\s>]*)""", tag):
            assert address.split("//", 1)[1] == "testserver", tag


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/documents/no-such-doc", "未找到文件：no-such-doc"),
        ("/clauses/xm-2023/m999", "未找到条款：xm-2023/m999"),
        ("/measures/xm-2023/no-such-measure", "未找到措施：xm-2023/no-such-measure"),
        ("/measures?doc=no-such-doc", "未找到文件：no-such-doc"),
    ],
)
def test_unknown_ids_are_404_pages_in_chinese(client, url, message):
    r = client.get(url)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert message in r.text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/search?q=", "不能为空"),
        ("/search?q=%20%20", "不能为空"),
        ("/search?q=" + "药" * 500, "200"),
        ("/search?q=伦理&limit=abc", "每页条数须为 1 到 100 之间的整数"),
        ("/search?q=伦理&limit=0", "每页条数须在 1 到 100 之间"),
        ("/search?q=伦理&limit=1000", "每页条数须在 1 到 100 之间"),
        ("/search?q=伦理&doc=no-such-doc", "没有这份文件：no-such-doc"),
        ("/overview?as_of=2024-13-45", "查询日须为日期，格式 YYYY-MM-DD"),
        ("/overview?as_of=yesterday", "查询日须为日期，格式 YYYY-MM-DD"),
    ],
)
def test_malformed_parameters_are_explained_on_the_page(client, url, message):
    r = client.get(url)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert 'class="field-error"' in r.text
    assert message in r.text


def test_search_hits_are_highlighted_and_the_query_is_escaped(client):
    html = client.get("/search", params={"q": "伦理"}).text
    assert "/clauses/xm-2025-1/m6" in html
    assert "<mark>伦理</mark>" in html
    hostile = client.get("/search", params={"q": "<script>alert(1)</script>伦理"}).text
    assert "<script>alert(1)</script>" not in hostile
    assert "&lt;script&gt;" in hostile


def test_document_list_shows_every_document_with_its_status(client):
    today = date.today()
    html = client.get("/documents").text
    for doc_id in repository_documents():
        assert f'data-doc="{doc_id}"' in html
    assert "未规定有效期" in html  # fz-plan and fj-yj-2025-30 state no window
    expected = in_force(date(2023, 11, 20), date(2026, 12, 31), today).label
    item = html.split('data-doc="xm-2023"')[1].split("</li>")[0]
    assert expected in item


def test_document_page_shows_repaired_clauses_and_raw_text_one_click_away(client):
    html = client.get("/documents/xm-2023").text
    assert 'id="xm-2023/m16"' in html
    assert "支持临床医学研究中心建设" in html
    assert '<details class="raw"><summary>原始文本</summary>' in html
    assert "渊十六冤" in html  # the raw text as received, mojibake and all


def test_clause_page_links_its_measures_parent_and_raw_text(client):
    html = client.get("/clauses/xm-2023/m16").text
    assert "责任单位：市科技局、卫健委、财政局" in html
    assert 'href="/measures/xm-2023/m16-national-top-up"' in html
    assert 'href="/clauses/xm-2023/s3"' in html  # parent
    assert "?raw=1" in html
    assert "1000万元" in _text(html)
    raw = client.get("/clauses/xm-2023/m16?raw=1").text
    assert "渊十六冤" in raw


def test_paragraph_page_finds_the_measure_citing_it(client):
    html = client.get("/clauses/xm-2023/m1/p2").text
    assert 'href="/measures/xm-2023/m1-clinical"' in html


def test_measure_page_sets_the_law_beside_the_logic_with_worked_examples(client):
    html = client.get("/measures/xm-2025-1/m15-new-products").text
    text = _text(html)
    assert 'href="/clauses/xm-2025-1/m15"' in html
    assert "按照年度使用新优药械总金额的5%对医疗机构进行奖励" in text  # the cited clause text
    assert "厦门市的医疗机构" in text  # who
    assert "按年度使用新优药械总金额（元）的5%给予" in text  # amount in words
    assert "每个申请人每年最高 100万元（1,000,000元）" in text  # the shared ceiling
    assert "本条位于“完善公立医院考核机制”之下" in text  # the interpretation note
    assert "医疗机构年度使用新优药械1000万元，按5%奖励50万元" in text  # an example's sentence
    assert "50万元（500,000元）" in text  # its actual result


def test_measure_page_names_the_overlap_and_links_the_other_measure(client):
    html = client.get("/measures/xm-2023/m1-clinical").text
    assert "就高从优" in html
    assert 'href="/measures/fj-2023-7/m9-clinical"' in html


def test_overview_embeds_the_timeline_and_serves_echarts_itself(client):
    html = client.get("/overview", params={"as_of": "2024-01-01"}).text
    assert 'id="timeline"' in html and 'id="timeline-data"' in html
    assert "/static/vendor/echarts.min.js" in html
    js = client.get("/static/vendor/echarts.min.js")
    assert js.status_code == 200 and "echarts" in js.text[:2000].lower()
    assert client.get("/static/charts.js").status_code == 200


def test_overview_counts_follow_the_chosen_date(client):
    early = client.get("/api/v1/overview", params={"as_of": "2023-01-01"}).json()
    by_status = {c["status"]: c for c in early["counts"]}
    assert by_status["in_force"]["documents"] == 0
    assert by_status["not_yet"]["documents"] == 4  # fj-yj-2025-30 applies from its issue date
    assert by_status["no_window"]["documents"] == 1  # fz-plan: no window, no issue date
    late = client.get("/api/v1/overview", params={"as_of": "2027-01-01"}).json()
    late_counts = {c["status"]: c["documents"] for c in late["counts"]}
    assert late_counts["expired"] == 3
    assert late_counts["in_force"] == 1  # fj-yj-2025-30 states no end: it keeps applying


def test_api_docs_still_work(client):
    assert client.get("/docs").status_code == 200
    assert "/api/v1/overview" in client.get("/openapi.json").json()["paths"]


# --- in-force status at its boundaries -------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "day", "expected"),
    [
        (date(2025, 4, 29), date(2026, 12, 31), date(2025, 4, 28), Status.not_yet),
        (date(2025, 4, 29), date(2026, 12, 31), date(2025, 4, 29), Status.in_force),
        (date(2025, 4, 29), date(2026, 12, 31), date(2026, 12, 31), Status.in_force),
        (date(2025, 4, 29), date(2026, 12, 31), date(2027, 1, 1), Status.expired),
        (None, date(2025, 12, 31), date(2020, 1, 1), Status.in_force),
        (date(2025, 1, 1), None, date(2030, 1, 1), Status.in_force),
        (None, None, date(2025, 1, 1), Status.no_window),
    ],
)
def test_status_on_each_side_of_a_boundary(start, end, day, expected):
    assert status_on(start, end, day) == expected
