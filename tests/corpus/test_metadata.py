"""Document metadata of all five documents, and the readings behind it."""

from __future__ import annotations

from datetime import date

import pytest

from biopolicy.corpus.metadata import cited_numbers, in_force

SEEDS = {
    "fj-2023-7": "000_25a2818e9bae69ab.txt",
    "fz-plan": "001_d7bea03aa7600f6c.txt",
    "xm-2023": "002_6a6ac54fa85e598f.txt",
    "xm-2025-1": "003_611ad58f92a2d23b.txt",
    "fj-yj-2025-30": "004_18f6d164d4ccd129.txt",
}


@pytest.mark.parametrize(("doc_id", "seed"), SEEDS.items())
def test_source_file_is_the_seed_name(doc_of, doc_id, seed):
    assert doc_of(doc_id).source_file == seed


@pytest.mark.parametrize(
    ("doc_id", "number"),
    [
        ("fj-2023-7", "闽工信规〔2023〕7号"),
        ("xm-2025-1", "厦科规〔2025〕1号"),
        ("fj-yj-2025-30", "闽药监〔2025〕30号"),
        ("fz-plan", None),
        ("xm-2023", None),
    ],
)
def test_document_number(doc_of, doc_id, number):
    assert doc_of(doc_id).number == number


@pytest.mark.parametrize(
    ("doc_id", "title"),
    [
        ("fj-2023-7", "关于进一步落实《福建省加快生物医药产业高质量发展的实施方案》的若干措施"),
        ("fz-plan", "福州市生物医药产业发展规划"),
        ("xm-2023", "厦门市加快推进生物医药产业高质量发展若干措施"),
        ("xm-2025-1", "厦门市全链条支持生物医药产业高质量发展若干措施"),
        (
            "fj-yj-2025-30",
            "贯彻落实《关于全面深化药品医疗器械监管改革促进医药产业高质量发展的意见》的工作方案",
        ),
    ],
)
def test_title(doc_of, doc_id, title):
    assert doc_of(doc_id).title == title


def test_issuers_of_000_are_the_eleven_signatories(doc_of):
    issuers = doc_of("fj-2023-7").issuers
    assert len(issuers) == 11
    assert issuers[0] == "福建省工业和信息化厅" and issuers[-1] == "福建省地方金融监督管理局"


def test_issuers_of_004_come_from_the_signature_block_not_the_letterhead(doc_of):
    issuers = doc_of("fj-yj-2025-30").issuers
    assert len(issuers) == 11
    assert issuers[0] == "福建省药品监督管理局"
    assert issuers[-2:] == ["福州海关", "厦门海关"]
    assert "福建省发展和改革委员会" in issuers  # missing from the letterhead


def test_issuers_of_003_and_the_unsigned_documents(doc_of):
    assert doc_of("xm-2025-1").issuers == [
        "厦门市科学技术局", "厦门市财政局", "厦门市卫生健康委员会", "厦门市医疗保障局", "厦门市市场监督管理局",
    ]  # fmt: skip
    assert doc_of("xm-2023").issuers == ["厦门市科学技术局"]


@pytest.mark.parametrize(
    ("doc_id", "issued", "start", "end"),
    [
        ("fj-2023-7", date(2023, 9, 4), date(2023, 9, 4), date(2025, 12, 31)),
        ("xm-2023", None, date(2023, 11, 20), date(2026, 12, 31)),
        ("xm-2025-1", date(2025, 4, 29), date(2025, 4, 29), date(2026, 12, 31)),
        ("fj-yj-2025-30", date(2025, 8, 7), date(2025, 8, 7), None),  # from its issue date, no end
        ("fz-plan", None, None, None),
    ],
)
def test_dates_and_in_force_window(doc_of, doc_id, issued, start, end):
    doc = doc_of(doc_id)
    assert (doc.issued, doc.in_force_from, doc.in_force_to) == (issued, start, end)
    assert doc.in_force_note


def test_in_force_notes_say_how_the_window_was_read(doc_of):
    assert "印发日期" in doc_of("fj-2023-7").in_force_note  # the start is the issue date, not stated
    assert "未载明有效期" in doc_of("fj-yj-2025-30").in_force_note
    assert "自印发日期2025-08-07起适用" in doc_of("fj-yj-2025-30").in_force_note
    assert "继续适用" in doc_of("fj-yj-2025-30").in_force_note
    assert "未载明" in doc_of("fz-plan").in_force_note


@pytest.mark.parametrize(
    ("doc_id", "cites"),
    [
        ("fj-2023-7", ["闽政〔2022〕10号"]),
        ("xm-2023", ["闽政〔2022〕10号", "闽工信规〔2023〕7号"]),
        ("fj-yj-2025-30", ["国办发〔2024〕53号"]),
        ("fz-plan", ["发改高技〔2021〕1850号", "闽政〔2022〕10号", "榕政〔2021〕4号"]),
        ("xm-2025-1", []),
    ],
)
def test_cited_documents_by_number_without_spaces(doc_of, doc_id, cites):
    assert doc_of(doc_id).cites == cites


def test_cited_numbers_drop_the_own_number_and_spaces():
    text = "根据（闽政〔2022〕10 号）\n闽工信规〔2023〕7号\n再引（闽政〔2022〕10号）"
    assert cited_numbers(text, "闽工信规〔2023〕7号") == ["闽政〔2022〕10号"]


def test_in_force_readings():
    both = in_force("本措施自2023年11月20日施行，有效期至2026年12月31日。", None)
    assert (both.start, both.end) == (date(2023, 11, 20), date(2026, 12, 31))
    only_end = in_force("本措施执行至2025年12月31日。", date(2023, 9, 4))
    assert (only_end.start, only_end.end) == (date(2023, 9, 4), date(2025, 12, 31))
    assert "起始日取印发日期" in only_end.note
    issued_only = in_force("", date(2025, 8, 7))  # no window stated: from the issue date, no end
    assert (issued_only.start, issued_only.end) == (date(2025, 8, 7), None)
    assert "未载明有效期" in issued_only.note and "继续适用" in issued_only.note
    none = in_force("", None)
    assert (none.start, none.end) == (None, None) and "未载明有效期" in none.note
