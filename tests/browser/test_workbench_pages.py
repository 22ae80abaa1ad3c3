# ruff: noqa: F811 - the server fixture is imported and used as an argument
"""工作台 and the application page's evidence in a browser, at desktop and phone widths: the workbench
lists the applicant's pages by group; on a draft application the applicant uploads a PDF through the
form and sees it listed with its checksum. No sideways scroll. Screenshots: bench/out/workbench-*.png."""

from __future__ import annotations

from tests.browser.conftest import screenshot, scrolls_sideways
from tests.browser.test_fulfilment import pay_server, session  # noqa: F401 - the fixture
from tests.services.test_applications import talent_case


def shot(page, name: str, size: str) -> None:
    assert not scrolls_sideways(page), f"{name} scrolls sideways at {size}"
    assert page.js_errors == []
    screenshot(page, f"workbench-{name}-{size}")


def test_the_workbench_and_the_evidence_form_at_both_widths(browser, pay_server, tmp_path):
    from biopolicy.services.calculator import get_calculator
    from biopolicy.web.forms.calculator import encode_case

    for size in ("desktop", "phone"):
        ctx, page = session(browser, pay_server, "keji", size)
        page.goto("/workbench")
        assert "待审清单" in page.inner_text("#workbench") and "审计记录" not in page.inner_text("#workbench")
        shot(page, "reviewer", size)
        ctx.close()
    ctx, page = session(browser, pay_server, "qiye")
    page.click("#nav-workbench")
    page.wait_for_url("**/workbench")
    text = page.inner_text("#workbench")
    assert "我的申报" in text and "企业诉求" in text and "待审清单" not in text
    shot(page, "applicant", "desktop")
    page.goto("/calculator/result?c=" + encode_case(talent_case(), get_calculator().rules.version))
    page.fill("#calc-save-title", "引进人才张三")
    page.click("#calc-save button[type=submit]")
    page.wait_for_url("**/cases/*")
    page.locator("#case-apply tr", has_text="生物医药企业引进人才补贴").get_by_role(
        "button", name="申请兑现"
    ).click()
    page.wait_for_url("**/applications/*")
    app_path = page.url.split("?")[0].replace(pay_server, "")
    pdf = tmp_path / "劳动合同.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%contract\n")
    page.set_input_files("#evidence-form input[type=file]", str(pdf))
    page.click("#evidence-form button[type=submit]")
    page.wait_for_url("**done=evidence*")
    assert "劳动合同.pdf" in page.inner_text("#evidence-table")
    shot(page, "application", "desktop")
    ctx.close()
    ctx, page = session(browser, pay_server, "qiye", "phone")
    page.goto("/workbench")
    shot(page, "applicant", "phone")
    page.goto(app_path)
    assert "劳动合同.pdf" in page.inner_text("#application-evidence")
    shot(page, "application", "phone")
    ctx.close()
