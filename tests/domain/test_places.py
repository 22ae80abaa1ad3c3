"""What a place covers: pure, on names; a qualified place tells namesakes apart."""

from __future__ import annotations

import pytest

from biopolicy.domain.places import covers


@pytest.mark.parametrize(
    ("place", "province", "city", "district", "covered"),
    [
        ("福建省", "福建省", "泉州市", "晋江市", True),  # a province covers every division below it
        ("泉州市", "福建省", "泉州市", "晋江市", True),
        ("晋江市", "福建省", "泉州市", "晋江市", True),
        ("晋江市", "福建省", "泉州市", "石狮市", False),  # not the rest of Quanzhou
        ("晋江市", "福建省", "泉州市", None, False),  # an applicant in Quanzhou, county not given
        ("泉州市", "福建省", "厦门市", None, False),
        ("福建省", "四川省", "成都市", None, False),
        ("成都市", "四川省", "成都市", "武侯区", True),
        ("福州市/鼓楼区", "福建省", "福州市", "鼓楼区", True),
        ("福州市/鼓楼区", "江苏省", "南京市", "鼓楼区", False),  # Nanjing's namesake
        ("上海市/浦东新区", "上海市", None, "浦东新区", True),  # a municipality has no prefecture
        ("上海市/浦东新区", "上海市", "上海市", "浦东新区", True),
    ],
)
def test_a_place_covers_those_below_it(place, province, city, district, covered):
    assert covers(place, province, city, district) is covered
