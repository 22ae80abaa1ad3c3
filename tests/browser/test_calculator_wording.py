"""The calculator result as a policy officer reads it, on a desktop and on a phone: one summary
sentence at the top, clauses by document short name with the full title on hover, no internal ids
in the text, and the rules version once in small print. Screenshots go to bench/out/ (gitignored)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.test_calculator import applicant, clinical_row, submit

OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
RAW_ID = re.compile(r"(xm|fj|fz)-[\w-]*/|product_id|prior_awards")


def test_the_result_reads_in_plain_words(any_page, body_overflows):
    page = any_page
    applicant(page)
    clinical_row(page, 0, "2025-06-30", "phase_2", "30000000")
    submit(page)

    summary = page.locator("#calc-summary").inner_text()
    assert "最多可能获得" in summary and summary.endswith("。")
    clause = page.locator('article[data-measure="xm-2023/m1-clinical"] a.calc-clause').first
    assert clause.inner_text().startswith("厦门市2023年若干措施")
    assert "厦门市加快推进生物医药产业高质量发展若干措施" in clause.get_attribute("title")
    text = page.locator("main").inner_text()
    assert not RAW_ID.search(text), RAW_ID.search(text)
    assert text.count("规则版本") == 1
    assert not body_overflows(page)
    OUT.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(OUT / f"calculator-result-{size}.png"), full_page=True)
