"""Time-limit rules load with the corpus and are refused, in Chinese naming file and rule, when a
number, clause, excerpt, procedure or baseline is wrong: nothing can be invented."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError
from biopolicy.rules.time_limits import load_time_limits

POLICIES = Path(__file__).resolve().parents[2] / "policies"
FILE = "policies/fj-yj-2025-30/time_limits.yaml"
M9 = "fj-yj-2025-30/m9-supplement-review-inspection"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@pytest.fixture
def policies(tmp_path) -> Path:
    root = tmp_path / "policies"
    for name in ("_catalogue", "_national", "fj-yj-2025-30", "fj-2023-7"):
        shutil.copytree(POLICIES / name, root / name)
    return root


def _edit(root: Path, change: Callable[[dict], None], rel: str = "fj-yj-2025-30/time_limits.yaml") -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _rule(data: dict, rid: str = M9) -> dict:
    return next(r for r in data["time_limits"] if r["id"] == rid)


def _refused(corpus, root: Path) -> list[str]:
    with pytest.raises(RulesError) as exc:
        load_time_limits(corpus, root)
    return exc.value.problems


def test_the_shipped_time_limits_load(corpus):
    limits = load_time_limits(corpus)
    assert len(limits.rules) == 6 and all(r.clauses for r in limits.rules.values())
    assert {r.procedure for r in limits.rules.values()} <= set(limits.procedures)
    assert limits.rules[M9].limit.days == 60 and limits.rules[M9].was == 200
    # fj-2023-7 14 (按月增补) is read and explained, not encoded
    assert not [r for r in limits.rules.values() if r.id.startswith("fj-2023-7")]
    assert "fj-2023-7/m14" in limits.notes["fj-2023-7"][0].clauses


def test_every_unconfirmed_national_value_says_why(corpus):
    limits = load_time_limits(corpus)
    unconfirmed = {b.id for b in limits.baselines.values() if not b.confirmed}
    assert unconfirmed == {
        "drug-2020/96-4-supplement-combined",
        "drug-2020/96-4-supplement-inspection",
        "drug-2020/96-5-generic-name",
        "drug-2020/96-6-otc",
        "drug-2020/100-decision",
        "nmpa-2025/innovative-drug-trial-30-days",
    }
    assert all(limits.baselines[b].note for b in unconfirmed)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: _rule(d).update(clauses=["fj-yj-2025-30/m99"]), "引用的条款“fj-yj-2025-30/m99”不存在"),
        (
            lambda d: _rule(d).update(excerpt="由200个工作日缩短至50个工作日"),
            "不在所引条款 fj-yj-2025-30/m9 的原文中",
        ),
        (lambda d: _rule(d)["limit"].update(days=50), "期限 50 不在所引条款 fj-yj-2025-30/m9 写明的数字中"),
        (
            lambda d: _rule(d).update(was=60),
            "was：条款写明原时限 60，但国家基线 drug-2020/96-4-supplement-inspection 为 200",
        ),
        (lambda d: _rule(d).update(procedure="drug_nope"), "procedure：未知的程序“drug_nope”"),
        (
            lambda d: _rule(d).update(replaces="drug-2020/nope"),
            "replaces：没有 id 为“drug-2020/nope”的国家基线",
        ),
        (
            lambda d: _rule(d).update(replaces="drug-2020/96-2-marketing"),
            "国家基线 drug-2020/96-2-marketing 不适用于程序",
        ),
        (lambda d: _rule(d).update(places=["厦门"]), "places：未知的地点“厦门”"),
        (lambda d: _rule(d)["limit"].update(reduce_by_days=20), "limit：limit 应恰写 days"),
        (lambda d: _rule(d).update(until="2025-01-01"), "until（2025-01-01）早于 since（2025-08-07）"),
        (
            lambda d: _rule(d, "fj-yj-2025-30/m11-device-urgent-testing")["limit"].update(
                reduce_by_percent=30
            ),
            "比例 30% 不在所引条款 fj-yj-2025-30/m11 写明的数字中",
        ),
        (
            lambda d: _rule(d, "fj-yj-2025-30/m11-device-urgent-testing").update(notes=[]),
            "相对时限没有 replaces（国家基线）时，应在 notes 中说明法定时限按个案提供",
        ),
        (lambda d: d.update(document="fj-2023-7"), "document 应为所在目录名“fj-yj-2025-30”"),
    ],
)
def test_a_wrong_local_limit_is_refused_naming_file_and_rule(corpus, policies, change, expected):
    _edit(policies, change)
    problems = _refused(corpus, policies)
    assert any(p.startswith(f"{FILE}：") and expected in p for p in problems), problems


def test_a_limit_in_calendar_days_where_the_clause_says_working_days_is_refused(corpus, policies):
    def change(d):
        _rule(d)["limit"]["unit"] = "calendar_days"
        _rule(d)["replaces"] = None

    _edit(policies, change)
    problems = _refused(corpus, policies)
    assert any("条款中的 60 的单位是“工作日”" in p for p in problems), problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["baselines"][0].update(confirmed=False), "baselines[0]：confirmed 为 false 时应写 note"),
        (
            lambda d: d["baselines"][0].update(regulation="nope"),
            "baselines[0]（drug-2020/96-1-clinical-trial）：regulation“nope”",
        ),
        (lambda d: d["baselines"][0].update(procedures=["nope"]), "procedure：未知的程序“nope”"),
        (lambda d: d["baselines"][0]["supplement"].update(extend_by="abc"), "extend_by 应为分数，如 1/3"),
        (lambda d: d["baselines"][0]["supplement"].update(restart_days=40), "只能写一个"),
    ],
)
def test_a_wrong_national_baseline_is_refused(corpus, policies, change, expected):
    _edit(policies, change, "_national/time_limits.yaml")
    problems = _refused(corpus, policies)
    assert any(p.startswith("policies/_national/time_limits.yaml：") and expected in p for p in problems), (
        problems
    )


def test_an_unknown_procedure_catalogue_field_is_refused(corpus, policies):
    _edit(
        policies,
        lambda d: d["procedures"]["drug_marketing_review"].update(regime="food"),
        "_catalogue/procedures.yaml",
    )
    problems = _refused(corpus, policies)
    assert problems[0].startswith(
        "policies/_catalogue/procedures.yaml：procedures.drug_marketing_review.regime"
    )


@pytest.mark.parametrize("missing", ["_catalogue/procedures.yaml", "_national/time_limits.yaml"])
def test_a_missing_catalogue_or_national_file_is_named(corpus, policies, missing):
    (policies / missing).unlink()
    assert f"policies/{missing}：文件不存在" in _refused(corpus, policies)
