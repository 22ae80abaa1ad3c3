"""Every step the engine can record has Chinese words, and the words never show an internal id."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from biopolicy.domain.assessment import AmountKind, AmountResult, Step, StepCode, YearTotal
from biopolicy.services.calculator import get_calculator
from biopolicy.services.wording import (
    amount_text,
    expiry_notice,
    kind_word,
    summary,
    word_step,
    yuan,
    yuan_parts,
)

MEASURE = "xm-2023/m1-clinical"
SIDE = [{"measure_id": MEASURE, "kind": "at_most", "value": "1000000", "ceiling_only": False}]
HOLDER = {
    "measure_id": MEASURE,
    "programme": None,
    "prior": False,
    "paid_on": "2025-01-01",
    "event_id": "e1",
    "value": "1",
}
VALUES = {  # one realistic set of values per code, as the engine records them
    StepCode.applicant_kind: {"kinds": ["enterprise"], "actual": "medical_institution"},
    StepCode.place: {"places": ["厦门市"], "where": "福建省福州市"},
    StepCode.before_window: {"date": "2020-01-01", "from": "2023-11-20"},
    StepCode.after_window: {"date": "2027-01-01", "to": "2026-12-31"},
    StepCode.in_window: {"date": "2025-01-01", "from": "2023-11-20", "to": None},
    StepCode.no_window: {"date": "2025-01-01"},
    StepCode.condition_failed: {"failing": "完成Ⅲ期临床试验"},
    StepCode.no_tier: {"labels": ["一档", "二档"]},
    StepCode.tier: {"label": "一档"},
    StepCode.unknown_amount: {"basis": "按有关规定", "cap": "5000000"},
    StepCode.per_unit: {
        "unit": "200000",
        "count": "3",
        "per": "event.count",
        "per_label": "新增专业数",
        "value": "600000",
    },
    StepCode.fixed: {"kind": "exact", "value": "1000000"},
    StepCode.ceiling_only: {"cap": "6000000"},
    StepCode.waiver: {"base": "event.fee", "label": "费用金额", "value": None},
    StepCode.headroom_missing: {"label": "余额", "missing_labels": ["总额"]},
    StepCode.headroom_cut: {"label": "余额", "room": "1", "from": "2"},
    StepCode.headroom_ok: {"label": "余额", "room": "2"},
    StepCode.rate_missing: {
        "label": "研发投入",
        "kind": "at_most",
        "rate": "0.4",
        "ratio": None,
        "cap": None,
    },
    StepCode.rated: {
        "base": "event.rd",
        "label": "研发投入",
        "amount": "100",
        "kind": "at_most",
        "rate": "0.4",
        "ratio": None,
        "value": "40",
    },
    StepCode.item_cap_cut: {"cap": "100"},
    StepCode.item_cap_ok: {"cap": "100"},
    StepCode.once_no_product: {"scope": "product"},
    StepCode.once_already: {
        "scope": "product",
        "key": "某药",
        "prior": True,
        "paid_on": "2024-01-01",
        "value": "1",
        "event_id": None,
    },
    StepCode.once_pending: {"scope": "subject", "event_id": "e1", "event_date": "2025-01-01"},
    StepCode.once_first: {"scope": "product", "key": "某药"},
    StepCode.top_up: {
        "to": "10",
        "already": "5",
        "counted": [{"name": MEASURE, "measure_id": MEASURE, "value": "5"}],
        "due": "5",
    },
    StepCode.top_up_at_least: {},
    StepCode.cap_cut: {
        "cap_id": "xm-2023/cap/x",
        "label": "年度上限",
        "scope": "applicant_year",
        "year": 2025,
        "amount": "10",
        "taken": "5",
        "from": "8",
        "to": "5",
    },
    StepCode.cap_held_by: {"taken": "5", "holders": [HOLDER], "count": 1},
    StepCode.cap_at_most: {},
    StepCode.cap_ok: {
        "cap_id": "xm-2023/cap/x",
        "label": "年度上限",
        "scope": "product",
        "year": 2025,
        "amount": "10",
        "taken": "0",
    },
    StepCode.overlap_together: {"overlap_id": "o", "excerpt": "就高从优", "measures": [MEASURE]},
    StepCode.overlap_unresolved: {"overlap_id": "o", "excerpt": "就高从优", "sides": [SIDE, SIDE]},
    StepCode.overlap_lost: {"overlap_id": "o", "excerpt": "就高从优", "best": [MEASURE], "best_total": "1"},
    StepCode.overlap_won: {
        "overlap_id": "o",
        "excerpt": "就高从优",
        "measures": [MEASURE],
        "together": [],
        "pending": [MEASURE],
        "already": "1",
        "net": "2",
    },
    StepCode.overlap_excluded: {"overlap_id": "o", "excerpt": "不重复享受", "earlier": [MEASURE]},
    StepCode.instalment: {"n": 1, "year": 2025, "share": "0.5", "amount": "100"},
    StepCode.funding: {"excerpt": "由市财政负担", "payer": "厦门市"},
    StepCode.note: {"text": "原文未限定申请主体类型"},
    StepCode.worded: {"text": "自 2026-01-01 起适用新的数值：上限 300万元（3,000,000元）"},
}
RAW_ID = re.compile(r"[a-z]+-\d{4}[\w-]*/|\b[a-z]+_[a-z_]+\b")


def test_every_step_code_has_example_values():
    assert set(VALUES) == set(StepCode)


@pytest.mark.parametrize("code", list(StepCode))
def test_every_step_code_is_worded_without_raw_ids(code):
    text = word_step(Step(code=code, values=VALUES[code]), get_calculator().names)
    assert text and not RAW_ID.search(text), text


def test_measures_are_named_by_title_and_clauses_by_short_name_and_label():
    names = get_calculator().names
    text = word_step(Step(code=StepCode.overlap_excluded, values=VALUES[StepCode.overlap_excluded]), names)
    assert get_calculator().measure(MEASURE).title in text
    assert names.clause("xm-2023/m1").startswith("厦门市2023年若干措施（一）")
    assert "厦门市加快推进生物医药产业高质量发展若干措施" in names.document_title("xm-2023")


def test_each_amount_kind_has_one_word():
    assert [kind_word(k) for k in ("exact", "at_most", "at_least", "unknown", "waiver")] == [
        "确定金额",
        "最高可得",
        "至少",
        "金额无法算出",
        "免收费用",
    ]


def test_expiry_is_told_within_90_days_and_after_the_end_not_before():
    end = date(2026, 12, 31)
    assert expiry_notice(end, date(2026, 10, 1)) is None  # 91 days before
    assert "2026-12-31" in expiry_notice(end, date(2026, 10, 2))  # 90 days before
    assert "已于 2026-12-31 到期失效" in expiry_notice(end, date(2027, 1, 1))
    assert expiry_notice(None, date(2027, 1, 1)) is None


def test_the_summary_says_what_is_certain_the_most_and_what_is_open():
    t = YearTotal(year=None, exact=Decimal(1_000_000), max_obtainable=Decimal(7_000_000))
    text = summary(t, ["x"], pending=2, unresolved=1)
    assert "可以确定获得 100万元（1,000,000元）" in text and "最多可能获得 700万元（7,000,000元）" in text
    assert (
        "1 组只能择一享受" in text
        and "1 项措施的金额要由主管部门核定" in text
        and "2 项措施还需补充信息" in text
    )
    nothing = summary(YearTotal(year=None), [], 0, 0)
    assert "尚没有可以确定的金额" in nothing and "最多" not in nothing


def test_amount_kind_is_an_enum_of_domain():
    assert AmountResult(kind=AmountKind.at_most).kind == "at_most"


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("0", "0元"),
        ("5000", "5,000元"),  # below 1万元: the yuan alone
        ("9999.99", "9,999.99元"),
        ("10000", "1万元（10,000元）"),  # from 1万元 on: 万元 first, the exact yuan in brackets
        ("800000", "80万元（800,000元）"),
        ("12345.67", "1.234567万元（12,345.67元）"),  # fen kept when not whole yuan
        ("150000000", "15000万元（150,000,000元）"),
        ("200000000", "2亿元（200,000,000元）"),  # whole 亿元 as the texts write them
    ],
)
def test_money_has_one_written_form_wan_first_then_the_exact_yuan(amount, written):
    assert yuan(Decimal(amount)) == written
    main, exact = yuan_parts(Decimal(amount))  # the calculator sets the halves large and small
    assert (f"{main}（{exact}）" if exact else main) == written


def test_an_amount_with_its_kind_uses_the_one_written_form():
    assert (
        amount_text(kind=AmountKind.at_most, value=Decimal(12_000_000)) == "最高可得 1200万元（12,000,000元）"
    )
    assert amount_text(kind=AmountKind.unknown, value=None) == "金额无法算出"
