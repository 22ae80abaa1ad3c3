"""Targets: the trajectory of actual values and whether the current pace reaches the target in time.

``target_progress(target, actuals)`` takes a target (rules/targets.py) and the actual values entered
or imported (year, value in the target's unit, source) and returns the trajectory (baseline and
actuals in year order) and a verdict, stated with its assumption:

* the target's year has an actual value (or a later year has): reached or not reached, on that value;
* the latest actual already meets the target: reached early;
* otherwise the pace is linear: the average yearly change from the origin (the baseline, or the first
  actual where the text gives no baseline or ``origin="first_actual"`` is asked) to the latest actual,
  carried forward to the target's year. On track if the projection meets the target, else off track;
  the yearly change needed from now on is stated either way;
* one point only (no baseline, one actual), or no actual at all: the pace cannot be judged.

"Meets" is at least the value, for ``at_least`` and for ``approx`` (左右: no tolerance is invented).
A text-only target has no trajectory. Pure: no I/O; numbers are Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from biopolicy.rules.targets import Bound, Target


class Pace(StrEnum):
    reached = "reached"  # the target's year (or a later one) has an actual that meets it, or the latest does
    not_reached = "not_reached"  # the target's year has an actual that falls short
    on_track = "on_track"  # the linear pace reaches it by its year
    off_track = "off_track"  # the linear pace falls short
    unknown = "unknown"  # not enough points to judge
    text_only = "text_only"  # the goal has no number


PACE_LABELS = {
    Pace.reached: "已达成",
    Pace.not_reached: "未达成",
    Pace.on_track: "按当前进度可达成",
    Pace.off_track: "按当前进度难以达成",
    Pace.unknown: "数据不足，无法判断",
    Pace.text_only: "未量化目标，仅列示",
}


class TargetInputError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Actual:
    """An actual value of the target's indicator in ``year``, in the target's unit."""

    year: int
    value: Decimal
    source: str  # where the figure comes from (统计公报, 部门报送, ...)
    recorded: date | None = None  # when it was entered or imported


@dataclass(frozen=True, slots=True)
class Point:
    year: int
    value: Decimal
    kind: str  # baseline / actual / projection
    source: str


@dataclass(frozen=True)
class Progress:
    target_id: str
    pace: Pace
    points: tuple[Point, ...]  # baseline and actuals in year order, then the projection if any
    origin: Point | None
    rate_per_year: Decimal | None  # average yearly change from origin to the latest actual
    projected: Decimal | None  # value projected at the target's year
    needed_per_year: Decimal | None  # yearly change needed from the latest actual to reach the target
    assumption: str  # how the pace was worked out, in Chinese
    steps: tuple[str, ...]
    clauses: tuple[str, ...]

    @property
    def pace_label(self) -> str:
        return PACE_LABELS[self.pace]


def check_actuals(actuals: Sequence[Actual], field_name: str = "actuals") -> None:
    problems = []
    seen: dict[int, int] = {}
    for i, a in enumerate(actuals):
        where = f"{field_name}[{i}]"
        if not isinstance(a.value, Decimal):
            problems.append(f"{where}.value：应为数字（Decimal），收到 {a.value!r}")
        elif a.value < 0:
            problems.append(f"{where}.value：不能为负数，收到 {a.value}")
        if not a.source or not a.source.strip():
            problems.append(f"{where}.source：应写明数据来源")
        if a.year in seen:
            problems.append(
                f"{where}.year：{a.year} 年已有实际值（{field_name}[{seen[a.year]}]），同一年只能有一个"
            )
        seen.setdefault(a.year, i)
    if problems:
        raise TargetInputError(problems)


def _fmt(v: Decimal) -> str:
    q = v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    s = format(q, "f").rstrip("0").rstrip(".")
    return s or "0"


def target_progress(target: Target, actuals: Sequence[Actual], *, origin: str = "baseline") -> Progress:
    """The trajectory of ``target`` and whether the current pace reaches it.

    ``origin``: "baseline" (default; falls back to the first actual where there is no baseline) or
    "first_actual".
    """
    if origin not in ("baseline", "first_actual"):
        raise TargetInputError([f"origin：应为 baseline 或 first_actual，收到“{origin}”"])
    check_actuals(actuals)
    clauses = tuple(target.clauses)
    if target.value is None:
        return Progress(
            target.id,
            Pace.text_only,
            (),
            None,
            None,
            None,
            None,
            "原文未给出可量化的数值，不测算进度",
            (f"目标：{target.title}（{target.year}年）",),
            clauses,
        )
    value, unit, year = target.value, target.unit or "", target.year
    bound = "" if target.bound is Bound.at_least else "左右"
    goal = f"{target.indicator}到 {year} 年达到 {_fmt(value)}{unit}{bound}"
    steps = [f"目标：{goal}（{'、'.join(clauses)}）"]
    points: list[Point] = []
    if target.baseline is not None:
        b = target.baseline
        points.append(Point(b.year, b.value, "baseline", f"基数（{'、'.join(b.clauses)}）"))
    ordered = sorted(actuals, key=lambda a: a.year)
    points += [Point(a.year, a.value, "actual", a.source) for a in ordered]
    cumulative = "；实际值为累计新增数" if target.cumulative else ""

    def done(pace: Pace, assumption: str, **kw) -> Progress:
        return Progress(
            target.id,
            pace,
            tuple(kw.pop("extra_points", points)),
            kw.get("origin"),
            kw.get("rate"),
            kw.get("projected"),
            kw.get("needed"),
            assumption + cumulative,
            tuple(steps),
            clauses,
        )

    if not ordered:
        steps.append("尚无实际值")
        return done(Pace.unknown, "尚无实际值，无法判断进度")
    at_or_after = [a for a in ordered if a.year >= year]
    if at_or_after:
        a = at_or_after[0]
        met = a.value >= value
        steps.append(
            f"{a.year} 年实际值 {_fmt(a.value)}{unit}（{a.source}），目标 {_fmt(value)}{unit}："
            f"{'已达成' if met else f'差 {_fmt(value - a.value)}{unit}'}"
        )
        return done(
            Pace.reached if met else Pace.not_reached,
            f"按 {a.year} 年（目标年份{'' if a.year == year else '之后第一个有数据的年份'}）的实际值判断",
        )
    latest = ordered[-1]
    if latest.value >= value:
        steps.append(f"{latest.year} 年实际值 {_fmt(latest.value)}{unit} 已不低于目标，提前达成")
        return done(Pace.reached, f"按最新实际值（{latest.year} 年）判断，已提前达到目标")
    use_baseline = origin == "baseline" and target.baseline is not None
    start = (
        points[0] if use_baseline else Point(ordered[0].year, ordered[0].value, "actual", ordered[0].source)
    )
    remaining_years = year - latest.year
    needed = (value - latest.value) / remaining_years
    if start.year >= latest.year:
        steps.append(f"只有 {latest.year} 年一个数据点，需至少两个年份的数据才能推算进度")
        steps.append(f"达成目标需自 {latest.year} 年起每年增加 {_fmt(needed)}{unit}")
        return done(
            Pace.unknown,
            "只有一个数据点（无基数、一个实际值），无法推算进度",
            needed=needed,
        )
    rate = (latest.value - start.value) / (latest.year - start.year)
    projected = latest.value + rate * remaining_years
    which = "基数" if start.kind == "baseline" else "第一个实际值"
    assumption = (
        f"线性推算：自{which}（{start.year} 年 {_fmt(start.value)}{unit}）至最新实际值（{latest.year} 年 "
        f"{_fmt(latest.value)}{unit}）年均变化 {_fmt(rate)}{unit}，假定此后每年变化相同"
    )
    steps.append(f"{assumption}，{year} 年可达 {_fmt(projected)}{unit}")
    steps.append(f"达成目标需自 {latest.year} 年起每年增加 {_fmt(needed)}{unit}")
    on_track = projected >= value
    steps.append(f"{'按当前进度可达成' if on_track else f'按当前进度差 {_fmt(value - projected)}{unit}'}")
    return done(
        Pace.on_track if on_track else Pace.off_track,
        assumption,
        extra_points=[*points, Point(year, projected, "projection", "线性推算")],
        origin=start,
        rate=rate,
        projected=projected,
        needed=needed,
    )
