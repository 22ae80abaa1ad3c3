"""Duties, the commission's overview, a catalogue and the ethics registry in a browser, at desktop and
phone widths: log in, the page answers, missed first, a meeting recorded through the form with its
minutes, no sideways scroll. Screenshots go to bench/out/duties-<view>-<size>.png."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.browser.conftest import PASSWORD, SIZES, log_in, open_page, screenshot, scrolls_sideways, serve

from biopolicy.services import accounts, duties, ethics
from biopolicy.services import catalogues as cats
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work
from biopolicy.services.library import get_library

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def duty_server(new_database, tmp_path_factory, browser):
    from tests.services.test_organisations import FACTS, code

    folder = tmp_path_factory.mktemp("duties")  # the minutes' files
    url = new_database("duties")
    corpus = get_library().corpus
    ids = {}
    for key, name, n in (("H", "厦门市第一医院", 41), ("G", "厦门市第二医院", 42)):
        with unit_of_work("test", url=url) as uow:
            ids[key] = orgs.create(uow, {"name": name, "credit_code": code(n), "kind": "medical_institution",
                                         "city": "厦门市", "district": "思明区"}).id  # fmt: skip
    with unit_of_work("test", url=url) as uow:
        ids["A"] = orgs.create(uow, FACTS).id
    people = {}
    for login, org, roles in (
        ("staff", "H", [("applicant", "")]),
        ("staff-g", "G", [("applicant", "")]),
        ("commission", None, [("reviewer", "市卫健委")]),
        ("admin", None, [("administrator", "")]),
    ):
        with unit_of_work("test", url=url) as uow:
            accounts.create_user(uow, login, login, password=PASSWORD, organisation=ids[org] if org else None,
                                 roles=roles)  # fmt: skip
            people[login] = accounts.authenticate(uow, login, PASSWORD)
    with unit_of_work("test", url=url) as uow:
        duties.set_profile(uow, people["staff"], ids["H"], {"grade": "tertiary", "public": True, "runs_trials": True},
                           key="profile")  # fmt: skip
    last_quarter = TODAY - dt.timedelta(days=95)
    with unit_of_work("test", url=url) as uow:
        duties.add_record(uow, people["staff"], ids["H"], {"kind": "pharmacy_committee", "held_on": last_quarter},
                          None, today=TODAY, data_dir=folder, key="r1")  # fmt: skip
    with unit_of_work("test", url=url) as uow:
        v = cats.create_version(uow, people["admin"], corpus, "xm-new-products", "第一批", key="v1")
    with unit_of_work("test", url=url) as uow:
        from sqlalchemy import select

        from biopolicy.storage.models import Product

        pid = uow.session.scalar(select(Product.id).order_by(Product.id))
        cats.add_entries(uow, people["admin"], corpus, v["id"], [{"product_id": pid}], key="e1")
    with unit_of_work("test", url=url) as uow:
        cats.publish(
            uow, people["admin"], corpus, v["id"], TODAY - dt.timedelta(days=10), today=TODAY, key="p1"
        )
    with unit_of_work("test", url=url) as uow:
        a = ethics.record_approval(uow, people["staff"], {"project": "某单抗注射液Ⅲ期临床试验", "reference": "伦审2026-012",
                                   "approved_on": TODAY - dt.timedelta(days=30)}, today=TODAY, key="a1")  # fmt: skip
    with unit_of_work("test", url=url) as uow:
        ethics.record_recognition(uow, people["staff-g"], a["id"], {"recognised_on": TODAY - dt.timedelta(days=20)},
                                  today=TODAY, key="rec1")  # fmt: skip
    with serve(url, data_dir=folder) as base_url:
        yield base_url


def _done(page, context, name, size):
    assert not scrolls_sideways(page)
    screenshot(page, f"duties-{name}-{size}")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"duties-{name}-{size}-top", full_page=False)  # the first screen, to look at
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_hospital_records_a_meeting_with_its_minutes_and_sees_its_duties(
    browser, duty_server, size, tmp_path
):
    context, page = open_page(browser, duty_server, size)
    log_in(page, "staff", "/duties")
    assert page.inner_text("h1") == "厦门市第一医院：会议义务"
    statuses = page.eval_on_selector_all("#duty-periods tbody tr", "rows => rows.map(r => r.className)")
    assert statuses[0] == "row-missed"  # missed first
    assert "公布后1个月内" in page.inner_text("#duty-periods")  # the catalogue published ten days ago
    minutes = tmp_path / "纪要.pdf"
    minutes.write_bytes(b"%PDF-1.4\n% minutes\n")
    held = (TODAY - dt.timedelta(days=1 if size == "desktop" else 2)).isoformat()
    page.select_option("#record-form select[name=kind]", "pharmacy_committee")
    page.fill("#record-form input[name=held_on]", held)
    page.set_input_files("#record-form input[name=file]", str(minutes))
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert "纪要.pdf" in page.inner_text("#records")
    _done(page, context, "hospital", size)


@pytest.mark.parametrize("size", SIZES)
def test_the_commission_sees_every_hospital_missed_first(browser, duty_server, size):
    context, page = open_page(browser, duty_server, size)
    log_in(page, "commission", "/duties/overview")
    hospitals = page.inner_text("#hospitals")
    assert "厦门市第一医院" in hospitals and "厦门市第二医院" in hospitals
    rows = page.eval_on_selector_all("#overview-periods tbody tr", "rows => rows.map(r => r.className)")
    assert rows[0] == "row-missed"
    _done(page, context, "overview", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_catalogue_shows_its_clause_and_the_published_version(browser, duty_server, size):
    context, page = open_page(browser, duty_server, size)
    log_in(page, "admin", "/catalogues/xm-new-products")
    assert page.inner_text("h1") == "厦门市新优药械产品目录"
    text = page.inner_text("main")
    assert "建立市新优药械产品目录" in text and "第一批" in text and "公布" in text
    _done(page, context, "catalogue", size)


@pytest.mark.parametrize("size", SIZES)
def test_the_ethics_registry_lists_how_long_recognition_took(browser, duty_server, size):
    context, page = open_page(browser, duty_server, size)
    log_in(page, "commission", "/ethics")
    row = page.inner_text("#approvals tbody tr:first-child")
    assert "某单抗注射液Ⅲ期临床试验" in row and "厦门市第二医院" in row
    _done(page, context, "ethics", size)
