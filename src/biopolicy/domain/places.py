"""Places the policies name: the province, its nine cities and Pingtan, and Xiamen's districts.

A measure names the places it covers; a place covers the places below it, so a provincial
measure covers every city and a Xiamen measure every Xiamen district.
"""

from __future__ import annotations

from biopolicy.domain.validation import Problem

PROVINCE = "福建省"
PINGTAN = "平潭综合实验区"
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
    PINGTAN,
)
XIAMEN_DISTRICTS = ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区", "火炬高新区")
DISTRICTS = {"厦门市": XIAMEN_DISTRICTS}

KNOWN_PLACES = frozenset((PROVINCE, *CITIES, *XIAMEN_DISTRICTS))


def covers(place: str, province: str | None, city: str | None, district: str | None) -> bool:
    """Whether a measure's ``place`` covers an applicant located at province/city/district."""
    if place == PROVINCE:
        return province == PROVINCE
    if place in CITIES:
        return province == PROVINCE and city == place
    return province == PROVINCE and district == place


def validate_location(province: str | None, city: str | None, district: str | None) -> Problem | None:
    """A Chinese message naming what is wrong with a location inside Fujian, or None.

    A place outside Fujian is not an error: no measure covers it, and the assessment says so.
    """
    if province != PROVINCE:
        return None
    if city is not None and city not in CITIES:
        return Problem(("applicant", "city"), f"福建省内的城市应为 {'、'.join(CITIES)} 之一，收到“{city}”")
    if district is not None:
        allowed = DISTRICTS.get(city or "")
        if allowed is not None and district not in allowed:
            return Problem(
                ("applicant", "district"), f"{city}的区应为 {'、'.join(allowed)} 之一，收到“{district}”"
            )
    return None
