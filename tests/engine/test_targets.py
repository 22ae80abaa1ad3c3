"""Target trajectories: reached, not reached, on and off track by a linear pace from the baseline or
the first actual, with the assumption stated; too few points is said, not guessed."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from biopolicy.corpus.loader import load_corpus
from biopolicy.engine.targets import Actual, Pace, TargetInputError, target_progress
from biopolicy.rules.targets import load_targets

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def targets():
    return load_targets(load_corpus(POLICIES)).targets


def test_revenue_on_pace_from_the_2021_baseline_reaches_1200_by_2025(targets):
    # 851 (2021) -> 1030 (2023): +89.5 a year, 1209 in 2025
    p = target_progress(targets["fj-2023-7/m1-revenue"], [Actual(2023, D("1030"), "省统计局")])
    assert p.pace is Pace.on_track and p.projected == D("1209") and p.rate_per_year == D("89.5")
    assert p.origin is not None and p.origin.kind == "baseline" and p.origin.year == 2021
    assert "自基数（2021 年 851亿元）" in p.assumption and "假定此后每年变化相同" in p.assumption
    assert p.needed_per_year == D("85")
    assert p.points[-1].kind == "projection"


def test_revenue_off_pace_from_the_baseline_falls_short_and_says_by_how_much(targets):
    # 851 -> 1020: +84.5 a year, 1189 in 2025
    p = target_progress(targets["fj-2023-7/m1-revenue"], [Actual(2023, D("1020"), "省统计局")])
    assert p.pace is Pace.off_track and p.projected == D("1189")
    assert "按当前进度差 11亿元" in p.steps


def test_the_pace_from_the_first_actual_can_differ_from_the_pace_from_the_baseline(targets):
    actuals = [Actual(2022, D("860"), "a"), Actual(2024, D("1040"), "b")]
    # from the baseline: (1040-851)/3 = 63 a year -> 1103 in 2025: off track
    assert target_progress(targets["fj-2023-7/m1-revenue"], actuals).pace is Pace.off_track
    # from the first actual: (1040-860)/2 = 90 a year -> 1130: still off; a faster year makes it on track
    p = target_progress(targets["fj-2023-7/m1-revenue"], actuals, origin="first_actual")
    assert p.rate_per_year == D("90") and p.pace is Pace.off_track and "第一个实际值" in p.assumption
    fast = [Actual(2022, D("860"), "a"), Actual(2024, D("1100"), "b")]
    assert target_progress(targets["fj-2023-7/m1-revenue"], fast, origin="first_actual").pace is Pace.on_track
    assert (
        target_progress(targets["fj-2023-7/m1-revenue"], fast).pace is Pace.off_track
    )  # (1100-851)/3=83 -> 1183


def test_the_target_year_decides_on_its_actual_value_both_ways(targets):
    t = targets["fj-2023-7/m1-revenue"]
    assert target_progress(t, [Actual(2025, D("1200"), "s")]).pace is Pace.reached
    miss = target_progress(t, [Actual(2025, D("1199.9"), "s")])
    assert miss.pace is Pace.not_reached and "差 0.1亿元" in miss.steps[-1]


def test_an_approximate_target_is_reached_at_its_figure_and_not_below(targets):
    t = targets["fj-2023-7/m1-clusters"]
    assert target_progress(t, [Actual(2025, D("5"), "s")]).pace is Pace.reached
    assert target_progress(t, [Actual(2025, D("4"), "s")]).pace is Pace.not_reached


def test_a_target_met_early_is_reached(targets):
    p = target_progress(targets["fz-plan/enterprises"], [Actual(2024, D("61"), "s")])
    assert p.pace is Pace.reached and "提前" in p.assumption


def test_one_point_without_a_baseline_cannot_give_a_pace(targets):
    t = targets["fz-plan/output"]  # no baseline: 122.4亿元 is another indicator
    p = target_progress(t, [Actual(2022, D("300"), "s")])
    assert p.pace is Pace.unknown and p.projected is None and p.needed_per_year == D("200") / 3
    assert target_progress(t, []).pace is Pace.unknown
    two = target_progress(t, [Actual(2022, D("300"), "s"), Actual(2023, D("400"), "s")])
    assert two.pace is Pace.on_track and two.projected == D("600")


def test_a_cumulative_target_says_the_actuals_are_counts_added(targets):
    p = target_progress(targets["fz-plan/new-drugs"], [Actual(2022, D("1"), "s"), Actual(2023, D("2"), "s")])
    assert p.pace is Pace.off_track and p.projected == D("4") and "累计新增数" in p.assumption


def test_a_text_only_goal_is_listed_not_measured(targets):
    p = target_progress(targets["fj-yj-2025-30/goal-2035"], [])
    assert p.pace is Pace.text_only and p.points == () and "2035" in p.steps[0]


def test_bad_actuals_are_refused_naming_the_field(targets):
    with pytest.raises(TargetInputError) as exc:
        target_progress(
            targets["fj-2023-7/m1-revenue"],
            [Actual(2023, D("1"), "a"), Actual(2023, D("2"), "b"), Actual(2024, D("-1"), " ")],
        )
    assert exc.value.problems == [
        "actuals[1].year：2023 年已有实际值（actuals[0]），同一年只能有一个",
        "actuals[2].value：不能为负数，收到 -1",
        "actuals[2].source：应写明数据来源",
    ]
