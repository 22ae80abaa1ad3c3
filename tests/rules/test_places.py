"""Places as content: any division of China, zones from the catalogue, checked against the issuer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules
from biopolicy.rules.places import PlacesError, load_divisions
from biopolicy.services.calculator import Calculator

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def places():
    return load_divisions(POLICIES)


def test_every_level_of_every_province_is_known(places):
    assert places.resolve("晋江市")[0].code == "350582"
    assert places.qualified(places.resolve("晋江市")[0]) == "福建省/泉州市/晋江市"
    assert places.resolve("成都市")[0].level == "city"
    assert places.resolve("平潭综合实验区")[0].level == "city"  # a zone of the catalogue
    assert places.qualified(places.resolve("火炬高新区")[0]) == "福建省/厦门市/火炬高新区"
    assert "GB/T 2260" in places.source


def test_a_namesake_must_be_qualified_and_an_unknown_place_is_named(places):
    division, problem = places.resolve("鼓楼区")
    assert division is None and "福建省/福州市/鼓楼区" in problem and "请连同上级写明" in problem
    assert places.resolve("福州市/鼓楼区")[0].code == "350102"
    assert "未知的地点“泉州县”" in places.resolve("泉州县")[1]


@pytest.mark.parametrize(
    ("province", "city", "district", "problem"),
    [
        ("福建省", "泉州市", "晋江市", None),
        ("四川省", "成都市", "武侯区", None),  # outside Fujian is not an error
        ("上海市", None, "浦东新区", None),
        ("福建省", "厦门市", "火炬高新区", None),
        ("福建省", "成都市", None, "applicant.city：“成都市”不是福建省的地级行政区"),
        ("福建省", "厦门市", "晋江市", "applicant.district：“晋江市”不是厦门市的县级行政区"),
        ("福建", None, None, "applicant.province：未知的省级行政区“福建”"),
    ],
)
def test_an_applicants_location_is_checked_level_by_level(places, province, city, district, problem):
    found = places.location_problem(province, city, district)
    assert (found is None) if problem is None else (found is not None and str(found).startswith(problem))


def test_a_bad_zone_names_the_file_and_field(tmp_path):
    root = tmp_path / "policies"
    (root / "_catalogue").mkdir(parents=True)
    (root / "_catalogue" / "places.yaml").write_text(
        "zones:\n  - {code: x-zone, name: 某区, parent: 火星市, level: district, note: 一个测试用的功能区说明}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlacesError) as exc:
        load_divisions(root)
    assert exc.value.problems[0].startswith(
        "policies/_catalogue/places.yaml：zones[0].parent：未知的地点“火星市”"
    )


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


def _with_place(tmp_path, place: str, doc: str = "xm-2023") -> Path:
    root = tmp_path / "policies"
    shutil.copytree(POLICIES, root)
    path = root / doc / "measures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["measures"][0]["applicant"]["places"] = [place]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def test_a_measures_place_must_lie_within_its_issuers_division(corpus, tmp_path):
    root = _with_place(tmp_path, "福建省")
    with pytest.raises(RulesError) as exc:
        load_rules(corpus, load_catalogue(root), root)
    assert any(
        "xm-2023/measures.yaml：措施 xm-2023/m1-clinical：applicant.places：“福建省”不在发文机关所属的厦门市之内"
        in p
        for p in exc.value.problems
    ), exc.value.problems


def test_a_county_below_the_issuer_is_accepted_and_covers_only_itself(corpus, tmp_path):
    root = _with_place(tmp_path, "海沧区")
    rules = load_rules(corpus, load_catalogue(root), root)
    assert rules.measures["xm-2023/m1-clinical"].applicant.places == ["海沧区"]
    calc = Calculator(corpus, rules, load_catalogue(root))
    event = {
        "id": "e1",
        "type": "clinical_stage_completed",
        "date": "2026-03-01",
        "product_id": "p1",
        "stage": "phase_2",
        "rd_investment": "30000000",
        "transferred_city": "厦门市",
    }

    def case(district):
        return {
            "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市", "district": district},
            "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
            "events": [event],
            "as_of": "2026-03-02",
        }

    def clinical(district):
        result = calc.assess(case(district))
        return next(e for e in result.entitlements if e.measure_id == "xm-2023/m1-clinical")

    assert clinical("海沧区").eligibility.value == "yes"
    assert clinical("思明区").eligibility.value == "no"


def test_an_applicant_outside_every_covered_division_gets_no_measure_not_an_error(corpus):
    calc = Calculator.load(corpus, POLICIES)
    result = calc.assess(
        {
            "applicant": {"kind": "enterprise", "name": "成都某药业", "province": "四川省", "city": "成都市"},
            "events": [],
            "as_of": "2026-03-02",
        }
    )
    assert result.covered is False and "没有措施覆盖" in result.coverage_note
