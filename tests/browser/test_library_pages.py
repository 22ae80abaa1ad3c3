"""The library, measure and overview pages in headless Chromium, each on a desktop page and on a
phone-sized one (``any_page``): what a user sees and clicks, and no sideways scrolling."""

from __future__ import annotations

from tests.conftest import repository_documents

DOCUMENTS = tuple(repository_documents())
STATUSES = ("现行有效", "已失效", "尚未施行", "未规定有效期")


def test_home_page_renders(any_page, body_overflows):
    any_page.goto("/")
    assert "生物医药产业政策" in any_page.title()
    assert not body_overflows(any_page)
    assert any_page.js_errors == []


def test_document_list_shows_every_document_with_its_status(any_page, body_overflows):
    any_page.goto("/documents")
    items = any_page.locator("li.doc-item")
    assert items.count() == len(DOCUMENTS)
    for doc_id in DOCUMENTS:
        status = any_page.locator(f'li[data-doc="{doc_id}"] .status').inner_text()
        assert status in STATUSES
    assert any_page.locator('li[data-doc="fz-plan"] .status').inner_text() == "未规定有效期"
    assert not body_overflows(any_page)


def test_document_page_shows_clauses_and_raw_text_on_click(any_page, body_overflows):
    any_page.goto("/documents")
    any_page.locator('li[data-doc="xm-2023"] h2 a').click()
    any_page.wait_for_url("**/documents/xm-2023")
    clause = any_page.locator('section[id="xm-2023/m16"]')
    assert "支持临床医学研究中心建设" in clause.locator("h3").inner_text()
    raw = clause.locator("details.raw").first
    assert not raw.locator("pre").is_visible()
    raw.locator("summary").click()
    assert raw.locator("pre").is_visible()
    assert "渊十六冤" in raw.locator("pre").inner_text()
    assert not body_overflows(any_page)


def test_search_for_ethics_finds_xm_2025_1_item_six(any_page, body_overflows):
    any_page.goto("/search")
    any_page.fill("#q", "伦理")
    any_page.locator("form.search-form button[type=submit]").click()
    any_page.wait_for_url("**/search?q=*")
    hit = any_page.locator('li.hit[data-clause="xm-2025-1/m6"]')
    assert hit.is_visible()
    assert "六、" in hit.locator(".hit-title").inner_text()
    assert hit.locator(".snippet mark").first.inner_text() == "伦理"
    assert not body_overflows(any_page)


def test_empty_search_says_what_to_fix_next_to_the_field(any_page):
    any_page.goto("/search")
    any_page.fill("#q", "   ")
    any_page.locator("form.search-form button[type=submit]").click()
    any_page.wait_for_url("**/search?q=*")
    error = any_page.locator("#q-error")
    assert error.is_visible()
    assert "不能为空" in error.inner_text()


def test_clause_links_to_its_measure_and_the_measure_back(any_page, body_overflows):
    any_page.goto("/clauses/xm-2025-1/m15")
    any_page.locator('a[href="/measures/xm-2025-1/m15-new-products"]').click()
    any_page.wait_for_url("**/measures/xm-2025-1/m15-new-products")
    assert any_page.locator("h1").inner_text() == "医疗机构使用新优药械奖励"
    assert not body_overflows(any_page)
    any_page.locator('.cited-clause a[href="/clauses/xm-2025-1/m15"]').click()
    any_page.wait_for_url("**/clauses/xm-2025-1/m15")
    assert "新优药械" in any_page.locator(".clause-text").inner_text()


def test_measure_page_shows_a_worked_example(any_page, body_overflows):
    any_page.goto("/measures/xm-2025-1/m15-new-products")
    example = any_page.locator("article.example").filter(
        has_text="医疗机构年度使用新优药械1000万元，按5%奖励50万元"
    )
    assert example.count() == 1
    assert "年度使用新优药械总金额" in example.locator("dl.facts-in").inner_text()
    assert example.locator(".result-yes .amount").inner_text() == "50万元（500,000元）"
    assert any_page.locator(".law-logic .logic").is_visible()
    assert not body_overflows(any_page)


def test_overview_draws_the_timeline(any_page, body_overflows):
    any_page.goto("/overview?as_of=2025-06-30")
    any_page.wait_for_selector('#timeline[data-ready="1"] canvas')
    box = any_page.locator("#timeline canvas").first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert any_page.locator("#as_of").input_value() == "2025-06-30"
    assert any_page.js_errors == []
    assert not body_overflows(any_page)


def test_overview_date_form_changes_the_counts(page):
    page.goto("/overview?as_of=2023-01-01")
    page.fill("#as_of", "2027-06-01")
    page.locator("form.as-of-form button").click()
    page.wait_for_url("**/overview?as_of=2027-06-01")
    expired = page.locator("table.counts-table tr").filter(has_text="已失效").locator("td").nth(1)
    assert expired.inner_text() == "3"


def test_no_request_leaves_the_app(page, live_server):
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    for url in ("/", "/documents", "/documents/xm-2023", "/search?q=伦理", "/measures", "/overview"):
        page.goto(url)
    page.wait_for_selector("#timeline canvas")
    assert hosts == {live_server.split("/")[2]}
