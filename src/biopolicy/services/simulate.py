"""What the measures cost a year, and what a reform would change: the batch engine over a population.

One use case: ``simulate(reform_file, seed, years)`` generates the calibrated synthetic population
(engine/batch/synth.py), evaluates the baseline rules and the reformed rules over it with the
batch engine (compiled once each), and returns the cost by measure and year, baseline beside
reform. How to read the figures (``ASSUMPTION``): an "at most" amount (最高不超过) is counted at its
maximum, so each figure is a ceiling on the cost, not a forecast; "at least" amounts are counted at
their floor, separately; measures whose amount the text leaves open are not counted in money; an
overlap left unresolved counts one side, the highest, under that side's measure (engine/totals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, field_serializer

from biopolicy.domain.money import decimal_str
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate
from biopolicy.engine.batch.compile import MICRO
from biopolicy.engine.batch.synth import ASSUMPTIONS, generate
from biopolicy.rules.reforms import ReformError, apply, load_reform
from biopolicy.services.calculator import get_calculator
from biopolicy.services.population_file import PopulationFileError, read_population

__all__ = ["ASSUMPTION", "CostRow", "PopulationFileError", "ReformError", "Simulation", "simulate"]

ASSUMPTION = (
    "“最高不超过”的金额按上限计入，故各数为费用上限（审核时按实际核定，通常更少）；"
    "“不少于”的金额按下限另列；原文未给出金额的措施不计金额；未能判定就高的重叠只计一方（最高者），计入该方措施。"
    "人口为按福州规划（fz-plan）公布数据校准的合成企业群体（282家规上企业、营业收入851亿元、2032个药品批文），"
    "其余比例为文档所列假设。"
)


# with --population FILE: the same reading of the figures, the population being the file's
FILE_ASSUMPTION = (
    ASSUMPTION.split("人口为")[0] + "人口为人口文件所列的机构与事件（未列的事实按未知处理，不按零计）。"
)


class CostRow(BaseModel):
    measure_id: str
    title: str
    year: int
    baseline: Decimal  # most obtainable (ceilings counted at their maximum), yuan
    reform: Decimal
    baseline_at_least: Decimal = Decimal(0)
    reform_at_least: Decimal = Decimal(0)

    @property
    def difference(self) -> Decimal:
        return self.reform - self.baseline

    @field_serializer("baseline", "reform", "baseline_at_least", "reform_at_least")
    def _money(self, v: Decimal) -> str:
        return decimal_str(v)


class Simulation(BaseModel):
    seed: int
    years: tuple[int, int]
    reform_id: str | None
    reform_title: str | None
    firms: int
    events: int
    rows: list[CostRow]
    assumption: str
    population_assumptions: dict
    fallback_organisations: int  # assessed by the per-case engine (baseline run)
    population_file: str | None = None  # the CSV the population was read from; None: synthetic (seed)


@dataclass
class _Run:
    by_measure_year: dict
    fallback: int


def _run(pop, rules, catalogue, progress=None) -> _Run:
    result = evaluate(
        pop, compile_rules(rules, catalogue), lambda case: assess(case, rules, catalogue), progress=progress
    )
    return _Run(result.by_measure_year(), int(result.fallback.sum()))


def _share(progress, lo: float, hi: float):
    """A run's progress (0..1) as the part lo..hi of the whole simulation's."""
    if progress is None:
        return None
    return lambda share, stage: progress(lo + (hi - lo) * share, stage)


def simulate(
    reform_file: Path | None = None,
    seed: int = 0,
    years: tuple[int, int] = (2024, 2027),
    population_file: Path | None = None,
    progress=None,
) -> Simulation:
    """``population_file``: a CSV of events (services/population_file.py) instead of the synthetic
    population; ``progress(share, stage)``: called as the runs go (stage codes of engine/batch/run.py,
    and ``population`` while the population is made or read)."""
    calc = get_calculator()
    rules, catalogue = calc.rules, calc.catalogue
    reform = load_reform(reform_file, rules) if reform_file is not None else None
    if progress is not None:
        progress(0.0, "population")
    if population_file is not None:
        pop = read_population(population_file, rules, catalogue, date(years[1], 12, 31))
    else:
        pop = generate(rules, catalogue, seed=seed, years=years).population
    base = _run(pop, rules, catalogue, _share(progress, 0.1, 0.55 if reform else 1.0))
    new = _run(pop, apply(reform, rules), catalogue, _share(progress, 0.55, 1.0)) if reform else base
    keys = sorted(set(base.by_measure_year) | set(new.by_measure_year), key=lambda k: (k[1], k[0]))
    rows = []
    for mid, year in keys:
        if not years[0] <= year <= years[1] + 5:  # instalments run past the last year asked
            continue
        b = base.by_measure_year.get((mid, year), (0, 0, 0))
        r = new.by_measure_year.get((mid, year), (0, 0, 0))
        rows.append(
            CostRow(
                measure_id=mid,
                title=rules.measures[mid].title,
                year=year,
                baseline=Decimal(b[1]) / MICRO,
                reform=Decimal(r[1]) / MICRO,
                baseline_at_least=Decimal(b[2]) / MICRO,
                reform_at_least=Decimal(r[2]) / MICRO,
            )
        )
    return Simulation(
        seed=seed,
        years=years,
        reform_id=reform.id if reform else None,
        reform_title=reform.title if reform else None,
        firms=pop.n_orgs,
        events=pop.n_events,
        rows=rows,
        assumption=ASSUMPTION if population_file is None else FILE_ASSUMPTION,
        population_assumptions=ASSUMPTIONS,
        fallback_organisations=base.fallback,
        population_file=population_file.name if population_file is not None else None,
    )
