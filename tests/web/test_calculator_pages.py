"""政策计算器 pages over the real policies: the form, the result, what-if, the share link, the JSON
download, and bad input that always comes back as a page with messages, never a server error."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biopolicy.services.calculator import get_calculator
from biopolicy.web.app import create_app
from biopolicy.web.forms.calculator import decode_case, decode_token, encode_case


@pytest.fixture(scope="module")
def client(real_library):
    with TestClient(create_app(real_library, get_calculator()), raise_server_exceptions=False) as c:
        yield c


def enterprise(**extra):
    """An innovative chemical drug through Phase II with 3000万 of R&D, and a researcher recruited."""
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
        "e0.attr.rd_investment": "3000万",
        "e0.attr.transferred_city": "厦门市",
        "e1.type": "talent_recruited",
        "e1.date": "2025-08-01",
        "e1.subject": "张三",
        "e1.attr.role": "research",
        "e1.attr.recruited_on": "2024-03-01",
        "action": "assess",
    }
    return fields | extra


def text_of(page: str) -> str:
    body = page.split("<main>", 1)[-1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def share_path(page: str) -> str:
    return html.unescape(re.search(r'id="calc-share-link"|href="(/calculator/result\?[^"]+)"', page).group(1))


def link(page: str, element_id: str) -> str:
    m = re.search(r'<a [^>]*href="([^"]+)"[^>]*id="' + element_id + '"', page)
    return html.unescape(m.group(1))


# ---------------------------------------------------------------- the form


def test_the_form_offers_places_kinds_and_every_event_type(client):
    page = client.get("/calculator").text
    assert '<select name="kind"' in page and ">企业<" in page
    assert ">厦门市<" in page and ">海沧区<" in page and 'data-city="厦门市"' in page
    for event_type in get_calculator().catalogue.events:
        assert f'<template id="calc-fields-{event_type}">' in page
    assert 'name="e0.type"' in page and 'name="e0.date"' in page
    assert "添加成果" in page and 'value="add"' in page
    assert "calculator.js" in page and "calculator.css" in page


def test_without_javascript_add_remove_and_refresh_are_answered_by_the_server(client):
    page = client.post("/calculator", data=enterprise(action="add")).text
    assert 'name="e2.type"' in page and 'name="e3.type"' not in page
    assert 'value="3000万"' in page  # what was typed stays
    page = client.post("/calculator", data=enterprise(action="remove:0")).text
    assert 'name="e1.type"' not in page
    assert 'name="e0.attr.role"' in page  # the talent row moved up
    only_type = {"kind": "enterprise", "e0.type": "new_products_used_year", "action": "refresh"}
    page = client.post("/calculator", data=only_type).text
    assert 'name="e0.attr.total_amount"' in page and "年度使用新优药械总金额（元）" in page
    assert "calc-alert" not in page  # refreshing is not submitting: no errors yet


def test_a_row_shows_only_its_types_fields_with_labels_units_and_choices(client):
    page = client.post("/calculator", data=enterprise(action="refresh")).text
    row0 = page.split('id="e0"', 1)[1].split('id="e1"', 1)[0]
    assert "该阶段研发投入（元）" in row0 and '<span class="calc-unit">元</span>' in row0 and "万元" in row0
    assert ">Ⅱ期临床试验<" in row0 and ">化学药<" in row0 and ">1类：境内外均未上市的创新药<" in row0
    assert 'type="radio" name="e0.attr.introduced" value=""' in row0 and "不清楚" in row0
    assert "e0.attr.role" not in row0 and "e0.subject" not in row0
    row1 = page.split('id="e1"', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="e1.attr.recruited_on"' in row1 and 'type="date"' in row1 and "e1.product_type" not in row1


# ---------------------------------------------------------------- the result


def test_the_result_shows_amounts_clauses_steps_and_totals(client):
    response = client.post("/calculator", data=enterprise())
    assert response.status_code == 200
    page, text = response.text, text_of(response.text)
    assert "1200万元" in text and "12,000,000元" in text  # 3000万 × 40%
    assert "80万元" in text  # the talent subsidy
    assert 'href="/clauses/xm-2023/m1/p2"' in page and 'href="/clauses/xm-2023/m20"' in page
    assert 'href="/measures/xm-2023/m1-clinical"' in page
    assert "最高可得" in text and "不是承诺" in text
    assert "3000万元（30,000,000元） × 最高40% = 1200万元（12,000,000元）" in text  # the arithmetic
    assert "就高从优" in text and "合计只计其中一项" in text  # the overlap, in words
    assert "资金来源：厦门市人民政府" in text  # who pays
    assert "分期发放" in text and "2027年" in text  # instalments and yearly totals
    assert "解读说明" in text
    assert "打印" in text and "下载 JSON" in text


def test_facts_a_measure_still_needs_are_named_by_their_labels(client):
    unsure = {"e0.attr.rd_investment": "", "e0.attr.transferred_city": ""}
    text = text_of(client.post("/calculator", data=enterprise(**unsure)).text)
    assert "补充信息后可能适用" in text
    assert (
        "还需提供： 转化所在地（设区市；在福建省外转化的选“福建省外”） 、" in text
        and " 该阶段研发投入（元） " in text
    )
    assert "event.rd_investment" not in text and "event.transferred_city" not in text
    page = client.post("/calculator", data=enterprise(**unsure)).text
    fix = re.search(r'<a class="calc-need" href="([^"]+)">该阶段研发投入（元）</a>', page).group(1)
    assert html.unescape(fix).startswith("/calculator?c=") and fix.endswith("#e0.attr.rd_investment")
    assert 'id="e0.attr.rd_investment"' in client.get(html.unescape(fix).split("#")[0]).text


def test_measures_that_do_not_apply_are_collapsed_with_their_reason(client):
    hospital = enterprise(kind="medical_institution")
    page = client.post("/calculator", data=hospital).text
    details = page.split('<details class="calc-other">', 1)[1].split("</details>", 1)[0]
    assert "不适用的措施" in details and "申请人类型应为企业" in details


def test_a_planned_milestone_shows_what_it_would_bring_and_what_expires_first(client):
    planned = {
        "e2.type": "clinical_stage_completed",
        "e2.date": "2026-06",  # a month: its last day
        "e2.product_type": "chemical",
        "e2.registration_class": "1",
        "e2.attr.stage": "phase_3",
        "e2.attr.rd_investment": "5000万",
    }
    text = text_of(client.post("/calculator", data=enterprise(**planned)).text)
    assert "计划中" in text and "2026-06-30" in text
    assert "2000万元" in text  # 5000万 × 40%, under the 3000万 ceiling of Phase III
    assert "到期前需完成" in text and "有效期至 2026-12-31" in text
    assert "届时已失效" in text and "有效期至 2025-12-31" in text  # the provincial measure ends first


def test_the_share_link_reproduces_the_result_and_warns_when_the_rules_changed(client):
    first = client.post("/calculator", data=enterprise()).text
    path = link(first, "calc-share-link")
    token = parse_qs(urlparse(path).query)["c"][0]
    case, version = decode_token(token)
    assert version == get_calculator().rules.version
    assert case["events"][0]["rd_investment"] == "30000000"
    again = client.get(path)
    assert again.status_code == 200
    amounts = re.compile(r'class="calc-wan"[^>]*>([^<]+)<')
    assert amounts.findall(again.text) == amounts.findall(first)
    assert "政策规则已于生成此链接后更新" not in again.text
    old = "/calculator/result?" + urlencode({"c": encode_case(case, "000000000000")})
    stale = client.get(old)
    assert stale.status_code == 200 and "政策规则已于生成此链接后更新，结果可能不同" in stale.text
    assert amounts.findall(stale.text) == amounts.findall(first)


def test_the_result_address_is_compact_and_never_the_case_in_plain_base64(client):
    response = client.post("/calculator", data=enterprise(), follow_redirects=False)
    assert response.status_code == 303  # Post/Redirect/Get: a reload never resubmits the form
    location = response.headers["location"]
    assert location.startswith("/calculator/result?c=z1")
    token = parse_qs(urlparse(location).query)["c"][0]
    case, _ = decode_token(token)
    plain = base64.urlsafe_b64encode(json.dumps(case, ensure_ascii=False).encode()).decode()
    assert len(token) < len(plain) * 0.7
    assert "eyJ" not in token  # no JSON object in plain base64 inside it
    assert encode_case(case, "v") == encode_case(dict(reversed(list(case.items()))), "v")  # canonical: stable
    assert client.get(location).status_code == 200


def test_a_link_made_before_the_compact_token_still_opens(client):
    first = client.post("/calculator", data=enterprise()).text
    token = parse_qs(urlparse(link(first, "calc-share-link")).query)["c"][0]
    case, version = decode_token(token)
    legacy = base64.urlsafe_b64encode(json.dumps(case, ensure_ascii=False).encode()).decode().rstrip("=")
    old = client.get("/calculator/result?" + urlencode({"c": legacy, "v": version}))
    assert old.status_code == 200 and "政策规则已于生成此链接后更新" not in old.text


def test_a_damaged_compact_token_is_explained(client):
    response = client.get("/calculator/result?c=z1AAAA")
    assert response.status_code == 400 and "链接已损坏" in response.text


def test_the_json_download_is_the_apis_answer(client):
    page = client.post("/calculator", data=enterprise()).text
    download = client.get(link(page, "calc-json"))
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    token = parse_qs(urlparse(link(page, "calc-json")).query)["c"][0]
    case = decode_case(token)
    assert download.json() == client.post("/api/v1/assess", json=case).json()


def test_the_edit_link_fills_the_form_with_the_case(client):
    page = client.post("/calculator", data=enterprise()).text
    form = client.get(link(page, "calc-edit")).text
    assert 'value="30000000"' in form and 'value="张三"' in form
    assert '<option value="厦门市" selected>' in form and '<option value="phase_2" selected>' in form


def test_the_page_prints(client):
    page = client.post("/calculator", data=enterprise()).text
    assert "data-print" in page
    css = client.get("/static/calculator.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert client.get("/static/calculator.js").status_code == 200


# ---------------------------------------------------------------- bad input


def test_problems_are_shown_next_to_their_fields_and_the_form_keeps_what_was_typed(client):
    bad = enterprise(city="", **{"e0.attr.rd_investment": "-5", "e1.date": "明年春天"})
    response = client.post("/calculator", data=bad)
    assert response.status_code == 422
    page = response.text
    assert "有 3 处需要修改" in page
    assert re.search(r'name="e0.attr.rd_investment"[^>]*value="-5"', page)
    row0 = page.split('id="e0"', 1)[1].split('id="e1"', 1)[0]
    assert "金额不能为负数" in row0
    row1 = page.split('id="e1"', 1)[1]
    assert "日期应写成 YYYY-MM-DD" in row1.split("</fieldset>", 1)[0] and 'value="明年春天"' in row1
    assert "请选择所在城市" in page.split('id="city"', 1)[1].split("</div>", 1)[0]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FIFTY = {
    k: v for i in range(50) for k, v in {f"e{i}.type": "honour_awarded", f"e{i}.date": "2025-01-01"}.items()
}
SIXTY = {
    k: v for i in range(60) for k, v in {f"e{i}.type": "honour_awarded", f"e{i}.date": "2025-01-01"}.items()
}

SIXTY_AWARDS = {
    k: v
    for i in range(60)
    for k, v in {
        f"a{i}.measure_id": "xm-2023/m1-clinical",
        f"a{i}.amount": "1万",
        f"a{i}.date": "2025-01-01",
    }.items()
}


def award(**extra):
    """``enterprise()`` with an award under the city's clinical measure for the Phase II row."""
    fields = {"a0.measure_id": "xm-2023/m1-clinical", "a0.amount": "500万", "a0.date": "2025-01-01"}
    return enterprise(**(fields | extra))


MALFORMED_POSTS = {
    "nothing at all": ({}, "请选择申请人类型"),
    "no kind": (enterprise(kind=""), "请选择申请人类型"),
    "no city": (enterprise(city=""), "请选择所在城市"),
    "unknown kind": (enterprise(kind="<script>alert(1)</script>"), "申请人类型应为"),
    "city outside the list": (enterprise(city="北京市"), "所在城市应为"),
    "unknown district": (enterprise(district="鼓浪屿"), "厦门市的区应为"),
    "event without a type": (enterprise(**{"e1.type": ""}), "请选择成果类型"),
    "event without a date": (enterprise(**{"e0.date": ""}), "请填写成果的日期"),
    "impossible date": (enterprise(**{"e0.date": "2025-02-30"}), "YYYY-MM-DD"),
    "garbage date": (enterprise(**{"e0.date": "x" * 5000}), "YYYY-MM-DD"),
    "negative money": (enterprise(**{"e0.attr.rd_investment": "-100"}), "金额不能为负数"),
    "non-numeric money": (enterprise(**{"e0.attr.rd_investment": "三千万"}), "金额应为数字"),
    "huge money": (enterprise(**{"e0.attr.rd_investment": "9" * 400}), "内容过长"),
    "unknown event type": (enterprise(**{"e0.type": "moon_landing"}), "未知的成果类型"),
    "unknown enum value": (enterprise(**{"e0.attr.stage": "phase_9"}), "阶段应为"),
    "unknown bool value": (enterprise(**{"e0.attr.introduced": "yes"}), "不清楚"),
    "unknown product type": (enterprise(**{"e0.product_type": "spaceship"}), "未知的产品类型"),
    "unknown registration class": (enterprise(**{"e0.registration_class": "99"}), "注册分类请从列表中选择"),
    "bad integer": (enterprise(**{"e1.type": "gcp_specialty_added", "e1.attr.count": "-2"}), "非负整数"),
    "huge name": (enterprise(name="名" * 100_000), "提交的内容过大"),
    "huge applicant name under the body limit": (enterprise(name="名" * 5000), "内容过长"),
    "unknown attribute of another type": (enterprise(**{"e0.attr.role": "research"}), None),
    "sixty events": (enterprise(**SIXTY), "最多可填写 50 项成果"),
    "only blank rows": (
        {"kind": "enterprise", "city": "厦门市", "e0.type": "", "e0.date": ""},
        "请至少填写一项成果",
    ),
    "bad as_of": (enterprise(as_of="下周"), "查询日应为日期"),
    "remove a row that is not there": (enterprise(action="remove:99"), None),
    "remove an award that is not there": (enterprise(action="remove-award:99"), None),
    "remove an award with garbage": (enterprise(action="remove-award:-1"), None),
    "award without a basis": (enterprise(**{"a0.amount": "100万"}), "请选择已获奖励的依据"),
    "award under an unknown measure": (award(**{"a0.measure_id": "xm-2099/<b>x</b>"}), "未知的措施"),
    "award with a bad amount": (award(**{"a0.amount": "一百万"}), "金额应为数字"),
    "award with a negative amount": (award(**{"a0.amount": "-1万"}), "金额不能为负数"),
    "award with a huge amount": (award(**{"a0.amount": "9" * 50}), "金额应为数字"),
    "award without an amount": (award(**{"a0.amount": ""}), "请填写已获金额"),
    "award with a bad date": (award(**{"a0.date": "去年"}), "YYYY-MM-DD"),
    "award with an impossible date": (award(**{"a0.date": "2025-02-29"}), "YYYY-MM-DD"),
    "award without a date": (award(**{"a0.date": ""}), "请填写获得奖励的日期"),
    "award for a missing row": (award(**{"a0.event": "e9"}), "已删除或不存在"),
    "award for a garbage row": (award(**{"a0.event": "<script>"}), "已删除或不存在"),
    "award for a blank row": (award(**{"a0.event": "e2", "e2.type": ""}), "尚未填写"),
    "external award without a name": (award(**{"a0.measure_id": "_external"}), "请填写外部项目的名称"),
    "external award at an unknown level": (
        award(**{"a0.measure_id": "_external", "a0.programme": "x", "a0.level": "moon"}),
        "项目级别应为",
    ),
    "sixty awards": (enterprise(**SIXTY_AWARDS), "最多可填写 50 项已获奖励"),
    "remove with garbage": (enterprise(action="remove:x"), None),
    "unknown action": (enterprise(action="explode"), None),
    "field names with odd indices": ({"e99999.type": "x", "e-1.type": "y", "e.type": "z"}, None),
    "NUL bytes": (enterprise(name="甲\x00乙"), None),
}


@pytest.mark.parametrize("case", list(MALFORMED_POSTS), ids=list(MALFORMED_POSTS))
def test_no_malformed_submission_is_a_server_error(client, case):
    fields, words = MALFORMED_POSTS[case]
    response = client.post("/calculator", data=fields)
    assert response.status_code < 500
    assert response.headers["content-type"].startswith("text/html")
    if words is not None:
        assert response.status_code >= 400
        assert words in html.unescape(response.text)


def test_fifty_events_are_assessed(client):
    response = client.post("/calculator", data=enterprise(**FIFTY))
    assert response.status_code == 200 and "测算结果" in response.text


def test_a_body_that_is_not_a_form_is_answered_with_the_form(client):
    for body, content_type in [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"kind": "enterprise"}', "application/json"),
        (
            b"--x\r\nContent-Disposition: form-data; name=kind\r\n\r\nenterprise\r\n--x--",
            "multipart/form-data",
        ),
    ]:
        response = client.post("/calculator", content=body, headers={"content-type": content_type})
        assert 400 <= response.status_code < 500 and "请选择申请人类型" in response.text


MALFORMED_LINKS = {
    "no payload": ("", "参数 c 为空"),
    "wrong base64": ("%%%not-base64", "base64url 以外的字符"),
    "truncated base64": ("a", "无法按 base64url 解码"),
    "not UTF-8": (_b64(b"\xff\xfe"), "UTF-8"),
    "not JSON": (_b64(b"{applicant:"), "不是有效的 JSON"),
    "JSON that is not an object": (_b64(b"[1,2,3]"), "JSON 对象"),
    "a JSON string": (_b64(b'"hello"'), "JSON 对象"),
    "too long": ("A" * 61_000, "过长"),
    "deeply nested": (_b64(b"[" * 3000 + b"]" * 3000), "JSON"),
}


@pytest.mark.parametrize("case", list(MALFORMED_LINKS), ids=list(MALFORMED_LINKS))
def test_a_broken_share_link_is_a_page_with_the_form_and_a_message(client, case):
    token, words = MALFORMED_LINKS[case]
    response = client.get("/calculator/result", params={"c": token, "v": "x"})
    assert response.status_code == 400
    assert words in html.unescape(response.text) and 'id="calc-form"' in response.text
    as_json = client.get("/calculator/result.json", params={"c": token})
    assert as_json.status_code == 400 and words in as_json.json()["detail"]
    if token:  # an empty c on the form is just the empty form
        assert client.get("/calculator", params={"c": token}).status_code == 400


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ({"applicant": {"kind": "enterprise", "name": "甲"}, "events": []}, "as_of", "缺少必填字段"),
        ({"events": "none", "as_of": "2025-01-01"}, "_form", "applicant"),
        (
            {
                "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市"},
                "events": [
                    {"id": "e1", "type": "clinical_stage_completed", "date": "2025-01-01", "stage": "x"}
                ],
                "as_of": "2025-01-01",
            },
            "e0.attr.stage",
            "阶段应为",
        ),
        (
            {
                "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市"},
                "events": [{"id": "e1", "type": "no_such_type", "date": "2025-01-01"}],
                "as_of": "2025-01-01",
            },
            "e0.type",
            "未知的成果类型",
        ),
        (
            {"applicant": {"kind": "enterprise", "name": "甲", "city": "杭州市"}, "as_of": "2025-01-01"},
            "city",
            "不是福建省的地级行政区",
        ),
    ],
)
def test_a_share_link_with_a_wrong_case_shows_its_problems_on_the_form(client, case, field, words):
    response = client.get("/calculator/result", params={"c": encode_case(case)})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert words in page and 'id="calc-form"' in page
    as_json = client.get("/calculator/result.json", params={"c": encode_case(case)})
    assert as_json.status_code == 422 and words in as_json.json()["detail"]


def test_a_hand_made_share_link_in_the_apis_looser_forms_is_shown(client):
    case = {
        "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市"},
        "products": [{"id": "x", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "phase2",
                "type": "clinical_stage_completed",
                "date": "2025-06-30",  # a datetime ("2025-06-30T00:00:00") is refused: test_doors_input.py
                "product_id": "x",
                "stage": "phase_2",
                "rd_investment": "30,000,000",
                "transferred_city": "厦门市",
            },
            {"id": "t", "type": "talent_recruited", "date": "2025-08-01", "recruited_on": "2024-03-01"},
        ],
        "prior_awards": [{"programme": "某国家专项", "amount": 1000000.5, "date": "2024-01-01"}],
        "as_of": "2025-09-30",
    }
    response = client.get("/calculator/result", params={"c": encode_case(case)})
    assert response.status_code == 200
    text = text_of(response.text)
    assert "1200万元" in text and "3000万元（30,000,000元）" in text and "计划中" not in text


# ---------------------------------------------------------------- fuzzing: never a 500

KEYS = list(enterprise()) + [
    "a0.measure_id",
    "a0.programme",
    "a0.level",
    "a0.amount",
    "a0.date",
    "a0.event",
    "a0.product_name",
    "a1.subject",
    "e0.attr.recruited_on",
    "e0.attr.count",
    "e0.subject",
    "e0.product_name",
    "e1.product_type",
    "e5.type",
    "e5.date",
]
VALUES = st.one_of(
    st.sampled_from(
        ["", "true", "false", "厦门市", "enterprise", "phase_2", "1", "-1", "2025-06-30", "3000万"]
    ),
    st.sampled_from(list(get_calculator().catalogue.events)),
    st.sampled_from(["xm-2023/m1-clinical", "_external", "e0", "e1", "?e3", "national", "2025-01", "9500万"]),
    st.text(max_size=30),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
APPLICANT = st.fixed_dictionaries(
    {"kind": st.sampled_from(["enterprise", "person", "x"]), "name": st.text(max_size=5)},
    optional={"city": st.sampled_from(["厦门市", "福州市", "杭州市"]), "district": st.text(max_size=4)},
)
EVENT = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=3), "type": st.sampled_from(list(get_calculator().catalogue.events))},
    optional={
        "date": st.sampled_from(["2025-06-30", "2027-01-01", "x"]),
        "stage": st.sampled_from(["phase_2", "phase_9"]),
        "rd_investment": st.one_of(st.text(max_size=6), st.integers(), st.floats()),
        "product_id": st.just("p1"),
    },
)
PRIOR = st.fixed_dictionaries(
    {
        "amount": st.one_of(st.text(max_size=6), st.integers(), st.floats()),
        "date": st.sampled_from(["2025-01-01", "2030-01-01", "x"]),
    },
    optional={
        "measure_id": st.sampled_from(["xm-2023/m1-clinical", "nothing"]),
        "programme": st.text(max_size=4),
        "level": st.text(max_size=4),
        "event_id": st.text(max_size=3),
        "product_id": st.sampled_from(["p1", "x"]),
        "subject": JSON,
    },
)
CASE = st.fixed_dictionaries(
    {"applicant": st.one_of(APPLICANT, JSON), "events": st.one_of(st.lists(EVENT, max_size=3), JSON)},
    optional={
        "as_of": st.sampled_from(["2025-09-30", "soon"]),
        "products": JSON,
        "prior_awards": st.one_of(st.lists(PRIOR, max_size=3), JSON),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=len(KEYS)))
def test_no_random_form_is_a_server_error(client, fields):
    assert client.post("/calculator", data=fields).status_code < 500


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(CASE, JSON))
def test_no_random_share_link_is_a_server_error(client, case):
    token = encode_case(case) if isinstance(case, dict) else encode_case({"x": case})[:-2]
    assert client.get("/calculator/result", params={"c": token}).status_code < 500
    assert client.get("/calculator/result.json", params={"c": token}).status_code < 500


def test_fields_with_problems_are_marked_invalid(client):
    page = client.post("/calculator", data=enterprise(city="", **{"e0.attr.rd_investment": "x"})).text
    assert re.search(r'name="city" id="city" aria-invalid="true"', page)
    assert re.search(r'name="e0.attr.rd_investment" id="e0.attr.rd_investment" aria-invalid="true"', page)
    assert 'name="kind" id="kind" aria-invalid' not in page


# ---------------------------------------------------------------- awards already received (已获奖励)


def phase3_2026(**extra):
    """An innovative drug's Phase III in May 2026 with 8000万 of R&D: 3000万 before any ceiling."""
    fields = {
        "kind": "enterprise",
        "name": "厦门大药企",
        "city": "厦门市",
        "as_of": "2026-06-01",
        "e0.type": "clinical_stage_completed",
        "e0.date": "2026-05-01",
        "e0.product_type": "chemical",
        "e0.registration_class": "1",
        "e0.product_name": "甲片",
        "e0.attr.stage": "phase_3",
        "e0.attr.rd_investment": "8000万",
        "e0.attr.transferred_city": "厦门市",
        "action": "assess",
    }
    return fields | extra


PRIOR_9500 = {"a0.measure_id": "xm-2023/m1-clinical", "a0.amount": "9500万", "a0.date": "2026-01-15"}


def m1_amount(page: str) -> str:
    article = page.split('data-measure="xm-2023/m1-clinical"', 1)[1].split("</article>", 1)[0]
    return re.search(r'class="calc-wan">([^<]+)<', article).group(1)


def test_the_form_asks_for_awards_already_received(client):
    page = client.get("/calculator").text
    assert 'id="awards"' in page and "已获奖励" in page and 'value="add-award"' in page
    template = page.split('<template id="calc-award-template">', 1)[1].split("</template>", 1)[0]
    assert 'name="a__i__.measure_id"' in template and 'name="a__i__.amount"' in template
    assert '<option value="_external">其他项目（外部）</option>' in template
    assert '<optgroup label="厦门市加快推进生物医药产业高质量发展若干措施">' in template
    assert 'value="xm-2023/m1-clinical">' in template and ">国家级<" in template
    for name in ("programme", "level", "date", "event", "product_name", "subject"):
        assert f'name="a__i__.{name}"' in template


def test_a_prior_award_leaves_what_the_yearly_ceiling_has_left(client):
    assert m1_amount(client.post("/calculator", data=phase3_2026()).text) == "3000万元"
    response = client.post("/calculator", data=phase3_2026(**PRIOR_9500))
    assert response.status_code == 200
    page, text = response.text, text_of(response.text)
    assert m1_amount(page) == "500万元"  # 1亿 a year, 9500万 already received in 2026
    assert "此前已计 9500万元（95,000,000元）" in text and "核减为 500万元（5,000,000元）" in text
    awards = text_of(page.split('id="calc-awards"', 1)[1].split("</section>", 1)[0])
    assert "已计入（1项）" in awards and "9500万元" in awards and "2026-01-15" in awards
    assert "未计入" not in awards


def test_a_prior_city_centre_award_makes_the_provincial_acceptance_not_count(client):
    fields = {
        "kind": "medical_institution",
        "city": "厦门市",
        "as_of": "2025-07-01",
        "e0.type": "clinical_research_centre_milestone",
        "e0.date": "2025-06-01",
        "e0.subject": "心血管中心",
        "e0.attr.level": "provincial",
        "e0.attr.milestone": "accepted",
        "a0.measure_id": "xm-2023/m16-city-accepted",
        "a0.amount": "200万",
        "a0.date": "2024-06-01",
        "a0.subject": "心血管中心",
        "action": "assess",
    }
    alone = client.post("/calculator", data=fields | {"a0.subject": "肿瘤中心"}).text
    assert "已享受同类措施，本项不重复享受" not in text_of(alone)  # another centre: both count
    page = client.post("/calculator", data=fields).text
    article = page.split('data-measure="xm-2023/m16-provincial-accepted"', 1)[1].split("</article>", 1)[0]
    assert (
        "calc-ent-overlap-excluded"
        in page.split('data-measure="xm-2023/m16-provincial-accepted"', 1)[0][-200:]
    )
    assert "已享受同类措施，本项不重复享受" in text_of(article) and "与市级中心不重复享受" in text_of(article)


def test_a_prior_award_after_the_query_day_is_listed_as_not_counted(client):
    later = phase3_2026(**(PRIOR_9500 | {"a0.date": "2026-07-15"}))
    page = client.post("/calculator", data=later).text
    assert m1_amount(page) == "3000万元"
    awards = text_of(page.split('id="calc-awards"', 1)[1].split("</section>", 1)[0])
    assert "未计入：日期晚于查询日（1项）" in awards and "已计入" not in awards
    assert "2026-07-15" in awards and "晚于查询日 2026-06-01，未计入" in awards
    assert "日期 2026-07-15 晚于查询日 2026-06-01，未计入" in text_of(page)  # the assessment's note


def test_an_award_names_its_achievement_and_product_and_links_them(client):
    fields = phase3_2026(
        **{
            "a0.measure_id": "_external",
            "a0.programme": "国家重大新药创制专项",
            "a0.level": "national",
            "a0.amount": "1.2亿",
            "a0.date": "2026-02-01",
            "a0.event": "e0",
            "a1.measure_id": "xm-2023/m1-clinical",
            "a1.amount": "40,000,000元",
            "a1.date": "2025-01-01",
            "a1.product_name": "甲片",
        }
    )
    page = client.post("/calculator", data=fields).text
    awards = text_of(page.split('id="calc-awards"', 1)[1].split("</section>", 1)[0])
    assert "国家重大新药创制专项（国家级）" in awards and "12000万元" in awards
    assert "奖励的成果： 完成临床研究阶段 2026-05-01" in awards and "产品：甲片" in awards
    assert 'href="#event-e1"' in page
    # 6000万 for 甲片's Phase I–III together, 4000万 of it already received: 2000万 left
    assert "同一产品上限 6000万元（60,000,000元），此前已计 4000万元（40,000,000元）" in text_of(page)
    assert m1_amount(page) == "2000万元"


def test_the_edit_link_and_the_share_link_keep_the_awards(client):
    fields = phase3_2026(
        **PRIOR_9500,
        **{
            "a1.measure_id": "_external",
            "a1.programme": "某专项",
            "a1.level": "city",
            "a1.amount": "10万",
            "a1.date": "2025-03-01",
            "a1.event": "e0",
        },
    )
    page = client.post("/calculator", data=fields).text
    form = client.get(link(page, "calc-edit")).text
    assert "表单暂不能编辑" not in form
    assert '<option value="xm-2023/m1-clinical" selected>' in form and 'value="95000000"' in form
    assert 'value="某专项"' in form and '<option value="city" selected>' in form
    assert re.search(
        r'<option value="e0" selected>成果 1：完成临床研究阶段（甲片） 2026-05-01</option>', form
    )
    again = client.get(link(page, "calc-share-link")).text
    assert m1_amount(again) == m1_amount(page) == "500万元"


def test_without_javascript_awards_are_added_and_removed_by_the_server(client):
    page = client.post("/calculator", data=phase3_2026(action="add-award")).text
    assert 'name="a0.measure_id"' in page and 'name="a1.measure_id"' not in page
    assert 'data-focus="a0.measure_id"' in page
    two = phase3_2026(**PRIOR_9500, **{"a1.measure_id": "_external", "a1.programme": "某专项"})
    page = client.post("/calculator", data=two | {"action": "remove-award:0"}).text
    assert 'name="a1.measure_id"' not in page and 'value="某专项"' in page
    assert 'value="9500万"' not in page


def test_removing_an_achievement_keeps_the_awards_pointing_at_the_right_rows(client):
    fields = phase3_2026(
        **{
            "e1.type": "talent_recruited",
            "e1.date": "2026-03-01",
            "e1.subject": "张三",
            "a0.measure_id": "xm-2023/m20-talent",
            "a0.amount": "30万",
            "a0.date": "2026-04-01",
            "a0.event": "e1",
            "a1.measure_id": "xm-2023/m1-clinical",
            "a1.amount": "1万",
            "a1.date": "2026-04-01",
            "a1.event": "e0",
        }
    )
    page = client.post("/calculator", data=fields | {"action": "remove:0"}).text
    first = page.split('name="a0.event"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="e0" selected>成果 1：引进人才经审核确认（张三）', first)
    second = page.split('name="a1.event"', 1)[1].split("</select>", 1)[0]
    assert "（已删除的成果，请重新选择）" in second


def test_a_share_link_with_a_wrong_award_shows_it_on_the_award_row(client):
    case = {
        "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市"},
        "events": [{"id": "t", "type": "talent_recruited", "date": "2025-08-01"}],
        "prior_awards": [
            {"measure_id": "xm-2099/none", "amount": "1", "date": "2025-01-01"},
            {"programme": "x", "amount": "1", "date": "2025-01-01", "event_id": "nope"},
        ],
        "as_of": "2025-09-30",
    }
    response = client.get("/calculator/result", params={"c": encode_case(case)})
    assert response.status_code == 422
    page = html.unescape(response.text)
    a0 = page.split('id="a0"', 1)[1].split('id="a1"', 1)[0]
    assert "没有 id 为“xm-2099/none”的措施" in a0 and "（未知的措施：xm-2099/none）" in a0
    a1 = page.split('id="a1"', 1)[1].split("</fieldset>", 1)[0]
    assert "events 中没有 id 为“nope”的成果" in a1 and "（已删除的成果，请重新选择）" in a1
    case["prior_awards"].append({"amount": "1", "date": "2025-01-01"})  # neither measure nor programme
    page = html.unescape(client.get("/calculator/result", params={"c": encode_case(case)}).text)
    a2 = page.split('id="a2"', 1)[1].split("</fieldset>", 1)[0]
    assert "应写明 measure_id（已编码的措施）或 programme（外部项目名称）之一" in a2


def test_a_card_names_each_list_of_clauses_once(client):
    # issue 15 §1: xm-2023 （一） has two paragraphs that read alike, and the overlap's clauses came back
    # in its step; a card shows each clause name once per list and each list of clauses once
    page = client.post("/calculator", data=phase3_2026()).text
    cards = [c.split("</article>", 1)[0] for c in page.split('<article class="calc-ent')[1:]]
    assert cards
    for card in cards:
        lists = [
            re.findall(r'class="calc-clause"[^>]*>([^<]+)<', cites)
            for cites in re.findall(r'class="calc-cites">(.*?)</(?:span|p)>', card, re.S)
        ]
        lists = [names for names in lists if names]
        assert all(len(names) == len(set(names)) for names in lists), lists
        keys = [tuple(sorted(names)) for names in lists]
        assert len(keys) == len(set(keys)), keys
    m1 = next(c for c in cards if 'data-measure="xm-2023/m1-clinical"' in c)
    assert "依据：" in m1 and "厦门市2023年若干措施（一）" in text_of(m1)


def _cut(page: str, measure: str = "xm-2023/m1-clinical") -> str:
    article = page.split(f'data-measure="{measure}"', 1)[1].split("</article>", 1)[0]
    found = re.search(r'class="calc-cut">([^<]+)<', article)
    return found.group(1) if found else ""


def test_an_amount_cut_by_a_ceiling_says_which_ceiling_and_whether_it_is_used_up(client):
    # issue 15 §1: a measure that applies but yields 0 says why; 1亿 a year, 9500万 or 1亿 already received
    part = _cut(client.post("/calculator", data=phase3_2026(**PRIOR_9500)).text)
    assert "临床研究奖励年度上限此前已计 9500万元（95,000,000元）" in part and "已用完" not in part
    assert part.endswith("由 3000万元 减为 500万元")
    full = _cut(client.post("/calculator", data=phase3_2026(**(PRIOR_9500 | {"a0.amount": "1亿"}))).text)
    assert "临床研究奖励年度上限此前已计 1亿元（100,000,000元），已用完" in full and full.endswith("减为 0元")
    assert "受上限或重叠影响" not in full
