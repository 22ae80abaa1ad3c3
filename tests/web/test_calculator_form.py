"""The calculator form ⇄ case: what each row asks for, typed values to a case, every problem on its
field in Chinese, and the share-link codec."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from biopolicy.domain.case import CaseError
from biopolicy.domain.validation import Problem
from biopolicy.rules.loader import load_catalogue
from biopolicy.services.calculator import get_calculator
from biopolicy.web.forms.calculator import (
    EXTERNAL,
    GENERAL,
    MAX_AWARDS,
    MAX_EVENTS,
    ShareLinkError,
    attach_problems,
    build_case,
    case_to_form,
    decode_case,
    encode_case,
    form_specs,
    parse_date,
    parse_yuan,
    read_form,
    remove_event_row,
)

TODAY = date(2025, 9, 30)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def phase2(**extra):
    fields = {
        "kind": "enterprise",
        "name": "厦门甲药业",
        "city": "厦门市",
        "district": "海沧区",
        "as_of": "2025-09-30",
        "e0.type": "clinical_stage_completed",
        "e0.date": "2025-06-30",
        "e0.product_type": "chemical",
        "e0.registration_class": "1",
        "e0.attr.stage": "phase_2",
        "e0.attr.rd_investment": "30000000",
        "e0.attr.transferred_city": "厦门市",
    }
    return fields | extra


def built(catalogue, fields):
    form = read_form(fields.items())
    return form, build_case(form, catalogue, TODAY)


# ---------------------------------------------------------------- what a row asks for


def test_each_event_type_row_follows_the_catalogue(catalogue):
    specs = form_specs(catalogue)
    assert list(specs) == list(catalogue.events)
    clinical = specs["clinical_stage_completed"]
    assert clinical.has_product and not clinical.has_subject
    fields = {f.name: f for f in clinical.fields}
    assert fields["rd_investment"].type == "money" and "万元" in fields["rd_investment"].hint
    assert ("phase_2", "Ⅱ期临床试验") in fields["stage"].options
    assert fields["introduced"].type == "bool"
    assert (
        fields["transferred_city"].type == "enum"
        and ("福州市", "福州市") in fields["transferred_city"].options
    )
    talent = specs["talent_recruited"]
    assert talent.has_subject and not talent.has_product
    assert {f.name: f.type for f in talent.fields} == {"role": "enum", "recruited_on": "date"}


# ---------------------------------------------------------------- form -> case


def test_a_filled_form_becomes_the_case_the_api_takes(catalogue):
    form, b = built(catalogue, phase2())
    assert form.errors == {}
    assert b.case == {
        "applicant": {
            "kind": "enterprise",
            "name": "厦门甲药业",
            "province": "福建省",
            "city": "厦门市",
            "district": "海沧区",
        },
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": "2025-06-30",
                "stage": "phase_2",
                "rd_investment": "30000000",
                "transferred_city": "厦门市",
                "product_id": "p1",
            }
        ],
        "as_of": "2025-09-30",
    }
    result = get_calculator().assess(b.case)
    m1 = next(e for e in result.entitlements if e.measure_id == "xm-2023/m1-clinical")
    assert m1.amount.value == Decimal("12000000")


def test_blank_rows_and_unknown_answers_are_left_out(catalogue):
    form, b = built(
        catalogue,
        phase2(**{"e0.attr.transferred_city": "", "e0.attr.stage": "", "e3.type": "", "e3.date": ""}),
    )
    assert form.errors == {}
    assert len(b.case["events"]) == 1
    assert "stage" not in b.case["events"][0] and "transferred_city" not in b.case["events"][0]


def test_rows_naming_the_same_product_share_it(catalogue):
    same = {
        "e0.product_name": "甲片",
        "e1.type": "clinical_stage_completed",
        "e1.date": "2026-06-30",
        "e1.product_type": "chemical",
        "e1.registration_class": "1",
        "e1.product_name": "甲片",
        "e1.attr.stage": "phase_3",
    }
    _, b = built(catalogue, phase2(**same))
    assert [p["id"] for p in b.case["products"]] == ["p1"]
    assert [e["product_id"] for e in b.case["events"]] == ["p1", "p1"]
    _, b = built(catalogue, phase2(**(same | {"e1.product_name": ""})))
    assert [e["product_id"] for e in b.case["events"]] == ["p1", "p2"]


def test_the_district_counts_only_in_xiamen(catalogue):
    _, b = built(catalogue, phase2(city="福州市", district="海沧区"))
    assert "district" not in b.case["applicant"]


def test_a_missing_name_and_as_of_get_defaults(catalogue):
    form, b = built(catalogue, phase2(name="", as_of=""))
    assert b.case["applicant"]["name"] and b.case["as_of"] == TODAY.isoformat()
    assert form.as_of == TODAY.isoformat()


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("30000000", "30000000"),
        ("30,000,000元", "30000000"),
        ("3000万", "30000000"),
        ("3000万元", "30000000"),
        ("0.5万", "5000"),
        ("1.2亿", "120000000"),
        ("0", "0"),
    ],
)
def test_money_is_read_as_people_write_it(text, yuan):
    amount, problem = parse_yuan(text)
    assert problem is None and amount == Decimal(yuan)


@pytest.mark.parametrize(
    ("text", "words"), [("-5", "负数"), ("三千万", "数字"), ("1e9", "数字"), ("NaN", "数字")]
)
def test_bad_money_says_what_is_wrong(text, words):
    _, problem = parse_yuan(text)
    assert words in problem


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-06-30", date(2025, 6, 30)),
        ("2025/6/3", date(2025, 6, 3)),
        ("2025年6月30日", date(2025, 6, 30)),
        ("2026-06", date(2026, 6, 30)),
        ("2026年2月", date(2026, 2, 28)),
        ("2025-02-30", None),
        ("明年", None),
        ("2025-13", None),
    ],
)
def test_dates_are_read_as_people_write_them(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        ({"kind": ""}, "kind", "请选择申请人类型"),
        ({"kind": "robot"}, "kind", "企业"),
        ({"city": ""}, "city", "请选择所在城市"),
        ({"city": "上海市"}, "city", "厦门市"),
        ({"district": "鼓浪屿"}, "district", "思明区"),
        ({"as_of": "昨天"}, "as_of", "查询日"),
        ({"e0.type": ""}, "e0.type", "请选择成果类型"),
        ({"e0.type": "moon_landing"}, "e0.type", "未知的成果类型"),
        ({"e0.date": ""}, "e0.date", "请填写成果的日期"),
        ({"e0.date": "2025-02-30"}, "e0.date", "YYYY-MM-DD"),
        ({"e0.attr.rd_investment": "-5"}, "e0.attr.rd_investment", "不能为负数"),
        ({"e0.attr.rd_investment": "很多"}, "e0.attr.rd_investment", "金额应为数字"),
        ({"e0.attr.stage": "phase_4"}, "e0.attr.stage", "Ⅱ期临床试验"),
        ({"e0.attr.introduced": "maybe"}, "e0.attr.introduced", "不清楚"),
        ({"e0.attr.transferred_city": "北京市"}, "e0.attr.transferred_city", "福建省外"),
        ({"e0.registration_class": "9"}, "e0.registration_class", "注册分类"),
        ({"e0.product_type": ""}, "e0.product_type", "产品类型"),
        ({"name": "名" * 500}, "name", "内容过长"),
    ],
)
def test_every_form_problem_is_on_its_field_in_chinese(catalogue, fields, key, words):
    form, b = built(catalogue, phase2(**fields))
    assert b.case is None
    assert any(words in m for m in form.errors_of(key)), form.errors


def test_a_form_without_any_achievement_says_so(catalogue):
    form, b = built(catalogue, {"kind": "enterprise", "city": "厦门市", "e0.type": "", "e0.date": ""})
    assert b.case is None and "请至少填写一项成果" in form.errors_of("events")[0]


def test_the_form_keeps_what_was_typed(catalogue):
    form, _ = built(catalogue, phase2(**{"e0.attr.rd_investment": "三千万", "e0.date": "下个月"}))
    assert form.rows[0].get("attr.rd_investment") == "三千万"
    assert form.rows[0].get("date") == "下个月"
    assert form.city == "厦门市"


def test_rows_are_renumbered_in_order_after_gaps(catalogue):
    form = read_form(
        [("e7.type", "talent_recruited"), ("e2.type", "honour_awarded"), ("e2.date", "2025-01-01")]
    )
    assert [r.get("type") for r in form.rows] == ["honour_awarded", "talent_recruited"]


def test_more_than_the_maximum_of_rows_is_refused(catalogue):
    fields = phase2()
    for i in range(1, MAX_EVENTS + 5):
        fields |= {f"e{i}.type": "honour_awarded", f"e{i}.date": "2025-01-01"}
    form, b = built(catalogue, fields)
    assert b.case is None
    assert any(str(MAX_EVENTS) in m for m in form.errors_of(GENERAL) + form.errors_of("events"))


# ---------------------------------------------------------------- CaseError -> fields


def test_case_errors_land_on_the_row_and_field_they_name(catalogue):
    fields = phase2(
        **{
            "e1.type": "talent_recruited",
            "e1.date": "2025-08-01",
            "e1.attr.role": "research",
            "e2.type": "clinical_stage_completed",
            "e2.date": "2025-08-01",
            "e2.product_type": "chemical",
            "e2.attr.rd_investment": "1",
        }
    )
    form, b = built(catalogue, fields)
    problems = [
        Problem(("events", 2, "rd_investment"), "该阶段研发投入（元）不能为负数"),
        Problem(("events", 1, "date"), "应为 YYYY-MM-DD 格式的日期"),
        Problem(("products", 1, "type"), "未知的产品类型“x”"),
        Problem(("applicant", "city"), "福建省内的城市应为……"),
        Problem(("as_of",), "缺少必填字段"),
        Problem(("prior_awards", 0, "measure_id"), "没有 id 为“x”的措施"),
        Problem((), "没有位置的整体问题"),
    ]
    attach_problems(form, problems, b)
    assert form.errors_of("e2.attr.rd_investment") == ["该阶段研发投入（元）不能为负数"]
    assert form.errors_of("e1.date") == ["应为 YYYY-MM-DD 格式的日期"]
    assert form.errors_of("e2.product_type") == ["未知的产品类型“x”"]
    assert form.errors_of("city") and form.errors_of("as_of")
    assert len(form.errors_of(GENERAL)) == 2


def test_the_calculators_own_problems_reach_the_form(catalogue):
    form, b = built(catalogue, phase2())
    b.case["events"][0]["stage"] = "phase_9"  # past the form, as a hand-made share link would be
    with pytest.raises(CaseError) as info:
        get_calculator().assess(b.case)
    attach_problems(form, info.value.problems, b)
    assert "phase_9" in form.errors_of("e0.attr.stage")[0]


# ---------------------------------------------------------------- case -> form and the link


def test_a_case_fills_the_form_back(catalogue):
    _, b = built(catalogue, phase2(**{"e0.product_name": "甲片"}))
    form = case_to_form(b.case)
    assert (form.kind, form.city, form.district, form.as_of) == (
        "enterprise",
        "厦门市",
        "海沧区",
        "2025-09-30",
    )
    row = form.rows[0]
    assert row.get("attr.rd_investment") == "30000000"
    assert row.get("attr.transferred_city") == "厦门市"
    assert (row.get("product_type"), row.get("registration_class"), row.get("product_name")) == (
        "chemical",
        "1",
        "甲片",
    )
    _, again = built(catalogue, {k: v for k, v in _flat(form).items()})
    assert again.case == b.case


def _flat(form):
    out = {k: getattr(form, k) for k in ("kind", "name", "city", "district", "as_of")}
    for i, row in enumerate(form.rows):
        out |= {f"e{i}.{k}": v for k, v in row.values.items()}
    for i, row in enumerate(form.awards):
        out |= {f"a{i}.{k}": v for k, v in row.values.items()}
    return out


@pytest.mark.parametrize(
    "junk",
    [None, [], "text", 5, {"applicant": "x", "events": "y"}, {"events": [1, None]}, {"products": True}],
)
def test_any_json_fills_the_form_without_failing(junk):
    case_to_form(junk)


def test_the_share_link_round_trips_a_case(catalogue):
    _, b = built(catalogue, phase2())
    token = encode_case(b.case)
    assert "=" not in token and "+" not in token and "/" not in token
    assert decode_case(token) == b.case
    assert decode_case(token + "==") == b.case


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "为空"),
        ("not base64!", "base64url 以外的字符"),
        ("a", "无法按 base64url 解码"),
        (_b64(b"\xff\xfe\x00"), "UTF-8"),
        (_b64(b"{not json"), "不是有效的 JSON"),
        (_b64(b"[1, 2]"), "JSON 对象"),
        (_b64(b'"case"'), "JSON 对象"),
        ("A" * 100_000, "过长"),
        (_b64(b"[" * 5000 + b"]" * 5000), "JSON"),
    ],
)
def test_a_broken_share_link_says_what_is_wrong(token, words):
    with pytest.raises(ShareLinkError) as info:
        decode_case(token)
    assert words in str(info.value)


# ---------------------------------------------------------------- awards already received (已获奖励)

MEASURES = frozenset(get_calculator().rules.measures)


def with_awards(**extra):
    """Phase II of 甲片 and a centre's acceptance, with three awards: one for 甲片's Phase I under
    the city measure, one external programme for the Phase II row, one for the centre."""
    return phase2(
        **{
            "e0.product_name": "甲片",
            "e1.type": "clinical_research_centre_milestone",
            "e1.date": "2025-06-01",
            "e1.subject": "心血管中心",
            "e1.attr.level": "provincial",
            "e1.attr.milestone": "accepted",
            "a0.measure_id": "xm-2023/m1-clinical",
            "a0.amount": "3000万",
            "a0.date": "2024-05-01",
            "a0.product_name": "甲片",
            "a1.measure_id": EXTERNAL,
            "a1.programme": "国家重大新药创制专项",
            "a1.level": "national",
            "a1.amount": "1.2亿",
            "a1.date": "2025/7/1",
            "a1.event": "e0",
            "a2.measure_id": "xm-2023/m16-city-accepted",
            "a2.amount": "2,000,000元",
            "a2.date": "2024-06",
            "a2.subject": "心血管中心",
        }
        | extra
    )


def built_with_measures(catalogue, fields):
    form = read_form(fields.items())
    return form, build_case(form, catalogue, TODAY, MEASURES)


def test_awards_become_the_cases_prior_awards(catalogue):
    form, b = built_with_measures(catalogue, with_awards())
    assert form.errors == {}
    assert b.case["prior_awards"] == [
        {"measure_id": "xm-2023/m1-clinical", "amount": "30000000", "date": "2024-05-01", "product_id": "p1"},
        {
            "programme": "国家重大新药创制专项",
            "level": "national",
            "amount": "120000000",
            "date": "2025-07-01",
            "event_id": "e1",
        },
        {
            "measure_id": "xm-2023/m16-city-accepted",
            "amount": "2000000",
            "date": "2024-06-30",
            "subject": "心血管中心",
        },
    ]
    assert b.award_rows == [0, 1, 2]
    get_calculator().assess(b.case)  # the calculator takes it as it is


def test_a_case_without_awards_has_no_prior_awards_and_blank_award_rows_are_ignored(catalogue):
    _, b = built(catalogue, phase2(**{"a0.measure_id": "", "a0.amount": " ", "a0.event": ""}))
    assert "prior_awards" not in b.case


def test_an_award_for_a_product_no_row_names_keeps_its_own_product(catalogue):
    _, b = built(catalogue, with_awards(**{"a0.product_name": "乙胶囊"}))
    assert b.case["prior_awards"][0]["product_id"] == "乙胶囊"
    _, b = built(catalogue, with_awards(**{"e0.product_name": "", "a0.product_name": "p1"}))
    assert b.case["prior_awards"][0]["product_id"] != "p1"  # not the unnamed product p1


def test_awards_round_trip_through_the_case(catalogue):
    _, b = built_with_measures(catalogue, with_awards())
    form = case_to_form(b.case)
    assert [a.get("measure_id") for a in form.awards] == [
        "xm-2023/m1-clinical",
        EXTERNAL,
        "xm-2023/m16-city-accepted",
    ]
    assert form.awards[1].get("event") == "e0" and form.awards[1].get("level") == "national"
    assert form.awards[0].get("product_name") == "甲片"
    _, again = built_with_measures(catalogue, _flat(form))
    assert again.case == b.case


def test_an_unnamed_product_an_award_names_is_given_a_name_in_the_form(catalogue):
    case = {
        "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市"},
        "products": [{"id": "x", "type": "chemical", "registration_class": "1"}],
        "events": [
            {"id": "ph3", "type": "clinical_stage_completed", "date": "2026-05-01", "product_id": "x"}
        ],
        "prior_awards": [
            {
                "measure_id": "xm-2023/m1-clinical",
                "amount": 30000000,
                "date": "2025-05-01",
                "product_id": "x",
            },
            {"programme": "外部", "amount": "1", "date": "2025-05-01", "event_id": "gone"},
            {"programme": "外部", "amount": "1", "date": "2025-05-01", "product_id": "外面的产品"},
            "not an award",
        ],
        "as_of": "2026-06-01",
    }
    form = case_to_form(case)
    assert form.rows[0].get("product_name") == form.awards[0].get("product_name") == "产品x"
    assert form.awards[1].get("event") == "?gone"  # named no row: shown as gone, not as row "gone"
    assert form.awards[2].get("product_name") == "外面的产品"
    assert form.awards[3].blank
    form, b = built_with_measures(catalogue, _flat(form))
    assert b.case is None and "已删除或不存在" in form.errors_of("a1.event")[0]
    form.awards[1].values.pop("event")
    form.errors.clear()
    b = build_case(form, catalogue, TODAY, MEASURES)
    assert b.case["prior_awards"][0]["product_id"] == b.case["events"][0]["product_id"] == "p1"
    assert b.case["prior_awards"][2]["product_id"] == "外面的产品"


def test_an_awards_achievement_follows_the_rows_renumbering(catalogue):
    form = read_form(
        [
            ("e3.type", "honour_awarded"),
            ("e7.type", "talent_recruited"),
            ("a4.event", "e7"),
            ("a9.event", "e5"),
            ("a2.event", "e3"),
        ]
    )
    assert [a.get("event") for a in form.awards] == ["e0", "e1", "?e5"]
    remove_event_row(form, 0)
    assert [a.get("event") for a in form.awards] == ["?e0", "e0", "?e5"]


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        ({"a0.measure_id": ""}, "a0.measure_id", "请选择已获奖励的依据"),
        ({"a0.measure_id": "xm-2099/nothing"}, "a0.measure_id", "未知的措施"),
        ({"a1.programme": ""}, "a1.programme", "请填写外部项目的名称"),
        ({"a1.level": "galactic"}, "a1.level", "国家级"),
        ({"a0.amount": ""}, "a0.amount", "请填写已获金额"),
        ({"a0.amount": "三千万"}, "a0.amount", "金额应为数字"),
        ({"a0.amount": "-5"}, "a0.amount", "不能为负数"),
        ({"a0.amount": "9" * 300}, "a0.amount", "内容过长"),
        ({"a0.date": ""}, "a0.date", "请填写获得奖励的日期"),
        ({"a0.date": "2024-02-30"}, "a0.date", "YYYY-MM-DD"),
        ({"a1.event": "e9"}, "a1.event", "已删除或不存在"),
        ({"a1.event": "?e1"}, "a1.event", "已删除或不存在"),
        ({"a1.event": "e2", "e2.type": ""}, "a1.event", "尚未填写"),
        ({"a0.subject": "名" * 300}, "a0.subject", "内容过长"),
    ],
)
def test_every_award_problem_is_on_its_field_in_chinese(catalogue, fields, key, words):
    form, b = built_with_measures(catalogue, with_awards(**fields))
    assert b.case is None
    assert any(words in m for m in form.errors_of(key)), form.errors


def test_more_than_the_maximum_of_awards_is_refused(catalogue):
    fields = phase2()
    for i in range(MAX_AWARDS + 5):
        fields |= {f"a{i}.measure_id": "xm-2023/m1-clinical", f"a{i}.amount": "1", f"a{i}.date": "2025-01-01"}
    form, b = built(catalogue, fields)
    assert b.case is None
    assert any(str(MAX_AWARDS) in m for m in form.errors_of(GENERAL) + form.errors_of("awards"))


def test_prior_award_problems_land_on_the_award_row(catalogue):
    form, b = built(catalogue, with_awards(**{"a0.amount": "", "a0.measure_id": "", "a0.date": ""}))
    assert b.case is None
    form, b = built(catalogue, with_awards())
    problems = [
        Problem(("prior_awards", 0, "measure_id"), "没有 id 为“x”的措施"),
        Problem(("prior_awards", 1, "event_id"), "events 中没有 id 为“e9”的成果"),
        Problem(("prior_awards", 2, "amount"), "金额不能为负数"),
        Problem(("prior_awards", 2), "应写明 measure_id（已编码的措施）或 programme（外部项目名称）之一"),
        Problem(("prior_awards", 7, "date"), "没有这一行"),
        Problem(("prior_awards",), "应为列表"),
    ]
    attach_problems(form, problems, b)
    assert form.errors_of("a0.measure_id") == ["没有 id 为“x”的措施"]
    assert form.errors_of("a1.event") == ["events 中没有 id 为“e9”的成果"]
    assert form.errors_of("a2.amount") == ["金额不能为负数"]
    assert "应写明 measure_id" in form.errors_of("a2")[0]
    assert form.errors_of(GENERAL) == ["没有这一行"] and form.errors_of("awards") == ["应为列表"]


def test_the_calculators_check_of_prior_awards_reaches_the_form(catalogue):
    form, b = built(catalogue, with_awards(**{"a0.measure_id": "xm-2099/nothing"}))  # no measure list given
    with pytest.raises(CaseError) as info:
        get_calculator().assess(b.case)
    attach_problems(form, info.value.problems, b)
    assert "xm-2099/nothing" in form.errors_of("a0.measure_id")[0]
