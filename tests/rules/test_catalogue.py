"""The event catalogue's data that other code relies on: registration classes and places."""

from __future__ import annotations

import pytest

from biopolicy.domain.registration import includes
from biopolicy.rules.loader import default_policies_dir, load_catalogue
from biopolicy.rules.places import load_divisions


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_transferred_city_offers_every_fujian_city_and_outside_fujian(catalogue):
    values = catalogue.events["clinical_stage_completed"].attributes["transferred_city"].values
    places = load_divisions(default_policies_dir())
    fujian, _ = places.resolve("福建省")
    cities = [d.name for d in places.children(fujian) if d.level == "city"]
    assert len(cities) == 10 and "平潭综合实验区" in cities  # nine prefectures and the zone
    assert sorted(values) == sorted([*cities, "福建省外"])


@pytest.mark.parametrize(
    ("product_type", "written", "value"),
    [
        ("device", "Ⅲ", "III"),
        ("device", "III类", "III"),
        ("device", "第三类", "III"),
        ("device", "三类", "III"),
        ("device", "3", "III"),
        ("device", "ⅱ", "II"),
        ("ivd", "II", "II"),
        ("chemical", "1类", "1"),
        ("chemical", "一类", "1"),
        ("chemical", " 2.1 ", "2.1"),
        ("chemical", "２．２", "2.2"),
        ("tcm", "1.1类", "1.1"),
        ("biologic", "3.4", "3.4"),
    ],
)
def test_written_classes_read_as_the_catalogue_value(catalogue, product_type, written, value):
    assert catalogue.registration_class(product_type, written) == value


@pytest.mark.parametrize(
    ("product_type", "written", "words"),
    [
        ("chemical", "9", "应为 1（境内外均未上市的创新药）"),
        ("chemical", "Ⅲ", "不是化学药的注册分类"),  # Roman numerals are device notation
        ("tcm", "1.4", "不是中药及天然药物的注册分类"),  # TCM class 1 has 1.1–1.3 only
        ("chemical", "2.5", "不是化学药的注册分类"),
        ("device", "4", "III（第三类医疗器械）"),
        ("device", "1.1", "不是医疗器械的注册分类"),
        ("api", "1", "原料药没有注册分类"),
        ("chemical", "", "不是化学药的注册分类"),
    ],
)
def test_unknown_classes_are_refused_with_the_accepted_values(catalogue, product_type, written, words):
    with pytest.raises(ValueError, match=words):
        catalogue.registration_class(product_type, written)


def test_a_class_includes_its_sub_classes_and_nothing_else():
    assert includes("1", "1") and includes("1", "1.1") and includes("3", "3.2")
    assert not includes("1", "11") and not includes("1.1", "1") and not includes("2", "1.2")


def test_every_registration_class_type_is_a_product_type(catalogue):
    assert set(catalogue.registration_classes) <= set(catalogue.product_types)
    assert {"chemical", "biologic", "tcm", "device"} <= set(catalogue.registration_classes)
