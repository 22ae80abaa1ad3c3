"""``biopolicy simulate``: what the measures cost by measure and year, baseline beside a reform."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from biopolicy.cli.common import CliError, IntRange, emit_json, err, json_option, measure_names, out
from biopolicy.domain.money import WAN
from biopolicy.services.calculator import get_calculator
from biopolicy.services.simulate import SEED_MAX, PopulationFileError, ReformError
from biopolicy.services.simulate import simulate as run_simulation

# what the run is doing, by the stage codes of the batch run's progress callback
STAGES = {
    "population": "准备人口数据",
    "measures": "逐项判定措施",
    "ceilings": "计算共同上限与就高从优",
    "fallback": "逐户复核特殊情形",
    "done": "汇总",
}
SHOW_AFTER = 2.0  # seconds: a run shorter than this shows no bar


class ProgressBar:
    """A Rich progress bar on stderr, fed by the batch run's callback ``(share, stage)``.

    It appears only once the run has taken ``delay`` seconds (a quick run prints nothing) and is
    cleared when the run ends, so stdout (the table, or --json) is never mixed with it.
    """

    def __init__(self, console: Console | None = None, delay: float = SHOW_AFTER) -> None:
        self.console = console or err()
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, share: float, stage: str) -> None:
        label = STAGES.get(stage, stage)
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(label, total=1.0)
        self.bar.update(self.task, completed=min(max(share, 0.0), 1.0), description=label)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def wan(amount: Decimal) -> str:
    """万元 to two decimals: a cost estimate, not a payment."""
    return f"{(amount / WAN).quantize(Decimal('0.01')):,}万元"


def _years(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", value.strip())
    if not m:
        raise CliError(f"测算年份（--years）应写成 2024-2027 或 2025，收到“{value}”", exit_code=2)
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if last < first or last - first > 20:
        raise CliError(f"测算年份（--years）的起止年份应从小到大、相差不超过20年，收到“{value}”", exit_code=2)
    return first, last


@click.command()
@click.option(
    "--reform",
    "reform",
    default=None,
    metavar="文件",
    type=click.Path(dir_okay=False, path_type=Path),
    help="改革方案（policies/_reforms/*.yaml），与现行规则对比",
)
@click.option(
    "--population",
    "population",
    default=None,
    metavar="文件",
    type=click.Path(dir_okay=False, path_type=Path),
    help="人口文件（CSV，一行一项成果；列见 docs/analytics.md），代替合成人口",
)
@click.option("--seed", default=0, type=IntRange(0, SEED_MAX), show_default=True, help="合成人口的随机种子")
@click.option(
    "--years",
    "years_text",
    default="2024-2027",
    metavar="年份",
    show_default=True,
    help="测算年份，如 2024-2027 或 2025",
)
@json_option
def simulate(reform: Path | None, population: Path | None, seed: int, years_text: str, as_json: bool) -> None:
    """测算各措施每年的费用（上限），并与改革方案对比。"""
    years = _years(years_text)
    bar = ProgressBar()
    try:
        result = run_simulation(reform, seed, years, population_file=population, progress=bar)
    except ReformError as exc:
        raise CliError("改革方案有误：\n" + "\n".join(exc.problems), exit_code=2) from None
    except PopulationFileError as exc:
        raise CliError("人口文件有误，未作测算：\n" + "\n".join(exc.problems), exit_code=2) from None
    finally:
        bar.close()
    if as_json:
        emit_json(result)
        return
    console = out()
    title = f"对比：{result.reform_title}" if result.reform_title else "现行规则"
    who = (
        f"人口文件 {result.population_file}：{result.firms} 家机构、{result.events} 项成果"
        if result.population_file
        else f"合成人口 {result.firms} 家企业、{result.events} 项成果，种子 {seed}"
    )
    span = f"{years[0]}年" if years[0] == years[1] else f"{years[0]}–{years[1]}年"
    console.print(f"[bold]费用测算[/]（{span}，{title}；{who}）")
    names = measure_names(get_calculator())
    by_year: dict[int, list] = {}
    for row in result.rows:
        by_year.setdefault(row.year, []).append(row)
    for year, rows in sorted(by_year.items()):
        base = sum((r.baseline for r in rows), Decimal(0))
        new = sum((r.reform for r in rows), Decimal(0))
        console.print(f"\n[bold]{year}年[/]  现行 {wan(base)}　改革 {wan(new)}　差额 {wan(new - base)}")
        for r in sorted(rows, key=lambda r: -r.baseline):
            if not (r.baseline or r.reform):
                continue
            diff = f"　差额 {wan(r.difference)}" if r.difference else ""
            console.print(
                f"  {names.get(r.measure_id, r.title)}：现行 {wan(r.baseline)}　改革 {wan(r.reform)}{diff}"
            )
    console.print(f"\n说明：{result.assumption}")
