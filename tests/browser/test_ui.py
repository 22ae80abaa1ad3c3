"""Issue 15 as a user meets it, in headless Chromium on a desktop page (1280×800) and a phone
(360×740): finding things (filters, pages, synonyms, documents, the timeline, expiring documents),
quality (no console errors on any page, a favicon, compressed assets), result addresses and
测算单 downloads, and a form that offers what fits. Screenshots go to bench/out/ (not committed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(params=["desktop", "phone"])
def ui_page(request, browser, live_server):
    """A page at 1280×800 or 360×740 that records console errors and failed requests."""
    options = (
        {"viewport": DESKTOP}
        if request.param == "desktop"
        else {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    )
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda exc: page.problems.append(f"script: {exc}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status}: {r.url}"))
    page.size = request.param
    yield page
    context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}-{page.size}.png"), full_page=full_page)


def overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


PAGES = [
    "/",
    "/documents",
    "/documents/fj-2023-7",
    "/clauses/xm-2023/m16",
    "/search?q=三期",
    "/measures",
    "/measures?kind=medical_institution",
    "/measures/xm-2023/m1-clinical",
    "/overview",
    "/calculator",
    "/docs",
]


# ---------------------------------------------------------------- §6 quality


@pytest.mark.parametrize("path", PAGES)
def test_no_console_errors_on_any_page(ui_page, path):
    ui_page.goto(path, wait_until="networkidle")
    assert ui_page.problems == []
    if path != "/docs":
        assert not overflows(ui_page)


def test_the_favicon_is_served_and_assets_are_cached(ui_page):
    ui_page.goto("/", wait_until="networkidle")
    icon = ui_page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/x-icon"
    href = ui_page.locator('link[rel="stylesheet"]').get_attribute("href")
    css = ui_page.request.get(href, headers={"accept-encoding": "gzip"})
    assert "immutable" in css.headers["cache-control"]
    ui_page.goto("/overview", wait_until="networkidle")
    src = ui_page.locator('script[src*="echarts"]').get_attribute("src")
    echarts = ui_page.request.get(src, headers={"accept-encoding": "gzip"})
    assert echarts.headers.get("content-encoding") == "gzip"


# ---------------------------------------------------------------- §4 finding things


def test_search_understands_another_way_of_writing_and_pages(ui_page):
    ui_page.goto("/search")
    ui_page.fill("#q", "III期")
    ui_page.locator("form.search-form button[type=submit]").click()
    ui_page.wait_for_url("**/search?q=*")
    hit = ui_page.locator('li.hit[data-clause="fj-2023-7/m9/p1"]')
    assert hit.is_visible()
    assert hit.locator(".snippet mark").first.inner_text() == "Ⅲ期"
    assert "fj-2023-7/" not in hit.locator(".hit-title").inner_text()  # named, not by id
    shot(ui_page, "search-synonym")
    ui_page.goto("/search?q=奖励&limit=5")
    count = ui_page.locator(".result-count").inner_text()
    total = int(re.search(r"共 (\d+) 条", count).group(1))
    assert total > 5
    ui_page.locator('nav.pager a[rel="next"]').click()
    ui_page.wait_for_url("**page=2")
    assert "第 2 /" in ui_page.locator(".result-count").inner_text()
    assert ui_page.locator("ol.hits").get_attribute("start") == "6"
    assert not overflows(ui_page)


def test_search_filters_narrow_the_results(ui_page):
    ui_page.goto("/search?q=奖励")
    everything = int(re.search(r"共 (\d+) 条", ui_page.locator(".result-count").inner_text()).group(1))
    ui_page.locator("details.filter-box summary").click()
    ui_page.locator('select[name="kind"]').select_option("medical_institution")
    ui_page.locator('select[name="city"]').select_option("厦门市")
    shot(ui_page, "search-filters")
    ui_page.locator("form.search-form button[type=submit]").click()
    ui_page.wait_for_url("**kind=medical_institution**")
    narrowed = int(re.search(r"共 (\d+) 条", ui_page.locator(".result-count").inner_text()).group(1))
    assert 0 < narrowed < everything
    docs = ui_page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.clause.split('/')[0])")
    assert set(docs) <= {"xm-2023", "xm-2025-1"}
    assert ui_page.locator("details.filter-box").get_attribute("open") is not None
    assert not overflows(ui_page)


def test_measure_list_filters_by_kind_and_achievement(ui_page):
    ui_page.goto("/measures")
    all_items = ui_page.locator("ul.measure-list li.card").count()
    ui_page.locator('select[name="kind"]').select_option("medical_institution")
    ui_page.locator("form.measure-filters button[type=submit]").click()
    ui_page.wait_for_url("**kind=medical_institution**")
    hospital = ui_page.locator("ul.measure-list li.card").count()
    assert 0 < hospital < all_items
    assert ui_page.locator('select[name="event"] option[value="listed_on_exchange"]').count() == 0
    shot(ui_page, "measures-filtered")
    assert not overflows(ui_page)


def test_documents_in_force_first_without_file_names(ui_page):
    ui_page.goto("/documents")
    statuses = ui_page.locator("li.doc-item .status").all_inner_texts()
    order = {"现行有效": 0, "尚未施行": 1, "已失效": 2, "未规定有效期": 3}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    assert ".txt" not in ui_page.locator("main").inner_text()
    assert "《福建省加快生物医药产业高质量发展的实施方案》" in ui_page.locator("main").inner_text()
    shot(ui_page, "documents")
    ui_page.goto("/documents/xm-2023")
    assert "原文未载明" in ui_page.locator("dl.meta").inner_text()
    assert ".txt" not in ui_page.locator("main").inner_text()


def test_the_timeline_reads_at_a_glance(ui_page):
    ui_page.goto("/overview", wait_until="networkidle")
    chart = ui_page.locator("#timeline")
    ui_page.wait_for_selector('#timeline[data-ready="1"]')
    box = chart.bounding_box()
    viewport = ui_page.viewport_size
    # the whole chart (its date axes included) fits in the first screen's width, and its top axis
    # is within the first screen: no scrolling to see the dates
    assert box["width"] <= viewport["width"]
    assert box["y"] + 40 < viewport["height"] + 400  # the top axis is reached without a long scroll
    chart.scroll_into_view_if_needed()
    assert box["height"] < viewport["height"]  # the whole chart is on one screen
    shot(ui_page, "overview-timeline")
    groups = ui_page.locator("ul.timeline-groups > li")
    assert groups.count() >= 4
    groups.first.locator("summary .muted").click()
    assert groups.first.locator("ul li").count() > 0  # its measures, by title
    assert not overflows(ui_page)


def test_home_warns_of_documents_expiring_within_90_days(ui_page, live_server):
    from datetime import date

    from biopolicy.services.finding import expiring_documents
    from biopolicy.services.library import get_library

    soon = expiring_documents(get_library(), date.today())
    ui_page.goto("/")
    warning = ui_page.locator("section.expiring")
    if not soon:
        assert warning.count() == 0
        return
    assert warning.is_visible()
    for e in soon:
        assert e.end.isoformat() in warning.inner_text()
    shot(ui_page, "home")
    assert not overflows(ui_page)


# ---------------------------------------------------------------- §2 addresses and exports


def fill_enterprise(page) -> None:
    page.goto("/calculator")
    page.locator('[name="kind"]').select_option("enterprise")
    page.locator('[name="city"]').select_option("厦门市")
    page.locator('[name="name"]').fill("厦门甲药业")
    page.locator('[name="as_of"]').fill("2025-09-30")
    page.locator('[name="e0.type"]').select_option("clinical_stage_completed")
    page.locator('[name="e0.date"]').fill("2025-06-30")
    page.locator('[name="e0.product_type"]').select_option("chemical")
    page.locator('[name="e0.registration_class"]').select_option("1")
    page.locator('[name="e0.attr.stage"]').select_option("phase_2")
    page.locator('[name="e0.attr.rd_investment"]').fill("3000万")


def test_a_result_has_a_short_address_and_reloads_without_resubmitting(ui_page):
    fill_enterprise(ui_page)
    ui_page.locator("#calc-submit").click()
    ui_page.wait_for_url("**/calculator/result?c=z1*")
    token = ui_page.url.split("c=", 1)[1]
    assert len(token) < 600
    posts = []
    ui_page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    ui_page.reload()
    ui_page.wait_for_selector("h1:has-text('测算结果')")
    assert posts == []
    shot(ui_page, "result")
    with ui_page.expect_download() as xlsx:
        ui_page.locator("#calc-xlsx").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    with ui_page.expect_download() as pdf:
        ui_page.locator("#calc-pdf").click()
    path = pdf.value.path()
    assert Path(path).read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------- §3 the form


def test_the_form_offers_what_fits_the_applicant_and_the_product(ui_page):
    ui_page.goto("/calculator")
    kind = ui_page.locator('[name="kind"]')
    listing = ui_page.locator('[name="e0.type"] option[value="listed_on_exchange"]')
    kind.select_option("medical_institution")
    assert listing.evaluate("o => o.disabled && o.hidden")
    kind.select_option("enterprise")
    assert not listing.evaluate("o => o.disabled")
    ui_page.locator('[name="e0.type"]').select_option("clinical_stage_completed")
    ui_page.locator('[name="e0.product_type"]').select_option("device")
    classes = ui_page.locator('[name="e0.registration_class"] option').evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    assert classes == ["I", "II", "III"]
    ui_page.locator('[name="e0.product_type"]').select_option("chemical")
    classes = ui_page.locator('[name="e0.registration_class"] option').evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    assert "1" in classes and "III" not in classes
    shot(ui_page, "form-product")
    kind.select_option("medical_institution")
    ui_page.locator('[name="e0.type"]').select_option("clinical_trial_service_year")
    date_field = ui_page.locator('[name="e0.date"]')
    assert date_field.get_attribute("type") == "text" and date_field.get_attribute("placeholder") == "如 2025"
    assert ui_page.locator("#e0 .calc-year-label").first.is_visible()
    date_field.fill("2025")
    shot(ui_page, "form-yearly")
    assert "非负整数" not in ui_page.locator("main").inner_text()
    assert "事件" not in ui_page.locator("main").inner_text()
    assert not overflows(ui_page)
