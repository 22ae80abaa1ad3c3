"""What a user can type at every door: money with bounded digits, ISO dates only, a bounded number
of events, JSON that parses, forms with a bounded number of fields. Each is refused in Chinese,
naming the field, and the value just inside each limit is accepted."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biopolicy.domain.dates import parse_iso_date
from biopolicy.domain.money import parse_money
from biopolicy.services.calculator import get_calculator
from biopolicy.settings import Settings
from biopolicy.web.app import create_app
from biopolicy.web.forms.calculator import encode_case

CASE = {
    "applicant": {"kind": "enterprise", "name": "厦门某药业有限公司", "city": "厦门市", "district": "海沧区"},
    "products": [{"id": "p1", "name": "某单抗", "type": "biologic", "registration_class": "1"}],
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
    "prior_awards": [
        {"programme": "某国家专项", "level": "national", "amount": "1000000", "date": "2024-01-01"}
    ],
    "as_of": "2026-03-02",
}


def case(**changes) -> dict:
    out = copy.deepcopy(CASE)
    for path, value in changes.items():
        target = out
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[int(last) if isinstance(target, list) else last] = value
    return out


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def client(real_library):
    settings = Settings(max_events=5)
    app = create_app(real_library, get_calculator(), settings=settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# ---------------------------------------------------------------- money


BAD_MONEY = ["1e400", "9" * 400, "1e-400", "-0", "-0.00", "NaN", "Infinity", "-Infinity", "0.001", "1e15"]


@pytest.mark.parametrize("value", BAD_MONEY)
def test_parse_money_refuses_unbounded_and_signed_amounts_naming_the_field(value):
    with pytest.raises(ValueError) as info:
        parse_money(value, "events[0].rd_investment")
    message = str(info.value)
    assert message.startswith("events[0].rd_investment：") and is_chinese(message)
    assert len(message) < 200  # a 400-digit number is not echoed whole


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("999999999999999.99", Decimal("999999999999999.99")),  # 15 integer digits, 2 decimals
        ("1E+3", Decimal(1000)),
        ("30,000,000", Decimal(30000000)),
        (1200000.5, Decimal("1200000.5")),
        ("0", Decimal(0)),
        ("0.01", Decimal("0.01")),
    ],
)
def test_parse_money_accepts_amounts_inside_the_limits(value, amount):
    parsed = parse_money(value, "amount")
    assert parsed == amount and "E" not in str(parsed)


def test_the_limits_are_stated_in_the_message():
    with pytest.raises(ValueError, match="最多 15 位整数、2 位小数"):
        parse_money("1000000000000000", "amount")  # 16 integer digits


@pytest.mark.parametrize("value", ["1e400", "9" * 400, "1e-400", "-0", "NaN", "Infinity"])
def test_api_refuses_bad_event_money_with_422_naming_the_field(client, value):
    response = client.post("/api/v1/assess", json=case(events__0__rd_investment=value))
    assert response.status_code == 422
    body = response.json()
    assert "events[0].rd_investment" in body["detail"] and is_chinese(body["detail"])
    assert body["errors"][0]["loc"] == ["body", "events[0].rd_investment"]


@pytest.mark.parametrize("value", ["1e400", "-0", "1e-400", "NaN"])
def test_api_refuses_bad_prior_award_amounts_naming_the_field(client, value):
    response = client.post("/api/v1/assess", json=case(prior_awards__0__amount=value))
    assert response.status_code == 422
    assert "prior_awards[0].amount" in response.json()["detail"]


def test_api_accepts_money_just_inside_the_limits(client):
    response = client.post("/api/v1/assess", json=case(events__0__rd_investment="999999999999999.99"))
    assert response.status_code == 200
    assert "-0元" not in response.text


@pytest.mark.parametrize("value", ["1e400", "-0", "NaN"])
def test_share_links_refuse_bad_money_as_the_api_does(client, value):
    token = encode_case(case(events__0__rd_investment=value))
    as_json = client.get("/calculator/result.json", params={"c": token})
    assert as_json.status_code == 422 and "events[0].rd_investment" in as_json.json()["detail"]
    page = client.get("/calculator/result", params={"c": token})
    assert page.status_code == 422 and 'id="calc-form"' in page.text


def form(**extra) -> dict:
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
        "action": "assess",
    }
    return fields | extra


@pytest.mark.parametrize("typed", ["100000000000000亿", "1e400", "-0", "0.001"])
def test_the_form_refuses_bad_money_next_to_its_field(client, typed):
    response = client.post("/calculator", data=form(**{"e0.attr.rd_investment": typed}))
    assert response.status_code == 422
    row = response.text.split('id="e0"', 1)[1]
    assert "金额" in row.split("</fieldset>", 1)[0]


def test_the_form_accepts_a_large_amount_inside_the_limits(client):
    response = client.post("/calculator", data=form(**{"e0.attr.rd_investment": "9999999亿"}))
    assert response.status_code == 200


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text", ["0", "1735689600", "2025-1-1T00:00", "2025-01-01T00:00:00", "20250101", "2025-W01-1"]
)
def test_parse_iso_date_takes_only_yyyy_mm_dd(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_iso_date(text)


@pytest.mark.parametrize("value", [0, 1735689600, "0", "1735689600", "2025-1-1T00:00", "2025-01-01T00:00:00"])
def test_a_case_date_that_is_not_an_iso_date_is_refused(client, value):
    response = client.post("/api/v1/assess", json=case(as_of=value))
    assert response.status_code == 422
    assert "as_of：应为 YYYY-MM-DD 格式的日期" in response.json()["detail"]
    response = client.post("/api/v1/assess", json=case(events__0__date=value))
    assert response.status_code == 422 and "events[0].date" in response.json()["detail"]
    response = client.post("/api/v1/assess", json=case(prior_awards__0__date=value))
    assert response.status_code == 422 and "prior_awards[0].date" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/assess", "/api/v1/overview", "/api/v1/explanations"])
@pytest.mark.parametrize("value", ["0", "1735689600", "2025-1-1T00:00", "2025-02-30"])
def test_an_as_of_query_that_is_not_an_iso_date_is_refused_in_chinese(client, url, value):
    if url.endswith("assess"):
        response = client.post(url, params={"as_of": value}, json=CASE)
    else:
        response = client.get(url, params={"as_of": value})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["loc"] == ["query", "as_of"] and body["errors"][0]["type"] == "date_format"
    assert "查询参数 as_of" in body["detail"] and "YYYY-MM-DD" in body["detail"]


def test_an_iso_as_of_query_is_accepted(client):
    assert client.get("/api/v1/overview", params={"as_of": "2025-01-01"}).json()["as_of"] == "2025-01-01"
    response = client.post("/api/v1/assess", params={"as_of": "2026-03-02"}, json=CASE)
    assert response.status_code == 200


def test_the_overview_page_refuses_a_number_as_a_date(client):
    response = client.get("/overview", params={"as_of": "1735689600"})
    assert response.status_code == 422 and "YYYY-MM-DD" in response.text


# ---------------------------------------------------------------- events


def test_a_case_over_max_events_is_422_naming_events(client):
    many = case()
    many["events"] = [dict(CASE["events"][0], id=f"e{k}") for k in range(6)]  # settings: max 5
    response = client.post("/api/v1/assess", json=many)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("events：一个案例最多 5 项成果") and body["errors"][0]["loc"] == [
        "body",
        "events",
    ]
    token = encode_case(many)
    assert client.get("/calculator/result.json", params={"c": token}).status_code == 422


def test_a_case_at_max_events_is_assessed(client):
    five = case()
    five["events"] = [dict(CASE["events"][0], id=f"e{k}") for k in range(5)]
    assert client.post("/api/v1/assess", json=five).status_code == 200


def test_max_events_defaults_to_a_stated_number():
    assert Settings().max_events == 2000 and Settings().max_body_bytes == 1_000_000


# ---------------------------------------------------------------- JSON and forms


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    ],
)
def test_bodies_nested_too_deep_are_400_in_chinese(client, body):
    response = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert is_chinese(response.json()["detail"]) and response.json()["errors"] == []


@pytest.mark.parametrize("body", [b"\xff\xfe not utf-8", b"\xc3\x28", b'{"a": "\xed\xa0\x80"}'])
def test_bodies_that_are_not_utf8_are_refused_in_chinese(client, body):
    response = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422) and is_chinese(response.json()["detail"])


def test_a_body_nested_a_little_is_answered_as_a_case(client):
    nested = case()
    nested["events"][0]["notes"] = {"a": {"b": {"c": [1, [2, [3]]]}}}
    assert client.post("/api/v1/assess", json=nested).status_code in (200, 422)


@pytest.mark.parametrize("body", [b"{bad", b'{"applicant": }', b"", b"[1,2"])
def test_json_that_does_not_parse_is_422_in_chinese(client, body):
    response = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert is_chinese(detail) and "JSON" in detail or "必填" in detail
    assert "Expecting" not in detail and "Field required" not in detail


def test_a_case_that_is_not_an_object_is_422_in_chinese(client):
    response = client.post("/api/v1/assess", json=[1, 2])
    assert response.status_code == 422 and is_chinese(response.json()["detail"])


def test_a_form_with_more_fields_than_the_parser_allows_is_a_chinese_page(client):
    body = "&".join(f"x{k}=" for k in range(5001))
    response = client.post(
        "/calculator",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert response.status_code == 413
    assert "提交的字段过多（最多 5000 个）" in response.text and 'id="calc-form"' in response.text


def test_a_form_just_under_the_field_limit_is_answered_with_the_form(client):
    body = "&".join(f"x{k}=" for k in range(4990)) + "&kind=enterprise&action=refresh"
    response = client.post(
        "/calculator", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200 and 'id="calc-form"' in response.text


def test_a_multipart_form_with_many_fields_is_never_a_500(client):
    files = {f"f{k}": (None, "x") for k in range(1200)}
    response = client.post("/calculator", files=files, headers={"accept": "text/html"})
    assert response.status_code in (400, 413, 422) and is_chinese(response.text)


# ---------------------------------------------------------------- every message is Chinese

ENGLISH = (
    "Input should",
    "Field required",
    "Value error",
    "error parsing",
    "Expecting",
    "JSON decode",
    "Extra inputs",
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
PATHS = [
    "as_of",
    "applicant",
    "applicant__kind",
    "applicant__name",
    "applicant__city",
    "applicant__credit_code",
    "products",
    "events",
    "events__0",
    "events__0__id",
    "events__0__type",
    "events__0__date",
    "events__0__stage",
    "events__0__rd_investment",
    "events__0__transferred_city",
    "prior_awards",
    "prior_awards__0",
    "prior_awards__0__amount",
    "prior_awards__0__date",
    "prior_awards__0__programme",
]


@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_refusal_of_a_case_is_in_chinese(client, path, value):
    response = client.post("/api/v1/assess", json=case(**{path: value}))
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        body = response.json()
        assert is_chinese(body["detail"]) and not any(e in body["detail"] for e in ENGLISH), body["detail"]
        for item in body["errors"]:
            assert is_chinese(item["msg"]) and not any(e in item["msg"] for e in ENGLISH), item


@given(
    name=st.sampled_from(["limit", "as_of", "doc", "q"]),
    value=st.text(max_size=300) | st.integers().map(str),
)
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_refusal_of_a_query_is_in_chinese(client, name, value):
    url = "/api/v1/search" if name in ("limit", "doc", "q") else "/api/v1/overview"
    params = {"q": "伦理", name: value}
    response = client.get(url, params=params)
    assert response.status_code in (200, 404, 422)
    if response.status_code != 200:
        detail = response.json()["detail"]
        assert is_chinese(detail) and not any(e in detail for e in ENGLISH), detail
