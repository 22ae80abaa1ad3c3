"""No internal codes in anything a user reads (issue 15 §1): every page and export (CSV, Excel) each role can
open, over a ledger with a case, a watched product, an application approved and paid in part, and a
request, shows no measure or clause id ("xm-2023/m20-talent", "fj-yj-2025-30/m11") and no snake_case
code (an event type, a status, a role) in its visible text.

Visible text: what the browser shows, tags stripped; attributes (href, data-*) and <script>, <style>
and <code> blocks are not read (codes there are deliberate, e.g. the rules version).
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from tests.web.test_access import PERSONAS, filed_request, routes, submitted_application, watched_product

from biopolicy.services import applications as apps
from biopolicy.services import cases
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work

# ASCII: a code right after a Chinese character is still found
CODE_ID = re.compile(r"(?<![\w-])[a-z]+(?:-[a-z]+)*-\d{4}[-/][\w/-]*", re.ASCII)
SNAKE = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.])", re.ASCII)
SKIP_PREFIXES = ("/api/", "/docs", "/redoc", "/static", "/openapi", "/favicon")
SKIP = {"/simulate/stream", "/duties/records/{record_id}/file", "/calculator/result.json"}
SAMPLES = {
    "doc_id": "fj-yj-2025-30",
    "clause_id:path": "xm-2023/m20",
    "measure_id:path": "xm-2023/m20-talent",
    "code": "xm-new-products",
    "fmt": "csv",
}


class _Visible(HTMLParser):
    """The text a reader sees: data outside script, style and code elements."""

    HIDDEN = {"script", "style", "code", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001 - HTMLParser's signature
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


# an English word; the fixtures' people are named by their logins ("finance", "officer"), which are
# data a user typed, not codes, and so are allowed
WORD = re.compile(r"(?<![\w./@-])[a-z]{3,}(?![\w./@-])", re.ASCII)
LOGINS = {"test", "reviewer", "finance", "auditor", "administrator", "officer", "regulator"}


def codes_in(text: str) -> list[str]:
    words = {w for w in WORD.findall(text) if w not in LOGINS}
    return sorted({*CODE_ID.findall(text), *SNAKE.findall(text), *words})


def test_the_finder_finds_ids_and_codes_but_not_words_attributes_or_code_blocks():
    html = (
        '<p title="xm-2023/m1">依据 <a href="/clauses/xm-2023/m20">厦门市2023年若干措施（二十）</a></p>'
        "<p>措施 xm-2023/m20-talent；条款 fj-yj-2025-30/m11；事项talent_recruited；2026-12-01</p>"
        "<p>规则版本 <code>rules-2026_12</code></p><script>var first_year = 1;</script>"
    )
    assert codes_in(visible_text(html)) == ["fj-yj-2025-30/m11", "talent_recruited", "xm-2023/m20-talent"]
    assert codes_in("收到 2026-12-31，第 2 期（共 3 期）；file.xlsx；A_1；用户 finance；JSON") == []
    assert codes_in("状态 paying，角色 reviewer") == ["paying"]


def _paid_in_part(site, application_id: int) -> None:
    """The submitted application accepted, approved (800,000元), credit-checked and its first instalment paid."""
    rev, fin = site.principals["reviewer"], site.principals["finance"]
    steps = [
        (rev, lambda uow, k: apps.accept(uow, rev, application_id, k)),
        (rev, lambda uow, k: apps.approve(uow, rev, get_calculator(), application_id, "800000", k)),
        (fin, lambda uow, k: apps.credit_check(uow, fin, application_id, k)),
        (fin, lambda uow, k: apps.pay(uow, fin, get_calculator(), application_id, "SJ-2026-001", k)),
    ]
    for n, (who, step) in enumerate(steps):
        with unit_of_work(who.actor, url=site.url) as uow:
            step(uow, f"codes-{n}")


@pytest.fixture
def pages(site):
    from tests.services.test_cases import CASE

    with unit_of_work("test", url=site.url) as uow:
        saved = cases.save_case(uow, site.principals["applicant-a"], get_calculator(), dict(CASE), "甲的测算")
    application = submitted_application(site)
    _paid_in_part(site, int(application["application_id"]))
    samples = {**watched_product(site), **application, **filed_request(site), **SAMPLES, "case_id": saved.id}
    urls = ["/applications/payments.xlsx", "/applications/notice.xlsx"]
    for path, method, _ in routes(site.app):
        if method != "GET" or path.startswith(SKIP_PREFIXES) or path in SKIP:
            continue
        urls.append(re.sub(r"\{([^}]+)\}", lambda m: samples[m.group(1)], path))
    return urls


def _cells(content: bytes) -> str:
    """Every text cell of a workbook (the column headings, the rows, the notes sheet)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    )


def test_no_page_or_export_a_role_can_open_shows_an_internal_code(site, pages):
    found: dict[str, dict[str, str]] = {}  # code -> url -> the text around it
    opened, read = 0, set()
    for who in PERSONAS:
        client = site.client(who)
        for url in pages:
            response = client.get(url, follow_redirects=False)
            assert response.status_code < 500, (who, url, response.text[:300])
            if response.status_code != 200:
                continue
            kind = response.headers.get("content-type", "")
            if kind.startswith("text/html"):
                text = visible_text(response.text)
            elif kind.startswith("text/csv"):
                text = " ".join(" ".join(row) for row in csv.reader(io.StringIO(response.text)))
            elif "spreadsheetml" in kind:
                text = _cells(response.content)
            else:
                continue
            opened += 1
            read.add(url)
            for code in codes_in(text):
                at = text.find(code)
                found.setdefault(code, {}).setdefault(url, " ".join(text[max(0, at - 40) : at + 60].split()))
    assert opened > 60  # every role's pages were read, not only the login page
    exports = {
        "/applications/payments.xlsx",
        "/applications/payments.csv",
        "/evaluation.xlsx",
        "/simulate.xlsx",
    }
    assert exports <= read, sorted(read)
    assert found == {}, "\n".join(f"{code}: {where}" for code, where in sorted(found.items()))


def test_a_refused_payment_page_names_the_instalment_its_year_and_amount_and_no_field_code(site, pages):
    """The second instalment of the application (event of 2026) falls in 2027: paid on 2026-12-01 it
    is refused with a page that says so in words (支付日期：…), no field code."""
    from tests.web.conftest import hidden

    application_id = next(u for u in pages if re.fullmatch(r"/applications/\d+", u))
    finance = site.client("finance")
    form = finance.get(application_id).text
    token = hidden(form, "csrf_token")
    checked = {"csrf_token": token, "idempotency_key": "codes-check"}
    assert (
        finance.post(f"{application_id}/credit-check", data=checked, follow_redirects=False).status_code < 400
    )
    data = {"csrf_token": token, "idempotency_key": "codes-pay-early"}
    data |= {"receipt_no": "SJ-2026-002", "paid_on": "2026-12-01"}  # not after today, before 2027
    page = finance.post(f"{application_id}/pay", data=data, follow_redirects=False)
    text = " ".join(visible_text(page.text).split())
    assert page.status_code == 422, text[:300]
    assert (
        "第 2 期（共 3 期，24万元（240,000元））按原文分年发放，在 2027 年发放，2027 年 1 月 1 日起方可支付"
        in text
    )
    assert codes_in(text) == []
