"""Bad input to the calculator gets a message naming the field and what is expected; never a trace."""

from __future__ import annotations

import pytest

from biopolicy.domain.case import CaseError
from biopolicy.domain.validation import Problem
from biopolicy.services.calculator import get_calculator
from biopolicy.services.library import NotFound


def base_case(**changes):
    data = {
        "applicant": {"kind": "enterprise", "name": "厦门甲药业", "city": "厦门市"},
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": "2026-03-01",
                "product_id": "p1",
                "stage": "phase_2",
                "rd_investment": "30000000",
                "transferred_city": "厦门市",
            }
        ],
        "as_of": "2026-03-02",
    }
    data.update(changes)
    return data


def problems(data) -> list[Problem]:
    with pytest.raises(CaseError) as info:
        get_calculator().assess(data)
    return info.value.problems


def event(**changes):
    e = base_case()["events"][0] | changes
    return [{k: v for k, v in e.items() if v is not None}]


def test_a_valid_case_is_assessed():
    result = get_calculator().assess(base_case())
    assert any(e.measure_id == "xm-2023/m1-clinical" for e in result.entitlements)


@pytest.mark.parametrize("written", ["III类", "Ⅲ", "三类", "第三类", "3", "III"])
def test_a_device_class_however_written_gets_the_class_iii_award(written):
    case = base_case(
        products=[{"id": "d1", "type": "device", "registration_class": written}],
        events=[
            {
                "id": "e1",
                "type": "first_industrialisation",
                "date": "2026-03-01",
                "product_id": "d1",
                "cumulative_sales": "600000",
            }
        ],
    )
    result = get_calculator().assess(case)
    got = next(e for e in result.entitlements if e.measure_id == "xm-2023/m2-device")
    assert got.amount.value == 1000000


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (base_case(events=event(type="phase_done")), "events[0].type", "未知的成果类型"),
        (base_case(events=event(rd_investment="-5")), "events[0].rd_investment", "不能为负数"),
        (base_case(events=event(rd_investment="三千万")), "events[0].rd_investment", "数字"),
        (base_case(events=event(date="2026-02-30")), "events[0].date", "YYYY-MM-DD"),
        (base_case(events=event(stage="phase_4")), "events[0].stage", "preclinical"),
        (
            base_case(events=event(introduced="yes")),
            "events[0].introduced",
            "true 或 false",
        ),
        (base_case(events=event(colour="red")), "events[0].colour", "没有属性 colour"),
        (
            base_case(products=[{"id": "p1", "type": "chemical", "registration_class": "9"}]),
            "products[0].registration_class",
            "应为 1（境内外均未上市的创新药）",
        ),
        (
            base_case(events=event(transferred_city="上海市")),
            "events[0].transferred_city",
            "福建省外",
        ),
        (base_case(events=event(product_id="p9")), "events[0].product_id", "没有 id 为“p9”的产品"),
        (base_case(as_of="tomorrow"), "as_of", "YYYY-MM-DD"),
        ({k: v for k, v in base_case().items() if k != "applicant"}, "applicant", "缺少必填字段"),
        (
            base_case(applicant={"kind": "company", "name": "x", "city": "厦门市"}),
            "applicant.kind",
            "enterprise",
        ),
        (
            base_case(applicant={"kind": "enterprise", "name": "x", "city": "厦门"}),
            "applicant.city",
            "厦门市",
        ),
        (
            base_case(applicant={"kind": "enterprise", "name": "x", "city": "厦门市", "district": "鼓楼区"}),
            "applicant.district",
            "思明区",
        ),
        (
            base_case(prior_awards=[{"measure_id": "xm-2023/m99", "amount": "1", "date": "2025-01-01"}]),
            "prior_awards[0].measure_id",
            "没有 id 为“xm-2023/m99”的措施",
        ),
        (
            base_case(prior_awards=[{"amount": "1", "date": "2025-01-01"}]),
            "prior_awards[0]",
            "measure_id",
        ),
        (base_case(products=[{"id": "p1", "type": "vaccine"}]), "products[0].type", "未知的产品类型"),
        (base_case(unexpected=1), "unexpected", "不认识的字段"),
    ],
)
def test_bad_input_names_the_field_and_what_is_expected(data, field, words):
    found = problems(data)
    assert any(p.path.startswith(field) and words in p.message for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems(base_case(events=event(rd_investment="-1", stage="phase_9")))
    assert len(found) == 2


def test_an_applicant_outside_fujian_is_not_an_error_but_covered_by_no_measure():
    data = base_case(applicant={"kind": "enterprise", "name": "x", "province": "广东省", "city": "深圳市"})
    result = get_calculator().assess(data)
    assert result.covered is False and result.entitlements == []
    assert "没有措施覆盖" in result.coverage_note


def test_as_of_overrides_the_case_date():
    result = get_calculator().assess(base_case(), as_of=__import__("datetime").date(2026, 1, 1))
    assert result.as_of == "2026-01-01"
    assert all(e.planned for e in result.entitlements)


def test_measures_by_document_and_unknown_ids():
    calc = get_calculator()
    assert {m.doc_id for m in calc.measures("xm-2023")} == {"xm-2023"}
    with pytest.raises(NotFound):
        calc.measures("xm-2099")
    with pytest.raises(NotFound):
        calc.measure("xm-2023/nothing")
    assert [m.id for m in calc.measures_citing("xm-2023/m16")][0].startswith("xm-2023/m16")
