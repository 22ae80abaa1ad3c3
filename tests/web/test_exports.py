"""测算单 as XLSX and PDF, read back as a user's software would: the applicant, the date, every
entitlement with its document title, 文号, clause, amount and kind, and the disclaimer."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from biopolicy.services.calculator import get_calculator
from biopolicy.services.exports import DISCLAIMER, cjk_font
from biopolicy.web.app import create_app
from biopolicy.web.forms.calculator import encode_case

CASE = {
    "as_of": "2025-07-01",
    "applicant": {"kind": "enterprise", "name": "厦门甲药业", "province": "福建省", "city": "厦门市"},
    "products": [{"id": "p1", "name": "甲替尼", "type": "chemical", "registration_class": "1"}],
    "events": [
        {
            "id": "e1",
            "type": "clinical_stage_completed",
            "date": "2025-06-30",
            "product_id": "p1",
            "stage": "phase_2",
            "rd_investment": "30000000",
        }
    ],
}


@pytest.fixture(scope="module")
def client(real_library):
    with TestClient(create_app(real_library, get_calculator()), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def applying():
    a = get_calculator().assess(CASE)
    return [e for e in a.entitlements if e.eligibility.value in ("yes", "unknown")]


def url(kind: str) -> str:
    return f"/calculator/result.{kind}?" + urlencode({"c": encode_case(CASE, get_calculator().rules.version)})


def test_the_xlsx_holds_every_entitlement_with_its_source_and_the_disclaimer(client, real_library, applying):
    r = client.get(url("xlsx"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header = {row[0]: row[1] for row in rows[1:7]}
    assert header["申报主体"] == "厦门甲药业" and header["查询日"] == "2025-07-01"
    assert header["主体类型"] == "企业" and header["所在地"] == "福建省厦门市"
    table_at = next(i for i, row in enumerate(rows) if row[0] == "措施")
    lines = [row for row in rows[table_at + 1 :] if row[0] and row[1]]
    assert len(lines) == len(applying) > 1
    for e, row in zip(applying, lines, strict=True):
        doc = real_library.document(e.doc_id)
        assert row[0] == e.measure_title
        assert doc.title.replace("《", "〈").replace("》", "〉") in row[1]
        assert row[2] == (doc.number or "原文未载明")
        assert row[3]  # the clause, by its label and title
        if e.amount.value is not None:
            assert Decimal(str(row[5])) == e.amount.value
    assert any(row[0] == DISCLAIMER for row in rows)


def test_the_xlsx_names_clauses_by_label_not_by_id(client):
    ws = load_workbook(io.BytesIO(client.get(url("xlsx")).content)).active
    clause_cells = [row[3] for row in ws.iter_rows(values_only=True) if row[3]]
    assert any("（一）" in c for c in clause_cells)
    assert not any(re.search(r"[a-z]+-\d{4}/", c) for c in clause_cells)


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font: make browser-deps installs fonts-wqy-microhei")
def test_the_pdf_reads_back_in_chinese_with_its_font_embedded(client, real_library, applying):
    r = client.get(url("pdf"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "厦门甲药业" in text and "2025-07-01" in text
    for e in applying:
        doc = real_library.document(e.doc_id)
        assert (doc.number or "原文未载明") in text
        assert e.measure_title[:8] in text
    assert "12,000,000" in text  # 3000万 × 40% of xm-2023 (一): Phase II
    assert "以主管部门审核为准" in text
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.append(descriptor.get_object().get("/FontFile2") is not None)
    assert fonts and all(fonts)  # embedded, not named for the reader to find


def test_a_broken_link_is_explained_not_a_500(client):
    r = client.get("/calculator/result.pdf?c=z1AAAA")
    assert r.status_code == 400 and "链接已损坏" in r.text


def test_without_a_cjk_font_the_pdf_is_refused_in_chinese(monkeypatch):
    from biopolicy.services import exports

    monkeypatch.setattr(exports, "CJK_FONTS", ())
    sheet = exports.Sheet("甲", "企业", "厦门市", "2025-07-01", "2025-07-02", "v", [])
    with pytest.raises(exports.ExportUnavailable, match="中文字体"):
        exports.to_pdf(sheet)
