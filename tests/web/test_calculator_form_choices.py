"""The calculator form offers what fits: achievements some measure pays the applicant's kind for,
the registration classes of the chosen product type, a year (not a made-up day) for a yearly
figure, and hints in plain words."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from biopolicy.services.calculator import get_calculator
from biopolicy.web.app import create_app
from biopolicy.web.forms.calculator import decode_case


@pytest.fixture(scope="module")
def client(real_library):
    with TestClient(create_app(real_library, get_calculator()), raise_server_exceptions=False) as c:
        yield c


def refresh(client, **fields):
    data = {"name": "甲", "city": "厦门市", "as_of": "2025-09-30", "action": "refresh"} | fields
    return client.post("/calculator", data=data).text


def offered(page: str, row: int = 0) -> set[str]:
    select = re.search(rf'<select name="e{row}\.type".*?</select>', page, re.S).group(0)
    return {
        m.group(1)
        for m in re.finditer(r'<option value="([^"]+)"([^>]*)>', select)
        if "disabled" not in m.group(2)
    }


def reg_options(page: str, row: int = 0) -> list[str]:
    select = re.search(rf'<select name="e{row}\.registration_class".*?</select>', page, re.S).group(0)
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def test_a_hospital_is_not_offered_a_stock_exchange_listing(client):
    hospital = offered(refresh(client, kind="medical_institution"))
    enterprise = offered(refresh(client, kind="enterprise"))
    assert "listed_on_exchange" in enterprise and "listed_on_exchange" not in hospital
    assert "new_products_used_year" in hospital
    calculator = get_calculator()
    for event in calculator.catalogue.events:
        pays_hospitals = any(
            m.event == event and "medical_institution" in m.applicant.kinds for m in calculator.measures()
        )
        assert (event in hospital) == pays_hospitals, event


def test_a_chosen_type_stays_offered_even_if_the_kind_changed(client):
    page = refresh(
        client, kind="medical_institution", **{"e0.type": "listed_on_exchange", "e0.date": "2025-01-01"}
    )
    assert "listed_on_exchange" in offered(page)


def test_registration_classes_follow_the_product_type(client):
    base = {"kind": "enterprise", "e0.type": "clinical_stage_completed", "e0.date": "2025-06-30"}
    device = reg_options(refresh(client, **base, **{"e0.product_type": "device"}))
    assert device == ["I", "II", "III"]
    chemical = reg_options(refresh(client, **base, **{"e0.product_type": "chemical"}))
    assert chemical == list(get_calculator().catalogue.registration_classes["chemical"])
    assert "III" not in chemical and "1.4" not in chemical  # 1.4 is a vaccine's class
    anything = reg_options(refresh(client, **base))
    assert "III" in anything and "1" in anything  # no type chosen yet: every class


def test_the_form_carries_every_types_classes_for_the_script(client):
    page = refresh(client, kind="enterprise")
    assert 'data-classes="{&#34;' in page and "&#34;device&#34;: [[&#34;I&#34;" in page


def test_a_yearly_figure_is_asked_with_a_year(client):
    page = refresh(
        client,
        kind="medical_institution",
        **{"e0.type": "clinical_trial_service_year", "e0.date": "2025-12-31"},
    )
    field = re.search(r'<div class="calc-field calc-yearly">.*?</div>', page, re.S).group(0)
    assert 'placeholder="如 2025"' in field and 'value="2025"' in field
    assert "年度" in field and 'type="date"' not in field


def test_a_year_alone_is_read_as_that_years_end(client):
    data = {
        "kind": "medical_institution",
        "name": "厦门乙医院",
        "city": "厦门市",
        "as_of": "2026-03-01",
        "e0.type": "clinical_trial_service_year",
        "e0.date": "2025",
        "e0.attr.service_income": "500万",
        "action": "assess",
    }
    r = client.post("/calculator", data=data, follow_redirects=False)
    assert r.status_code == 303
    case = decode_case(parse_qs(urlparse(r.headers["location"]).query)["c"][0])
    assert case["events"][0]["date"] == "2025-12-31"
    bad = client.post("/calculator", data=data | {"e0.date": "去年"})
    assert bad.status_code == 422 and "年度应写成四位年份，如 2025" in bad.text


def test_a_day_is_still_a_day_for_other_achievements(client):
    data = {
        "kind": "enterprise",
        "name": "甲",
        "city": "厦门市",
        "as_of": "2025-09-30",
        "e0.type": "clinical_stage_completed",
        "e0.date": "2025",
        "action": "assess",
    }
    r = client.post("/calculator", data=data)
    assert r.status_code == 422 and "日期应写成 YYYY-MM-DD" in r.text


def test_hints_are_plain_words_and_one_word_for_achievements(client):
    page = refresh(client, kind="enterprise")
    assert "非负整数" not in page
    assert "事件" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "添加成果" in page
