"""What the UI review (docs/ui-review.md) fixed, as readers see it in Chromium: the pages fit a 360 px
phone without sideways scrolling; every input has a label and keyboard focus is visible; clause and
measure pages name clauses and measures in words and show money as the project does elsewhere; a
document's headings go down one level at a time; empty lists say what will appear there and leave no
stray "：" on a phone; no command line or field code reaches an officer's page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from biopolicy.domain.credit_code import check_character
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work
from biopolicy.storage import migrate

PASSWORD = "correct-horse-42"
PEOPLE = {  # login: (organisation, roles, name)
    "hospital": ("hospital", [("applicant", "")], "医院科研处"),
    "cashier": (None, [("finance", "")], "财政局出纳"),
}
PUBLIC_PAGES = [
    "/",
    "/documents/xm-2023",
    "/clauses/xm-2023/m16",
    "/clauses/xm-2023/m1/p1",
    "/measures/xm-2023/m16-city-accepted",
    "/overview",
    "/search?q=伦理",
    "/calculator",
]
PHONE_WIDTH = 360

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name)"""
HEADING_SKIPS = """() => { const l = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  return l.filter((h, i) => i > 0 && h > l[i - 1] + 1).length }"""


def _code(prefix: str, n: int) -> str:
    body = f"{prefix}{n:011d}"
    return body + check_character(body)


@pytest.fixture(scope="module")
def review_server(tmp_path_factory, browser) -> Iterator[str]:
    """The app over a fresh SQLite database with a hospital's staff member and a finance officer."""
    from tests.browser.conftest import serve

    url = f"sqlite:///{tmp_path_factory.mktemp('review') / 'review.sqlite3'}"
    migrate.upgrade(url)
    with unit_of_work("test", url=url) as uow:
        hospital = orgs.create(
            uow,
            {
                "name": "厦门市某医院",
                "credit_code": _code("123502", 2),
                "kind": "medical_institution",
                "city": "厦门市",
            },
        ).id
    for login, (org, roles, name) in PEOPLE.items():
        with unit_of_work("test", url=url) as uow:
            accounts.create_user(
                uow, login, name, password=PASSWORD, organisation=hospital if org else None, roles=roles
            )
    with serve(url) as base_url:
        yield base_url


def _phone_session(browser, base: str, login: str):
    context = browser.new_context(
        base_url=base,
        locale="zh-CN",
        viewport={"width": PHONE_WIDTH, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_public_pages_fit_a_phone_label_every_input_and_have_a_title(phone_page):
    for path in PUBLIC_PAGES:
        phone_page.goto(path)
        assert phone_page.evaluate(FITS), f"{path} scrolls sideways at {PHONE_WIDTH} px"
        assert phone_page.evaluate(UNLABELLED) == [], f"{path} has an input without a label"
        assert phone_page.title().endswith("生物医药产业政策平台") and not phone_page.title().startswith(" ·")
        assert phone_page.locator("html").get_attribute("lang") == "zh-CN"
        assert phone_page.js_errors == []


def test_a_documents_headings_go_down_one_level_at_a_time_and_paragraphs_are_named_in_words(page):
    page.goto("/documents/xm-2023")
    assert page.evaluate(HEADING_SKIPS) == 0
    assert page.locator("h1").count() == 1
    text = page.inner_text("main")
    assert "前言" in text and "preamble" not in text
    assert page.locator("p.paragraphs a").first.inner_text() == "第1段"


def test_the_clause_page_shows_money_as_elsewhere_and_names_measures_without_their_ids(page):
    page.goto("/clauses/xm-2023/m16")
    facts = page.inner_text("table.facts")
    assert "200万元（2,000,000元）" in facts and "1000万元（10,000,000元）" in facts
    assert "2000000" not in facts
    measures = page.inner_text("ul.measure-links")
    assert "市级临床医学研究中心通过验收补助" in measures and "xm-2023/" not in measures
    page.goto("/clauses/xm-2023/m1/p1")
    assert page.inner_text("h1") == "第1段"


def test_the_measure_page_names_the_clauses_it_cites_in_words(page):
    page.goto("/measures/xm-2023/m16-city-accepted")
    text = page.inner_text("main")
    # the id is shown once, labelled, for those who cite it; nowhere else
    assert text.count("xm-2023/m16") == 1 and "厦门市2023年若干措施" in text
    assert "tests.yaml" not in text


def test_keyboard_focus_is_visible(page):
    page.goto("/")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.tagName") == "A" and outline not in ("", "none")


def test_a_hospitals_empty_pages_on_a_phone_say_what_will_appear_with_no_stray_colon_or_field_code(
    browser, review_server
):
    context, page = _phone_session(browser, review_server, "hospital")
    page.goto("/ethics")
    assert page.evaluate(FITS)
    empty = page.locator("#approvals td[colspan]")
    assert "在下方登记" in empty.inner_text()
    assert empty.evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")
    assert page.locator("#approvals tbody td[data-label]").count() == 0
    page.goto("/duties")
    assert page.evaluate(FITS)
    text = page.inner_text("main")
    assert "机构档案未填写医院等级" in text  # the hospital has no grade yet: 无法判断, said in words
    assert not any(code in text for code in ("grade", "public", "runs_trials"))
    context.close()


def test_the_finance_officers_empty_budget_page_has_no_command_line(browser, review_server):
    context, page = _phone_session(browser, review_server, "cashier")
    page.goto("/budgets")
    empty = page.inner_text("#budget-empty")
    assert "还没有设定预算" in empty and "余额" in empty
    assert "biopolicy" not in empty and "/api/" not in empty
    page.goto("/applications/payments")
    assert "核定金额后" in page.inner_text("#payments-empty")
    assert page.evaluate(FITS)
    context.close()
