"""Schedule files (policies/_calendar/<year>.yaml): loaded without a service, refused with Chinese
messages that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.loader import RulesError

GOOD = {
    "year": 2027,
    "source": {"title": "测试用安排（非官方）", "number": "测试〔2027〕1号", "date": "2026-11-01"},
    "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
    "workdays": [{"name": "测试调休", "date": "2027-01-09"}],
}


def _write(root: Path, name: str, data: object) -> Path:
    folder = root / "policies" / "_calendar"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data, "utf-8")
    return root / "policies"


def _refused(root: Path) -> list[str]:
    with pytest.raises(RulesError) as exc:
        load_schedules(root)
    return exc.value.problems


def test_the_shipped_policies_load_and_a_missing_folder_means_no_files(tmp_path):
    assert isinstance(load_schedules(), dict)
    assert load_schedules(tmp_path) == {}


def test_a_good_file_loads_with_its_days_and_source(tmp_path):
    schedules = load_schedules(_write(tmp_path, "2027.yaml", GOOD))
    s = schedules[2027]
    assert len(s.days_off()) == 3 and len(s.make_up_days()) == 1
    assert s.cite() == "《测试用安排（非官方）》（测试〔2027〕1号，2026-11-01）"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("source"), "source：缺少必填字段"),
        (lambda d: d["source"].pop("number"), "source.number：缺少必填字段"),
        (lambda d: d["source"].update(date="2026-13-01"), "source.date：应为 YYYY-MM-DD 格式的日期"),
        (
            lambda d: d["workdays"][0].update(date="2027-01-11"),
            "workdays[0]：2027-01-11 是星期一，调休上班日应为周六或周日",
        ),
        (lambda d: d["holidays"][0].update(to="2026-12-31"), "to（2026-12-31）早于 from（2027-01-01）"),
        (
            lambda d: d["holidays"].append({"name": "跨年", "date": "2028-01-01"}),
            "holidays[1]：日期 2028-01-01 不在 2027 年内",
        ),
        (
            lambda d: d["workdays"].append({"name": "重复", "date": "2027-01-02"}),
            "workdays[1]：2027-01-02 同时列为假期“元旦”",
        ),
        (lambda d: d["holidays"][0].update(date="2027-01-01"), "应写 date（一天）或 from/to（连续几天）之一"),
        (lambda d: d.update(holiday=[]), "holiday：不认识的字段"),
    ],
)
def test_a_broken_file_is_refused_naming_file_and_field(tmp_path, change, expected):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    change(data)
    problems = _refused(_write(tmp_path, "2027.yaml", data))
    assert any(p.startswith("policies/_calendar/2027.yaml：") and expected in p for p in problems), problems


def test_the_year_must_match_the_file_name(tmp_path):
    problems = _refused(_write(tmp_path, "2028.yaml", GOOD))
    assert problems == ["policies/_calendar/2028.yaml：year 应与文件名一致（2028），收到 2027"]


def test_bad_yaml_names_the_line(tmp_path):
    problems = _refused(_write(tmp_path, "2027.yaml", "year: 2027\nsource: [\n"))
    assert problems[0].startswith("policies/_calendar/2027.yaml：YAML 格式错误 第")
