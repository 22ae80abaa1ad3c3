"""政策计算器 in headless Chromium: a user fills the form (fields switch with the event type, rows are
added in place), reads the amounts and cited clauses, tries a planned milestone, and opens the share
link; on a desktop page and on a 360×740 phone."""

from __future__ import annotations

import re

import pytest

AS_OF = "2025-09-30"


def field(page, name: str):
    return page.locator(f'[name="{name}"]')


def applicant(page) -> None:
    page.goto("/calculator")
    district = page.locator(".calc-district")
    field(page, "kind").select_option("enterprise")
    field(page, "city").select_option("福州市")
    assert not district.is_visible()  # only Xiamen asks for a district
    field(page, "city").select_option("厦门市")
    assert district.is_visible()
    field(page, "district").select_option("海沧区")
    field(page, "name").fill("厦门甲药业")
    field(page, "as_of").fill(AS_OF)


def clinical_row(page, i: int, date: str, stage: str, rd: str) -> None:
    field(page, f"e{i}.type").select_option("clinical_stage_completed")
    field(page, f"e{i}.date").fill(date)
    field(page, f"e{i}.product_type").select_option("chemical")
    field(page, f"e{i}.registration_class").select_option("1")
    field(page, f"e{i}.attr.stage").select_option(stage)
    field(page, f"e{i}.attr.rd_investment").fill(rd)
    field(page, f"e{i}.attr.transferred_city").select_option("厦门市")


def add_row(page) -> int:
    rows = page.locator("#calc-rows .calc-row")
    before = rows.count()
    page.locator("#calc-add").click()
    assert rows.count() == before + 1
    return int(rows.nth(before).get_attribute("data-index"))


def submit(page) -> None:
    page.locator("#calc-submit").click()
    page.wait_for_selector("h1:has-text('测算结果')")


def amount_of(page, measure_id: str, event_section: str | None = None) -> str:
    scope = page.locator(f"#{event_section}") if event_section else page
    return scope.locator(f'article[data-measure="{measure_id}"] .calc-wan').first.inner_text()


def test_two_achievements_give_amounts_with_their_clauses(any_page, body_overflows):
    page = any_page
    applicant(page)
    page.evaluate("window.__same_page = true")
    clinical_row(page, 0, "2025-06-30", "phase_2", "30000000")
    hint = page.locator('[name="e0.attr.rd_investment"]').locator("xpath=../..").locator("[data-wan]")
    assert "3,000 万元" in hint.inner_text()
    assert field(page, "e0.attr.role").count() == 0  # only the fields of the chosen type
    i = add_row(page)
    assert page.evaluate("window.__same_page") is True  # added in place, no round trip
    field(page, f"e{i}.type").select_option("talent_recruited")
    assert field(page, f"e{i}.product_type").count() == 0
    field(page, f"e{i}.date").fill("2025-08-01")
    field(page, f"e{i}.attr.role").select_option("research")
    field(page, f"e{i}.attr.recruited_on").fill("2024-03-01")
    field(page, f"e{i}.subject").fill("张三")
    assert not body_overflows(page)
    submit(page)

    assert amount_of(page, "xm-2023/m1-clinical") == "1200万元"  # 3000万 × 40%
    assert amount_of(page, "xm-2023/m20-talent") == "80万元"
    clinical = page.locator('article[data-measure="xm-2023/m1-clinical"]')
    assert "最高可得" in clinical.locator(".calc-kind").inner_text()
    assert clinical.locator('a[href="/clauses/xm-2023/m1/p2"]').count() >= 1
    assert "× 最高40% = 1200万元（12,000,000元）" in clinical.locator(".calc-steps").inner_text()
    talent = page.locator('article[data-measure="xm-2023/m20-talent"]')
    assert talent.locator('a[href="/clauses/xm-2023/m20"]').count() >= 1
    assert "2027年" in talent.locator(".calc-instalments").inner_text()
    assert page.locator(".calc-years").is_visible()
    assert not body_overflows(page)
    assert page.js_errors == []


def test_switching_the_type_swaps_the_fields_and_removing_a_row_takes_it_away(page):
    page.goto("/calculator")
    field(page, "e0.type").select_option("clinical_stage_completed")
    assert field(page, "e0.attr.stage").is_visible()
    field(page, "e0.type").select_option("new_products_used_year")
    assert field(page, "e0.attr.stage").count() == 0
    assert field(page, "e0.attr.total_amount").is_visible()
    assert not page.locator("button.calc-nojs").first.is_visible()  # the no-JavaScript button hides
    add_row(page)
    assert page.locator(".calc-row").count() == 2
    page.locator(".calc-row").nth(0).locator(".calc-remove").click()
    assert page.locator(".calc-row").count() == 1
    assert page.locator(".calc-row .calc-row-no").inner_text() == "1"
    assert page.js_errors == []


def test_a_planned_phase_three_shows_what_it_would_bring_and_what_expires_first(any_page, body_overflows):
    page = any_page
    applicant(page)
    clinical_row(page, 0, "2026-06-30", "phase_3", "50000000")
    submit(page)
    section = page.locator(".calc-event").first
    assert "计划中" in section.locator("h2").inner_text()
    assert amount_of(page, "xm-2023/m1-clinical") == "2000万元"  # 5000万 × 40%, under 3000万
    whatif = page.locator("#calc-whatif")
    assert "到期前需完成" in whatif.inner_text() and "2026-12-31" in whatif.inner_text()
    expired = whatif.locator(".calc-expired")
    assert "省内转化的创新药" in expired.inner_text() and "2025-12-31" in expired.inner_text()
    assert not body_overflows(page)
    assert page.js_errors == []


def test_the_share_link_reproduces_the_result_and_warns_after_a_rules_change(page):
    applicant(page)
    clinical_row(page, 0, "2025-06-30", "phase_2", "3000万")
    submit(page)
    first = amount_of(page, "xm-2023/m1-clinical")
    url = page.locator("#calc-share-url").input_value()
    assert re.search(r"/calculator/result\?c=z1[A-Za-z0-9_-]+$", url)  # the rules version is inside
    assert page.locator("#calc-json").get_attribute("href").startswith("/calculator/result.json?c=")

    fresh = page.context.new_page()
    fresh.goto(url)
    assert amount_of(fresh, "xm-2023/m1-clinical") == first == "1200万元"
    assert fresh.locator("#calc-stale").count() == 0
    from urllib.parse import parse_qs, urlencode, urlparse

    from biopolicy.web.forms.calculator import decode_case, encode_case

    case = decode_case(parse_qs(urlparse(url).query)["c"][0])
    fresh.goto("/calculator/result?" + urlencode({"c": encode_case(case, "0ld0ld0ld0ld")}))
    assert "政策规则已于生成此链接后更新，结果可能不同" in fresh.locator("#calc-stale").inner_text()
    assert amount_of(fresh, "xm-2023/m1-clinical") == first
    fresh.close()


def test_mistakes_are_shown_next_to_their_fields_and_what_was_typed_stays(any_page, body_overflows):
    page = any_page
    page.goto("/calculator")
    field(page, "kind").select_option("enterprise")
    field(page, "e0.type").select_option("clinical_stage_completed")
    field(page, "e0.date").fill("2025-06-30")
    field(page, "e0.attr.rd_investment").fill("-5")
    page.locator("#calc-submit").click()
    page.wait_for_selector("#calc-errors")
    city_error = page.locator('[data-error-for="city"]')
    assert city_error.is_visible() and "请选择所在城市" in city_error.inner_text()
    money_error = page.locator('[data-error-for="e0.attr.rd_investment"]')
    assert "金额不能为负数" in money_error.inner_text()
    assert field(page, "e0.attr.rd_investment").input_value() == "-5"
    assert field(page, "kind").input_value() == "enterprise"
    assert not body_overflows(page)


@pytest.mark.parametrize("width", [360])
def test_the_form_fits_a_phone(phone_page, body_overflows, width):
    phone_page.goto("/calculator")
    assert phone_page.viewport_size["width"] == width
    phone_page.locator('[name="e0.type"]').select_option("service_platform_built")
    add_row(phone_page)
    assert not body_overflows(phone_page)
    assert phone_page.locator("#calc-submit").is_visible()


def test_without_javascript_the_form_still_works(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto("/calculator")
    field(page, "kind").select_option("medical_institution")
    field(page, "city").select_option("厦门市")
    field(page, "as_of").fill("2026-12-31")
    field(page, "e0.type").select_option("new_products_used_year")
    assert field(page, "e0.attr.total_amount").count() == 0  # nothing switches without a round trip
    page.locator("button.calc-nojs").first.click()  # 按所选类型显示字段
    field(page, "e0.date").fill("2026-12-31")
    field(page, "e0.attr.total_amount").fill("3000万")
    page.locator("#calc-add").click()  # a submit button the server answers with one more row
    assert page.locator(".calc-row").count() == 2
    assert field(page, "e0.attr.total_amount").input_value() == "3000万"
    submit(page)
    assert page.locator('article[data-measure="xm-2025-1/m15-new-products"] .calc-wan').count() == 1
    context.close()


def test_printing_leaves_out_the_controls(page):
    applicant(page)
    clinical_row(page, 0, "2025-06-30", "phase_2", "30000000")
    submit(page)
    assert page.locator("[data-print]").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("[data-print]").is_visible()
    assert not page.locator(".calc-share").is_visible()
    assert "/calculator/result?c=" in page.locator(".calc-print-only").inner_text()
    assert page.locator('article[data-measure="xm-2023/m1-clinical"] .calc-wan').is_visible()


def test_an_award_already_received_cuts_the_yearly_ceiling(any_page, body_overflows):
    page = any_page
    applicant(page)
    field(page, "as_of").fill("2026-06-01")
    clinical_row(page, 0, "2026-05-01", "phase_3", "8000万")
    field(page, "e0.product_name").fill("甲片")
    page.evaluate("window.__same_page = true")
    awards = page.locator("#calc-awards .calc-award")
    assert awards.count() == 0
    page.locator("#calc-add-award").click()
    assert awards.count() == 1 and page.evaluate("window.__same_page") is True  # added in place
    field(page, "a0.measure_id").select_option("_external")
    assert field(page, "a0.programme").is_visible()  # only an external programme asks for its name
    field(page, "a0.measure_id").select_option("xm-2023/m1-clinical")
    assert not field(page, "a0.programme").is_visible()
    field(page, "a0.amount").fill("9500万")
    hint = page.locator('[name="a0.amount"]').locator("xpath=../..").locator("[data-wan]")
    assert "9,500 万元" in hint.inner_text()
    field(page, "a0.date").fill("2026-01-15")
    choice = field(page, "a0.event").locator("option").nth(1)
    assert choice.inner_text() == "成果 1：完成临床研究阶段（甲片） 2026-05-01"  # the rows, as named
    i = add_row(page)
    assert field(page, "a0.event").locator("option").count() == 3  # a new row is offered at once
    page.locator(f"#e{i} .calc-remove").click()
    assert field(page, "a0.event").locator("option").count() == 2
    assert not body_overflows(page)
    submit(page)

    assert amount_of(page, "xm-2023/m1-clinical") == "500万元"  # 1亿 a year, 9500万 already received
    steps = page.locator('article[data-measure="xm-2023/m1-clinical"] .calc-steps').inner_text()
    assert "此前已计 9500万元（95,000,000元）" in steps
    assert "已计入（1项）" in page.locator("#calc-awards").inner_text()
    assert not body_overflows(page)
    assert page.js_errors == []
