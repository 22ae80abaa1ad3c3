"""Target rules load with the corpus and are refused when a value, baseline, year, clause or excerpt
is not in the text: a target cannot be invented."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError
from biopolicy.rules.targets import Bound, load_targets

POLICIES = Path(__file__).resolve().parents[2] / "policies"
FJ = "policies/fj-2023-7/targets.yaml"
FZ = "policies/fz-plan/targets.yaml"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@pytest.fixture
def policies(tmp_path) -> Path:
    root = tmp_path / "policies"
    for name in ("fj-2023-7", "fz-plan", "fj-yj-2025-30"):
        shutil.copytree(POLICIES / name, root / name)
    return root


def _edit(root: Path, change: Callable[[dict], None], rel: str) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _t(data: dict, tid: str) -> dict:
    return next(t for t in data["targets"] if t["id"] == tid)


def test_the_shipped_targets_load(corpus):
    s = load_targets(corpus)
    rev = s.targets["fj-2023-7/m1-revenue"]
    assert (rev.value, rev.unit, rev.year, rev.bound) == (Decimal(1200), "亿元", 2025, Bound.at_least)
    assert rev.baseline is not None and (rev.baseline.value, rev.baseline.year) == (Decimal(851), 2021)
    clusters = s.targets["fj-2023-7/m1-clusters"]
    assert (clusters.value, clusters.unit, clusters.bound) == (Decimal(5), "个", Bound.approx)
    assert s.targets["fj-2023-7/m5-platforms"].value == 5
    fz = {t.id: (t.value, t.unit) for t in s.targets.values() if t.id.startswith("fz-plan/")}
    assert fz == {
        "fz-plan/output": (Decimal(500), "亿元"),
        "fz-plan/enterprises": (Decimal(60), "家"),
        "fz-plan/new-drugs": (Decimal(5), "个"),
        "fz-plan/new-devices": (Decimal(50), "个"),
        "fz-plan/new-trials": (Decimal(10), "个"),
        "fz-plan/consistency": (Decimal(30), "个"),
    }
    goals = [t for t in s.targets.values() if t.id.startswith("fj-yj-2025-30/")]
    assert sorted(t.year for t in goals) == [2030, 2035] and not any(t.quantified for t in goals)


@pytest.mark.parametrize(
    ("rel", "change", "expected"),
    [
        (
            FJ,
            lambda d: _t(d, "fj-2023-7/m1-revenue").update(value=1300),
            "value：1300亿元 不在所引条款 fj-2023-7/m1",
        ),
        (FJ, lambda d: _t(d, "fj-2023-7/m1-revenue").update(unit="万元"), "value：1200万元 不在所引条款"),
        (
            FJ,
            lambda d: _t(d, "fj-2023-7/m1-revenue")["baseline"].update(value=900),
            "baseline.value：900亿元 不在所引条款 fz-plan/s1/4",
        ),
        (
            FJ,
            lambda d: _t(d, "fj-2023-7/m1-revenue")["baseline"].update(year=2020),
            "baseline.year：所引条款未写 2020 年",
        ),
        (FJ, lambda d: _t(d, "fj-2023-7/m1-clusters").update(year=2027), "year：所引条款未写 2027 年"),
        (FJ, lambda d: _t(d, "fj-2023-7/m5-platforms").update(notes=[]), "year：所引条款未写 2025 年"),
        (
            FJ,
            lambda d: _t(d, "fj-2023-7/m1-clusters").update(excerpt="打造 6 个左右"),
            "不在所引条款 fj-2023-7/m1 的原文中",
        ),
        (
            FJ,
            lambda d: _t(d, "fj-2023-7/m1-clusters").update(clauses=["fj-2023-7/m0"]),
            "引用的条款“fj-2023-7/m0”不存在",
        ),
        (FJ, lambda d: _t(d, "fj-2023-7/m1-clusters").update(unit="亿"), "unit 应为"),
        (FJ, lambda d: _t(d, "fj-2023-7/m1-clusters").pop("bound"), "同时写 unit"),
        (
            FZ,
            lambda d: _t(d, "fz-plan/enterprises").update(unit="个"),
            "value：60个 不在所引条款 fz-plan/s4/4",
        ),
        (FZ, lambda d: _t(d, "fz-plan/output").update(place="榕城"), "place：未知的地点“榕城”"),
        (FZ, lambda d: d.update(document="fj-2023-7"), "document 应为所在目录名“fz-plan”"),
    ],
)
def test_a_wrong_target_is_refused_naming_file_and_target(corpus, policies, rel, change, expected):
    _edit(policies, change, rel.removeprefix("policies/"))
    with pytest.raises(RulesError) as exc:
        load_targets(corpus, policies)
    assert any(p.startswith(f"{rel}：") and expected in p for p in exc.value.problems), exc.value.problems
