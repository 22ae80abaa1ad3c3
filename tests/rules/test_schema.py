"""Model-level rules of the rule language: what a single measure, amount or condition may say.

These checks need no corpus: they refuse a rule whose shape cannot mean anything, with a Chinese
message that says what to write instead.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from biopolicy.domain.validation import describe
from biopolicy.rules.schema import (
    All,
    AmountSpec,
    AmountTable,
    AnyOf,
    Cap,
    CategoryRef,
    Compare,
    Instalments,
    Measure,
    Not,
    Overlap,
    PolicyFile,
    Window,
)

MEASURE = {
    "id": "xm-2023/m20-talent",
    "title": "生物医药企业引进人才补贴",
    "clauses": ["xm-2023/m20"],
    "excerpt": "经审核确认的给予最高80万元补贴",
    "applicant": {"kinds": ["enterprise"], "places": ["厦门市"]},
    "event": "talent_recruited",
    "amount": {"kind": "at_most", "cap": "800000"},
}


def _messages(model, data) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(data)
    return describe(exc.value)


# ---------------------------------------------------------------- conditions


def test_compare_with_one_operator_is_read():
    c = Compare.model_validate({"fact": "event.stage", "eq": "phase_2"})
    assert (c.operator, c.operand) == ("eq", "phase_2")


@pytest.mark.parametrize(
    "data, count",
    [
        ({"fact": "event.stage"}, 0),
        ({"fact": "event.revenue", "gte": "20000000", "lt": "100000000"}, 2),
        ({"fact": "event.stage", "eq": "phase_2", "in": ["phase_3"]}, 2),
    ],
)
def test_compare_needs_exactly_one_operator(data, count):
    (message,) = _messages(Compare, data)
    assert f"条件 {data['fact']} 应恰有一个比较运算" in message and f"收到 {count} 个" in message
    assert "within_years" in message  # the message lists the operators to choose from


def test_compare_reads_in_and_not_as_written_in_yaml():
    c = Compare.model_validate({"fact": "product.type", "in": ["chemical", "biologic"]})
    assert (c.operator, c.operand) == ("in_", ["chemical", "biologic"])
    n = Not.model_validate({"not": {"fact": "event.stage", "eq": "preclinical"}})
    assert isinstance(n.not_, Compare)


def test_numeric_thresholds_are_decimals_not_floats():
    # 2000万元以上 → gte 20000000; a float would compare 0.1+0.2 wrongly
    c = Compare.model_validate({"fact": "event.revenue", "gte": "20000000"})
    assert c.gte == Decimal("20000000") and isinstance(c.gte, Decimal)


def test_nested_conditions_keep_their_shape():
    cond = {"all": [{"category": "innovative"}, {"any": [{"fact": "event.stage", "eq": "phase_1"}]}]}
    row = AmountTable.model_validate(
        {"table": [{"label": "x", "when": cond, "amount": {"kind": "exact", "value": "1"}}]}
    )
    when = row.table[0].when
    assert isinstance(when, All)
    assert isinstance(when.all[0], CategoryRef) and isinstance(when.all[1], AnyOf)


def test_an_empty_amount_table_is_refused():
    assert any("table" in m for m in _messages(AmountTable, {"table": []}))


# ---------------------------------------------------------------- amounts


def test_rate_needs_a_base():
    (message,) = _messages(AmountSpec, {"kind": "at_most", "rate": "40%", "cap": "4000000"})
    assert "与 base 应同时写明" in message


def test_base_needs_a_rate():
    (message,) = _messages(AmountSpec, {"kind": "at_most", "base": "event.rd_investment", "cap": "4000000"})
    assert "与 base 应同时写明" in message


def test_rate_is_read_as_a_fraction():
    spec = AmountSpec.model_validate({"kind": "at_most", "rate": "40%", "base": "event.rd_investment"})
    assert spec.rate == Decimal("0.4")
    assert ("percent", Decimal("40")) in spec.figures()  # checked against 40% in the clause


@pytest.mark.parametrize("rate", ["140%", "-5%", "四成"])
def test_rate_outside_0_to_100_percent_or_not_a_number_is_refused(rate):
    (message,) = _messages(AmountSpec, {"kind": "exact", "rate": rate, "base": "event.total_amount"})
    assert "比例" in message


@pytest.mark.parametrize("value", ["-1", "三百万", True])
def test_money_that_is_negative_or_not_a_number_is_refused(value):
    (message,) = _messages(AmountSpec, {"kind": "exact", "value": value})
    assert "金额" in message


def test_money_is_a_decimal_of_yuan():
    spec = AmountSpec.model_validate({"kind": "exact", "value": "2,000,000"})
    assert spec.value == Decimal("2000000")


def test_top_up_needs_to():
    (message,) = _messages(AmountSpec, {"kind": "top_up", "net_of": ["xm-2023/m16-city-accepted"]})
    assert "top_up 金额应写明 to" in message


def test_top_up_figures_include_its_target():
    spec = AmountSpec.model_validate({"kind": "top_up", "to": "10000000", "net_of": ["a"]})
    assert spec.figures() == [("money", Decimal("10000000"))]


def test_unknown_needs_basis():
    (message,) = _messages(AmountSpec, {"kind": "unknown"})
    assert "unknown 金额应在 basis 中引用原文的依据" in message
    assert AmountSpec.model_validate({"kind": "unknown", "basis": "按照有关规定给予奖励"}).figures() == []


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("exact", "exact 金额应写明 value 或 rate+base"),
        ("at_most", "at_most 金额应写明 cap、value 或 rate+base 之一"),
        ("at_least", "at_least 金额应写明 value 或 rate+base"),
    ],
)
def test_an_amount_without_a_figure_is_refused(kind, expected):
    (message,) = _messages(AmountSpec, {"kind": kind})
    assert expected in message


def test_a_ceiling_alone_is_an_at_most_amount():
    spec = AmountSpec.model_validate({"kind": "at_most", "cap": "800000"})
    assert spec.figures() == [("money", Decimal("800000"))]


def test_an_unknown_amount_kind_is_refused_with_the_choices():
    messages = _messages(AmountSpec, {"kind": "maximum", "value": "1"})
    assert any("exact" in m and "top_up" in m for m in messages)


# ---------------------------------------------------------------- instalments


def test_instalment_shares_must_sum_to_100_percent():
    (message,) = _messages(Instalments, {"shares": ["40%", "30%", "20%"]})
    assert "instalments.shares 之和应为100%" in message


def test_instalment_shares_over_100_percent_are_refused():
    (message,) = _messages(Instalments, {"shares": ["40%", "30%", "40%"]})
    assert "之和应为100%" in message


def test_instalments_need_at_least_two_shares():
    assert _messages(Instalments, {"shares": ["100%"]})


def test_instalment_shares_that_sum_to_100_percent_are_read():
    assert Instalments.model_validate({"shares": ["40%", "30%", "30%"]}).shares == [
        Decimal("0.4"),
        Decimal("0.3"),
        Decimal("0.3"),
    ]


# ---------------------------------------------------------------- measures, caps, overlaps


def test_a_measure_reads_with_its_defaults():
    m = Measure.model_validate(MEASURE)
    assert m.excerpts == ["经审核确认的给予最高80万元补贴"]
    assert m.in_force is None and m.conditions is None and m.notes == []
    assert [s.cap for s in m.amount_specs()] == [Decimal("800000")]


def test_a_measure_must_cite_at_least_one_clause():
    assert "clauses：至少应有 1 项" in _messages(Measure, {**MEASURE, "clauses": []})


def test_a_measure_must_name_at_least_one_applicant_kind_and_place():
    messages = _messages(Measure, {**MEASURE, "applicant": {"kinds": [], "places": []}})
    assert "applicant.kinds：至少应有 1 项" in messages and "applicant.places：至少应有 1 项" in messages


def test_an_unknown_applicant_kind_is_refused():
    messages = _messages(Measure, {**MEASURE, "applicant": {"kinds": ["company"], "places": ["厦门市"]}})
    assert any(m.startswith("applicant.kinds[0]：应为") and "enterprise" in m for m in messages)


def test_a_misspelt_measure_field_is_refused():
    assert "titel：不认识的字段（请检查拼写），收到 'x'" in _messages(Measure, {**MEASURE, "titel": "x"})


def test_a_measure_may_quote_several_excerpts():
    m = Measure.model_validate({**MEASURE, "excerpt": ["经审核确认的", "按40%、30%、30%的比例分3年发放"]})
    assert len(m.excerpts) == 2


def test_in_force_reads_from_and_to():
    w = Window.model_validate({"from": "2023-11-20", "to": "2026-12-31"})
    assert (w.from_, w.to) == (date(2023, 11, 20), date(2026, 12, 31))
    assert "in_force.from：应为 YYYY-MM-DD 格式的日期，收到 '2023年11月20日'" in _messages(
        Measure, {**MEASURE, "in_force": {"from": "2023年11月20日"}}
    )


def test_a_cap_scope_must_be_one_of_the_five():
    cap = {
        "id": "c",
        "label": "年度上限",
        "scope": "per_year",
        "amount": "100000000",
        "measures": ["m"],
        "clauses": ["xm-2023/m1/p2"],
        "excerpt": "每年",
    }
    messages = _messages(Cap, cap)
    assert any("scope" in m and "applicant_year" in m for m in messages)


OVERLAP = {
    "id": "o",
    "kind": "highest_only",
    "measures": ["a"],
    "clauses": ["c"],
    "excerpt": "就高从优不重复",
}


def test_an_overlap_needs_two_measures():
    assert any(m.startswith("measures：") for m in _messages(Overlap, OVERLAP))
    assert Overlap.model_validate({**OVERLAP, "measures": ["a", "b"]}).measures == ["a", "b"]


def test_an_overlap_with_one_measure_is_told_it_needs_two():
    assert _messages(Overlap, OVERLAP) == ["measures：至少应有 2 项"]


def test_a_policy_file_needs_a_document():
    assert "document：缺少必填字段" in _messages(PolicyFile, {"measures": []})
