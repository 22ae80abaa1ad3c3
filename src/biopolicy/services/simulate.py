"""What the measures cost a year, and what a reform would change: the batch engine over a population.

One use case, two doors: ``simulate(reform_file, seed, years)`` (the command line) and
``run(SimulationInput, calculator, uow)`` (the page /simulate, its JSON twin and the XLSX). It takes
a population, the calibrated synthetic one (engine/batch/synth.py, by seed) or the real one held
in the database (organisations, their products, the achievements recorded on the watch list and
in applications, and the awards of the ledger: ``database_population``), evaluates the baseline
rules and the reformed rules over it with the batch engine, and returns the cost by measure, year,
city and paying level, baseline beside reform and the difference, and the budget each measure
would need per year beside the budget set.

How to read the figures (``ASSUMPTION``): an "at most" amount (最高不超过) is counted at its maximum,
so each figure is a ceiling on the cost, not a forecast; the second figure counts "at most"
amounts at a share of their ceiling that the user states (``grant_rate``, 本平台假设, never a
policy figure), exact amounts in full; "at least" amounts are counted at their floor,
separately; measures whose amount the text leaves open are not counted in money; an overlap left
unresolved counts one side, the highest, under that side's measure (engine/totals.py).

Paying level (who pays): the document's funding line for the applicant's place where the text has
one (厦门市执行本措施所需财政资金由厦门市人民政府负责解决; 市、区按财政体制共担), else the level of the
places the measure covers (a province-wide measure: 省级), marked as inferred.

Money inside is int64 micro-yuan (engine/batch/compile.MICRO) summed per (measure, year, city,
level); every figure handed out is a Decimal in yuan.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, PlainSerializer, field_serializer

from biopolicy.domain.case import Case, CaseError
from biopolicy.domain.money import decimal_str
from biopolicy.domain.places import CITIES, DISTRICTS, PROVINCE
from biopolicy.engine.assess import assess
from biopolicy.engine.check import check_case
from biopolicy.rules.loader import default_policies_dir
from biopolicy.rules.reforms import Reform, ReformError, apply, load_reform
from biopolicy.rules.schema import Measure, RuleSet
from biopolicy.services.calculator import Calculator, get_calculator
from biopolicy.services.population_file import PopulationFileError, read_population
from biopolicy.services.wording import yuan

if TYPE_CHECKING:
    from biopolicy.engine.batch.population import Population

# numpy and the batch engine (biopolicy.engine.batch) are imported inside the functions that run a
# simulation, not here: the web app imports this module at start-up, and only a simulation needs
# them (tests/test_startup_imports.py).

__all__ = [
    "ASSUMPTION",
    "DEFAULT_GRANT_RATE",
    "FILE_NOTE",
    "FIELD_LABELS",
    "PopulationFileError",
    "BudgetLine",
    "CostLine",
    "CostRow",
    "ReformChoice",
    "ReformError",
    "Simulation",
    "SimulationInput",
    "SimulationInputError",
    "budget_for",
    "database_population",
    "parse_input",
    "reform_choices",
    "run",
    "simulate",
]

log = logging.getLogger(__name__)

ASSUMPTION = (
    "“最高不超过”的金额按上限计入，故各数为费用上限（审核时按实际核定，通常更少）；"
    "“不少于”的金额按下限另列；原文未给出金额的措施不计金额；未能判定就高的重叠只计一方："
    "各方都有上限时计最高者，计入该方措施；有一方金额须由主管部门核定时只计确定金额部分，其余另列。"
)
SYNTHETIC = (
    "人口为按《福州市生物医药产业发展规划》公布数据校准的合成企业群体（全省282家规上企业、营业收入851亿元、"
    "2032个药品批文），其余比例为本平台的假设（逐项列于结果中）。"
)
# with --population FILE: the same reading of the figures, the population being the file's
FILE_NOTE = "人口为人口文件所列的机构与成果（文件未列的事实按未知处理，不按零计）。"
DATABASE = (
    "人口为数据库中登记的机构及其产品：成果取自在研在审清单的里程碑（已完成的按完成日，计划中的按计划日）"
    "和申报记录中的成果，已获奖励（台账）作为此前奖励计入上限；测算期内申报所得的奖励不重复计入。"
)

# The second figure: what reviewers grant of an "at most" amount. No document states such a rate;
# it is this platform's assumption, a parameter the user sets and sees beside every figure it makes.
DEFAULT_GRANT_RATE = Decimal(70)
YEAR_MIN, YEAR_MAX = 2020, 2035  # the documents' windows lie within; the population is calibrated to 2021
SEED_MAX = 2**32 - 1
INSTALMENT_YEARS = 5  # instalments of awards made in the years asked run on after them
FEN = Decimal("0.01")

FIELD_LABELS = {
    "reform": "改革方案",
    "first_year": "起始年份",
    "last_year": "截止年份",
    "population": "人口",
    "seed": "随机种子",
    "grant_rate": "核定比例",
}
POPULATIONS = {"seed": "合成人口（按公布数据校准）", "database": "数据库中的机构"}
LEVEL_LABELS = {
    "province": "省级",
    "city": "市级",
    "city_district": "市、区共担",
    "district": "区级",
    "unknown": "出资方未写明",
}


def grant_note(rate: Decimal) -> str:
    """The stated assumption behind the second figure, shown wherever the figure is."""
    return (
        f"按核定比例 {_pct(rate)} 计：确定金额全额计入，“最高不超过”的金额按上限的 {_pct(rate)} 计入"
        "（本平台假设，不是政策规定；可在上方修改）"
    )


def _pct(rate: Decimal) -> str:
    return f"{decimal_str(rate)}%"


Yuan = Annotated[Decimal, PlainSerializer(decimal_str, return_type=str, when_used="json")]


# ---------------------------------------------------------------- input


class SimulationInputError(ValueError):
    """Bad input: one Chinese message per field (``problems``: field → message, the field's label first)."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("；".join(problems.values()))


class SimulationInput(BaseModel):
    reform: str | None = None  # a reform's id (policies/_reforms/<id>.yaml); None: the current rules alone
    first_year: int = 2024
    last_year: int = 2027
    population: str = "seed"  # seed / database
    seed: int = 0
    grant_rate: Decimal = DEFAULT_GRANT_RATE  # percent

    @property
    def years(self) -> tuple[int, int]:
        return self.first_year, self.last_year

    def query(self) -> dict[str, str]:
        """The input as the page's query string (the link to this very result)."""
        out = {
            "first_year": str(self.first_year),
            "last_year": str(self.last_year),
            "population": self.population,
            "seed": str(self.seed),
            "grant_rate": decimal_str(self.grant_rate),
        }
        if self.reform:
            out["reform"] = self.reform
        return out


def _echo(value: str) -> str:
    return value if len(value) <= 20 else value[:20] + "…"


def parse_input(params: Mapping[str, Any], choices: list[ReformChoice]) -> SimulationInput:
    """The input from a query string or form (all text); every problem names its field, none is half-read."""
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        value = params.get(name)
        return "" if value is None else str(value).strip()

    def integer(name: str, default: int, low: int, high: int, expected: str) -> int:
        raw = text(name)
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problems[name] = f"{FIELD_LABELS[name]}：应为{expected}，收到“{_echo(raw)}”"
            return default
        return value

    reform = text("reform") or None
    if reform is not None and reform not in {c.id for c in choices}:
        titles = "、".join(f"“{c.title}”" for c in choices) or "（暂无）"
        problems["reform"] = (
            f"{FIELD_LABELS['reform']}：没有这一改革方案“{_echo(reform)}”，可选 {titles}，或不选（只看现行规则）"
        )
    years = f"{YEAR_MIN}至{YEAR_MAX}年之间的年份（如 2025）"
    first = integer("first_year", 2024, YEAR_MIN, YEAR_MAX, years)
    last = integer("last_year", 2027, YEAR_MIN, YEAR_MAX, years)
    if "first_year" not in problems and "last_year" not in problems and last < first:
        problems["last_year"] = (
            f"{FIELD_LABELS['last_year']}：不能早于起始年份（{first}年），收到“{last}”；请从小到大填写"
        )
    population = text("population") or "seed"
    if population not in POPULATIONS:
        allowed = "、".join(f"{v}（{k}）" for k, v in POPULATIONS.items())
        problems["population"] = (
            f"{FIELD_LABELS['population']}：应为 {allowed} 之一，收到“{_echo(population)}”"
        )
    seed = integer("seed", 0, 0, SEED_MAX, f"0 至 {SEED_MAX} 之间的整数")
    rate = DEFAULT_GRANT_RATE
    raw_rate = text("grant_rate").removesuffix("%").strip()
    if raw_rate:
        try:
            rate = Decimal(raw_rate)
            ok = rate.is_finite() and 0 <= rate <= 100 and -rate.as_tuple().exponent <= 2
        except (InvalidOperation, ValueError):
            ok = False
        if not ok:
            problems["grant_rate"] = (
                f"{FIELD_LABELS['grant_rate']}：应为 0 到 100 之间的百分数（最多两位小数，如 70），"
                f"收到“{_echo(text('grant_rate'))}”"
            )
            rate = DEFAULT_GRANT_RATE
    if problems:
        raise SimulationInputError(problems)
    return SimulationInput(
        reform=reform,
        first_year=first,
        last_year=last,
        population=population,
        seed=seed,
        grant_rate=Decimal(format(rate.normalize(), "f")),
    )


# ---------------------------------------------------------------- reforms on offer


class ReformChoice(BaseModel):
    id: str
    title: str
    basis: str | None = None


_choices_lock = threading.Lock()
_choices: dict[tuple[str, str], tuple[list[ReformChoice], dict[str, Reform]]] = {}


def _reforms_dir() -> Path:
    from biopolicy.settings import get_settings

    return (get_settings().policies or default_policies_dir()) / "_reforms"


def _reforms(rules: RuleSet, folder: Path | None = None) -> tuple[list[ReformChoice], dict[str, Reform]]:
    folder = folder or _reforms_dir()
    key = (rules.version, str(folder))
    with _choices_lock:
        if key not in _choices:
            choices, reforms = [], {}
            for path in sorted(folder.glob("*.yaml")):
                try:
                    reform = load_reform(path, rules)
                except ReformError as exc:  # a bad file is the editors' to fix; the others stay usable
                    log.warning("reform not offered: %s", "; ".join(exc.problems))
                    continue
                reforms[reform.id] = reform
                choices.append(ReformChoice(id=reform.id, title=reform.title, basis=reform.basis))
            _choices[key] = (choices, reforms)
        return _choices[key]


def reform_choices(calculator: Calculator | None = None) -> list[ReformChoice]:
    """The reforms written in policies/_reforms, validated against the rules (titles shown to users)."""
    return _reforms((calculator or get_calculator()).rules)[0]


# ---------------------------------------------------------------- output


class CostRow(BaseModel):
    """One measure in one year (the command line's table)."""

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


class CostLine(BaseModel):
    """One line of a cost table: the cost under the current rules and under the reform, yuan."""

    key: str  # the measure id, the year, the city or the level code
    label: str  # as users name it: the measure's title, 2025年, 厦门市, 省级
    baseline: Yuan  # a ceiling: "at most" amounts at their maximum
    reform: Yuan
    difference: Yuan
    baseline_granted: Yuan  # the second figure: "at most" amounts at grant_rate of their maximum
    reform_granted: Yuan
    granted_difference: Yuan
    baseline_at_least: Yuan  # "at least" amounts at their floor, apart
    reform_at_least: Yuan


class BudgetLine(BaseModel):
    """What one measure would need in one year from one paying level, beside the budget set."""

    measure_id: str
    title: str
    year: int
    level: str
    level_label: str
    baseline: Yuan  # the need under the current rules (a ceiling)
    reform: Yuan
    reform_granted: Yuan  # the need under the reform at the stated grant rate
    budget: Yuan | None  # the budget set for (measure, year, level); None: 未设预算
    status: str  # 未设预算 / 预算内 / 超出预算 …


class LevelBasis(BaseModel):
    level: str
    level_label: str
    basis: str  # the funding line quoted, or how it was inferred


class Simulation(BaseModel):
    seed: int
    years: tuple[int, int]
    reform_id: str | None
    reform_title: str | None
    reform_basis: str | None = None
    population: str = "seed"  # seed / database
    population_label: str = POPULATIONS["seed"]
    firms: int
    events: int
    grant_rate: Yuan = DEFAULT_GRANT_RATE  # percent: the stated assumption of the second figure
    grant_note: str = ""
    rows: list[CostRow]  # by measure and year (the command line's table)
    totals: CostLine | None = None
    by_year: list[CostLine] = []
    by_measure: list[CostLine] = []
    by_city: list[CostLine] = []
    by_level: list[CostLine] = []
    budgets: list[BudgetLine] = []
    levels: dict[str, list[LevelBasis]] = {}  # measure id -> who pays it, and why we say so
    assumption: str
    population_note: str = ""
    population_assumptions: dict
    population_assumption_lines: list[str] = []  # the same, in Chinese, for the page and the workbook
    skipped: list[str] = []  # organisations of the database left out, and why
    fallback_organisations: int  # assessed by the per-case engine (baseline run)
    population_file: str | None = None  # the file's name, when the population was read from one
    # what the cost leaves out for want of facts (eligibility open, or a 就高从优 side the department sets):
    # what it could add at most, a rough bound (not in the cost)
    open_baseline: Yuan = Decimal(0)
    open_reform: Yuan = Decimal(0)
    seconds: float = 0.0


# ---------------------------------------------------------------- budgets

BudgetLookup = Callable[[str, int, str], Decimal | None]


def no_budgets(measure_id: str, year: int, level: str) -> Decimal | None:
    """No database at hand (the command line's synthetic run): every measure shows 未设预算."""
    return None


def budget_for(uow) -> BudgetLookup:  # noqa: ANN001 - a storage UnitOfWork
    """The budgets finance set (services/budgets.py), read through ``uow``: ``(measure, year, level)``
    (province / city / district) to the budget, None: 未设预算. No unit of work, no budgets."""
    if uow is None:
        return no_budgets
    from biopolicy.services import budgets

    return budgets.lookup(uow)


# ---------------------------------------------------------------- paying level


def _level_of_payer(payer: str) -> str:
    if "省" in payer:
        return "province"
    if "市" in payer and "区" in payer:
        return "city_district"
    if "区" in payer or "县" in payer:
        return "district"
    if "市" in payer:
        return "city"
    return "unknown"


def _level_of_place(place: str, rules: RuleSet) -> str:
    name = place.split("/")[-1]
    divisions = getattr(rules.places, "named", None)
    found = divisions(place) if divisions is not None else []
    if found:
        return found[0].level
    if name == PROVINCE or name.endswith("省"):
        return "province"
    if name in CITIES:
        return "city"
    if any(name in ds for ds in DISTRICTS.values()):
        return "district"
    return "unknown"


def paying_level(m: Measure, rules: RuleSet, province: str | None, city: str | None, district: str | None):
    """(level, basis) for an applicant located at province/city/district under measure ``m``."""
    from biopolicy.domain.places import covers

    for funding in rules.funding.get(m.doc_id, []):
        if not funding.places or any(covers(p, province, city, district) for p in funding.places):
            return _level_of_payer(funding.payer), f"原文写明：{funding.excerpt}"
    places = [p for p in m.applicant.places if covers(p, province, city, district)] or m.applicant.places
    levels = {_level_of_place(p, rules) for p in places}
    order = ["district", "city", "province"]  # the narrowest place that covers the applicant
    level = next((lv for lv in order if lv in levels), "unknown")
    return level, f"原文未写明出资方，按措施适用地域（{'、'.join(places)}）推定为{LEVEL_LABELS[level]}"


# ---------------------------------------------------------------- runs


Cells = dict[
    tuple[str, int, str, str], list[int]
]  # (measure id, year, city, level) -> [exact, max, at least]


Progress = Callable[[float, str], None]


@dataclass
class _Run:
    cells: Cells
    fallback: int
    bases: dict[str, dict[str, str]]  # measure id -> level -> basis
    open_by_year: dict[int, int]  # eligibility not settled (a fact missing): the figures, micro-yuan, by year


def _open_by_year(result, pop: Population) -> dict[int, int]:
    """What the cost leaves out for want of facts, at the figures the rules give, micro-yuan by event year.

    Two kinds: rows whose eligibility is unknown (a fact the population does not hold), at their
    figure; and 就高从优 overlaps left unresolved because one side's amount is for the department to
    set: the cost counts such a group at its exact part only (engine/totals.py), so the rest up to
    the highest maximum among its sides is added here. Not part of the cost: shown apart as what these
    could add. Their overlaps, shared ceilings and instalments are not netted: a rough upper bound.
    """
    import numpy as np

    from biopolicy.domain.assessment import AmountKind
    from biopolicy.engine.batch.compile import K
    from biopolicy.engine.batch.run import UNRESOLVED, YES

    figured = np.isin(result.kind, [K[AmountKind.exact], K[AmountKind.at_most], K[AmountKind.waiver]])
    exact = np.isin(result.kind, [K[AmountKind.exact], K[AmountKind.waiver]])
    out: dict[int, int] = {}

    def add(events: Any, values: Any) -> None:  # numpy arrays
        for day, value in zip(pop.event_day[events].tolist(), values.tolist(), strict=True):
            year = dt.date.fromordinal(int(day)).year
            out[year] = out.get(year, 0) + int(value)

    rows = np.nonzero((result.eligibility == 2) & result.has & figured)[0]
    add(result.event[rows], result.value[rows])
    grouped = np.nonzero((result.eligibility == YES) & (result.outcome == UNRESOLVED))[0]
    if len(grouped) and result.overlap_of is not None:
        # a side is one measure, or the measures declared ``together`` (BatchResult.side_of): its
        # figures add up first, then the sides compete, as BatchResult.contributions() does
        side_of = result.measure if result.side_of is None else result.side_of
        sides: dict[tuple[int, int], dict[int, list]] = {}
        for r in grouped.tolist():
            group = sides.setdefault((int(result.overlap_of[r]), int(result.event[r])), {})
            side = group.setdefault(int(side_of[r]), [False, 0, 0])  # open, its figures, its exact part
            if not (result.has[r] and figured[r]):
                side[0] = True  # a side without a maximum: the group's cost is its exact part only
            else:
                side[1] += int(result.value[r])
                if exact[r]:
                    side[2] += int(result.value[r])
        extra = []
        for (_, ev), group in sides.items():
            top = max(figures for _, figures, _ in group.values())
            sure = max(part for _, _, part in group.values())
            if any(open_ for open_, _, _ in group.values()) and top > sure:
                extra.append((ev, top - sure))
        if extra:
            add(
                np.array([e for e, _ in extra], dtype=np.int64),
                np.array([v for _, v in extra], dtype=np.int64),
            )
    return out


# the batch run's stages (engine/batch/run.py progress codes), as the progress bar says them
STAGE_LABELS = {
    "measures": "正在逐项判定措施",
    "ceilings": "正在计算共同上限与就高从优",
    "fallback": "正在逐户复核特殊情形",
    "done": "正在汇总",
}


def _scaled(progress: Progress | None, low: float, high: float, prefix: str):  # noqa: ANN202
    """The batch run's ``(share, stage)`` mapped into ``low..high`` of the whole, with words."""
    if progress is None:
        return None

    def report(share: float, stage: str) -> None:
        progress(low + (high - low) * min(max(share, 0.0), 1.0), prefix + STAGE_LABELS.get(stage, stage))

    return report


def _run(pop: Population, rules: RuleSet, catalogue, progress=None) -> _Run:  # noqa: ANN001
    import numpy as np

    from biopolicy.engine.batch import compile_rules, evaluate

    result = evaluate(
        pop, compile_rules(rules, catalogue), lambda case: assess(case, rules, catalogue), progress=progress
    )
    r, y, e, m, least = result.contributions()
    measures = result.compiled.measures
    mi = result.measure[r].astype(np.int64)
    org = result.org[r].astype(np.int64)
    values = pop.vocab.values

    def name(code: int) -> str | None:
        return None if code < 0 else values[code]

    # the paying level per (measure, organisation) pair present: a handful of places per measure
    pair_key = mi * (pop.n_orgs + 1) + org
    pairs, inverse = np.unique(pair_key, return_inverse=True)
    level_of_pair, city_of_pair, bases = [], [], {}
    for k in pairs.tolist():
        i, o = divmod(k, pop.n_orgs + 1)
        measure = measures[i].measure
        province, city = name(int(pop.org_province[o])), name(int(pop.org_city[o]))
        district = name(int(pop.org_district[o]))
        level, basis = paying_level(measure, rules, province, city, district)
        level_of_pair.append(level)
        city_of_pair.append(city or "未注明")
        bases.setdefault(measure.id, {})[level] = basis
    cells: Cells = {}
    inverse = inverse.reshape(-1)
    for j, (p, year) in enumerate(zip(inverse.tolist(), y.tolist(), strict=True)):
        i = int(pairs[p] // (pop.n_orgs + 1))
        cell = cells.setdefault((measures[i].measure.id, year, city_of_pair[p], level_of_pair[p]), [0, 0, 0])
        cell[0] += int(e[j])
        cell[1] += int(m[j])
        cell[2] += int(least[j])
    return _Run(cells, int(result.fallback.sum()), bases, _open_by_year(result, pop))


@dataclass
class _Raw:
    """What a run yields before the grant rate and the budgets: cached per input for the synthetic population."""

    base: _Run
    new: _Run
    firms: int
    events: int
    skipped: list[str]


_cache_lock = threading.Lock()
_cache: dict[tuple, _Raw] = {}
CACHE_SIZE = 16
# at most two runs at once: each takes a core, and the machine has two
_running = threading.BoundedSemaphore(2)


def _no_progress(fraction: float, stage: str) -> None:
    return None


def _compute(
    pop_of: Callable[[], tuple[Population, list[str]]],
    rules: RuleSet,
    reformed: RuleSet | None,
    catalogue,
    progress: Progress,
) -> _Raw:
    with _running:
        progress(0.05, "正在生成人口")
        pop, skipped = pop_of()
        progress(0.25, "正在按现行规则测算")
        high = 0.6 if reformed is not None else 0.95
        base = _run(pop, rules, catalogue, _scaled(progress, 0.25, high, "现行规则："))
        if reformed is not None:
            progress(0.6, "正在按改革方案测算")
            new = _run(pop, reformed, catalogue, _scaled(progress, 0.6, 0.95, "改革方案："))
        else:
            new = base
        progress(0.95, "正在汇总")
        return _Raw(base, new, pop.n_orgs, pop.n_events, skipped)


def run(
    inp: SimulationInput,
    calculator: Calculator | None = None,
    uow=None,  # noqa: ANN001 - a storage UnitOfWork, for the database population
    *,
    budgets: BudgetLookup | None = None,
    progress: Progress = _no_progress,
    reforms_dir: Path | None = None,
) -> Simulation:
    """The page's and the API's use case: checked input in, the cost tables out (nothing is written).

    The budget column reads the budgets through ``uow`` (any population) unless ``budgets`` is given."""
    started = time.perf_counter()
    calc = calculator or get_calculator()
    rules, catalogue = calc.rules, calc.catalogue
    choices, reforms = _reforms(rules, reforms_dir)
    reform = None
    if inp.reform is not None:
        reform = reforms.get(inp.reform)
        if reform is None:
            raise SimulationInputError(
                {"reform": f"{FIELD_LABELS['reform']}：没有这一改革方案“{inp.reform}”"}
            )
    reformed = apply(reform, rules) if reform else None
    if inp.population == "database":
        if uow is None:
            raise SimulationInputError({"population": f"{FIELD_LABELS['population']}：此处无法读取数据库"})

        def pop_of() -> tuple[Population, list[str]]:
            return database_population(uow, rules, catalogue, inp.years)

        raw = _compute(pop_of, rules, reformed, catalogue, progress)
    else:
        key = (rules.version, inp.reform, inp.years, inp.seed)
        with _cache_lock:
            raw = _cache.get(key)
        if raw is None:

            def pop_of() -> tuple[Population, list[str]]:
                from biopolicy.engine.batch.synth import generate

                return generate(rules, catalogue, seed=inp.seed, years=inp.years).population, []

            raw = _compute(pop_of, rules, reformed, catalogue, progress)
            with _cache_lock:
                if len(_cache) >= CACHE_SIZE:
                    _cache.pop(next(iter(_cache)))
                _cache[key] = raw
    progress(1.0, "完成")
    result = _tables(raw, inp, reform, rules, budgets or budget_for(uow), catalogue)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def simulate(
    reform_file: Path | None = None,
    seed: int = 0,
    years: tuple[int, int] = (2024, 2027),
    grant_rate: Decimal = DEFAULT_GRANT_RATE,
    population_file: Path | None = None,
    progress: Progress = _no_progress,
    budgets: BudgetLookup = no_budgets,
) -> Simulation:
    """The command line's use case: a reform file (any path), the synthetic population by seed or the
    population of a CSV file (services/population_file.py); ``progress(share, words)`` as it goes."""
    calc = get_calculator()
    rules, catalogue = calc.rules, calc.catalogue
    reform = load_reform(reform_file, rules) if reform_file is not None else None
    inp = SimulationInput(
        reform=reform.id if reform else None,
        first_year=years[0],
        last_year=years[1],
        seed=seed,
        grant_rate=grant_rate,
    )

    def pop_of() -> tuple[Population, list[str]]:
        from biopolicy.engine.batch.synth import generate

        if population_file is not None:
            return read_population(population_file, rules, catalogue, dt.date(years[1], 12, 31)), []
        return generate(rules, catalogue, seed=seed, years=years).population, []

    raw = _compute(pop_of, rules, apply(reform, rules) if reform else None, catalogue, progress)
    progress(1.0, "完成")
    result = _tables(raw, inp, reform, rules, budgets, catalogue)
    if population_file is not None:
        result.population_file = population_file.name
        result.population_label = f"人口文件 {population_file.name}"
        result.population_note = FILE_NOTE
        result.assumption = ASSUMPTION + FILE_NOTE
        result.population_assumptions = {}
        result.population_assumption_lines = []
    return result


# ---------------------------------------------------------------- tables


def _yuan(micro: int) -> Decimal:
    from biopolicy.engine.batch.compile import MICRO

    return Decimal(micro) / MICRO


def _granted(cell: list[int], rate: Decimal) -> Decimal:
    exact, most = _yuan(cell[0]), _yuan(cell[1])
    return (exact + (most - exact) * rate / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def _line(key: str, label: str, b: list[int], r: list[int], rate: Decimal) -> CostLine:
    bg, rg = _granted(b, rate), _granted(r, rate)
    return CostLine(
        key=key,
        label=label,
        baseline=_yuan(b[1]),
        reform=_yuan(r[1]),
        difference=_yuan(r[1] - b[1]),
        baseline_granted=bg,
        reform_granted=rg,
        granted_difference=rg - bg,
        baseline_at_least=_yuan(b[2]),
        reform_at_least=_yuan(r[2]),
    )


def _group(cells: Cells, key: Callable[[tuple[str, int, str, str]], Any]) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = {}
    for k, v in cells.items():
        acc = out.setdefault(key(k), [0, 0, 0])
        for i in range(3):
            acc[i] += v[i]
    return out


def _share(value: float) -> str:
    return f"{format((Decimal(str(value)) * 100).normalize(), 'f')}%"


def assumption_lines(catalogue) -> list[str]:  # noqa: ANN001 - a Catalogue
    """The synthetic population's assumptions (engine/batch/synth.py), in Chinese: none is a published figure."""
    from biopolicy.engine.batch.synth import ASSUMPTIONS

    a = ASSUMPTIONS
    types = catalogue.product_types

    def shares(d: dict, names: dict | None = None) -> str:
        return "、".join(f"{(names or {}).get(k, k)} {_share(v)}" for k, v in d.items())

    def event(name: str) -> str:
        spec = catalogue.events.get(name)
        return spec.label if spec is not None else name

    rates = "；".join(
        f"{event(name)}：每{'个产品' if base == 'product' else '家企业'}每年 {_share(rate)}"
        for name, (base, rate) in a["rates"].items()
    )
    return [
        f"福州以外的企业在各市的分布：{shares(a['city_shares'])}",
        f"各组企业营业收入按对数正态分布（σ {a['revenue_sigma']}），每组合计与公布数一致",
        f"营业收入年增长 {_share(a['revenue_growth'])}（由2025年1200亿元目标推算）",
        f"药品批文按营业收入比例分给本组企业；每家企业平均 {a['device_products_per_firm']} 个医疗器械产品",
        f"药品类型：{shares(a['drug_types'], types)}",
        f"药品注册分类：{shares({f'{k}类': v for k, v in a['drug_classes'].items()})}（按各类型可有的分类重新归一）",
        f"医疗器械类别：{shares({f'{k}类': v for k, v in a['device_classes'].items()})}",
        f"成果发生率：{rates}；其余成果每家企业每年 {_share(a['other_rate_per_firm'])}",
        f"规则用到的每项事实有记录的概率 {_share(a['fact_present'])}，一半取规则检验的数值，一半在较宽范围内随机取值",
        "只生成企业（不含医院、平台和协会），面向这些主体的措施在此不产生费用",
    ]


def _tables(
    raw: _Raw,
    inp: SimulationInput,
    reform: Reform | None,
    rules: RuleSet,
    budgets: BudgetLookup,
    catalogue=None,  # noqa: ANN001
):
    from biopolicy.engine.batch.synth import ASSUMPTIONS

    first, last = inp.years
    rate = inp.grant_rate

    def shown(k: tuple[str, int, str, str]) -> bool:  # instalments run past the last year asked
        return first <= k[1] <= last + INSTALMENT_YEARS

    base = {k: v for k, v in raw.base.cells.items() if shown(k)}
    new = {k: v for k, v in raw.new.cells.items() if shown(k)}
    zero = [0, 0, 0]

    def table(key, label, order=None) -> list[CostLine]:
        b, r = _group(base, key), _group(new, key)
        keys = sorted(set(b) | set(r), key=order or (lambda k: k))
        return [_line(str(k), label(k), b.get(k, zero), r.get(k, zero), rate) for k in keys]

    title = {mid: m.title for mid, m in rules.measures.items()}
    mb, mr = _group(base, lambda k: (k[0], k[1])), _group(new, lambda k: (k[0], k[1]))
    rows = [
        CostRow(
            measure_id=mid,
            title=title.get(mid, mid),
            year=year,
            baseline=_yuan(mb.get((mid, year), zero)[1]),
            reform=_yuan(mr.get((mid, year), zero)[1]),
            baseline_at_least=_yuan(mb.get((mid, year), zero)[2]),
            reform_at_least=_yuan(mr.get((mid, year), zero)[2]),
        )
        for mid, year in set(mb) | set(mr)
    ]
    rows.sort(key=lambda row: (row.year, row.measure_id))
    by_year = table(lambda k: k[1], lambda y: f"{y}年" + ("（此前奖励的分期）" if y > last else ""))
    by_measure = table(lambda k: k[0], lambda mid: title.get(mid, mid))
    by_measure.sort(key=lambda line: -max(line.baseline, line.reform))
    by_city = table(lambda k: k[2], lambda c: c)
    by_city.sort(key=lambda line: -max(line.baseline, line.reform))
    level_order = list(LEVEL_LABELS)
    by_level = table(lambda k: k[3], lambda lv: LEVEL_LABELS[lv], order=level_order.index)
    totals = _line("total", "合计", _sum(base.values()), _sum(new.values()), rate)
    # budgets: per measure, year and paying level, the need beside the budget set
    need_b = _group(base, lambda k: (k[0], k[1], k[3]))
    need_r = _group(new, lambda k: (k[0], k[1], k[3]))
    budget_lines = []
    for mid, year, level in sorted(
        set(need_b) | set(need_r), key=lambda k: (k[1], title.get(k[0], ""), k[2])
    ):
        b, r = need_b.get((mid, year, level), zero), need_r.get((mid, year, level), zero)
        if not (b[1] or r[1]):
            continue
        budget = _budget(budgets, mid, year, level)
        need = _yuan(r[1])
        budget_lines.append(
            BudgetLine(
                measure_id=mid,
                title=title.get(mid, mid),
                year=year,
                level=level,
                level_label=LEVEL_LABELS[level],
                baseline=_yuan(b[1]),
                reform=need,
                reform_granted=_granted(r, rate),
                budget=budget,
                status=_budget_status(budget, need, _granted(r, rate), rate),
            )
        )
    levels = {}
    for run_ in (raw.base, raw.new):
        for mid, by in run_.bases.items():
            for level, basis in by.items():
                levels.setdefault(mid, {})[level] = basis
    return Simulation(
        seed=inp.seed,
        years=inp.years,
        reform_id=reform.id if reform else None,
        reform_title=reform.title if reform else None,
        reform_basis=reform.basis if reform else None,
        population=inp.population,
        population_label=POPULATIONS[inp.population],
        firms=raw.firms,
        events=raw.events,
        grant_rate=rate,
        grant_note=grant_note(rate),
        rows=rows,
        totals=totals,
        by_year=by_year,
        by_measure=by_measure,
        by_city=by_city,
        by_level=by_level,
        budgets=budget_lines,
        levels={
            mid: [LevelBasis(level=lv, level_label=LEVEL_LABELS[lv], basis=basis) for lv, basis in by.items()]
            for mid, by in sorted(levels.items())
        },
        assumption=ASSUMPTION + (SYNTHETIC if inp.population == "seed" else DATABASE),
        population_note=SYNTHETIC if inp.population == "seed" else DATABASE,
        population_assumptions=ASSUMPTIONS if inp.population == "seed" else {},
        population_assumption_lines=assumption_lines(catalogue)
        if inp.population == "seed" and catalogue
        else [],
        skipped=raw.skipped,
        fallback_organisations=raw.base.fallback,
        open_baseline=_yuan(sum(v for y, v in raw.base.open_by_year.items() if first <= y <= last)),
        open_reform=_yuan(sum(v for y, v in raw.new.open_by_year.items() if first <= y <= last)),
    )


def _sum(cells) -> list[int]:
    out = [0, 0, 0]
    for v in cells:
        for i in range(3):
            out[i] += v[i]
    return out


def _budget(budgets: BudgetLookup, mid: str, year: int, level: str) -> Decimal | None:
    """A level's budget; 市、区共担 (shares not stated) is set against the city's and the district's together."""
    if level == "city_district":
        parts = [budgets(mid, year, lv) for lv in ("city", "district")]
        found = [p for p in parts if p is not None]
        return sum(found, Decimal(0)) if found else None
    if level == "unknown":
        return None
    return budgets(mid, year, level)


def _budget_status(budget: Decimal | None, need: Decimal, granted: Decimal, rate: Decimal) -> str:
    if budget is None:
        return "未设预算"
    if need <= budget:
        return "预算内（按上限计也不超出）"
    if granted <= budget:
        return f"按上限计超出 {yuan(Decimal(decimal_str(need - budget)))}；按核定比例 {_pct(rate)} 计在预算内"
    return f"超出预算 {yuan(Decimal(decimal_str(granted - budget)))}（按核定比例 {_pct(rate)} 计）"


# ---------------------------------------------------------------- the real population


def database_population(
    uow, rules: RuleSet, catalogue, years: tuple[int, int]
) -> tuple[Population, list[str]]:  # noqa: ANN001
    """The organisations in the database as a population: their products, their achievements up to the
    last year asked (watch-list milestones, completed or planned, and the achievements of applications)
    and their awards (the ledger) as prior awards.

    An award made on an application whose achievement is in the population is the simulation's to work
    out, so it is not also a prior award. An organisation whose facts do not make a valid case is left
    out and named in the second value (in Chinese). Raises SimulationInputError when nothing is left.
    """
    from sqlalchemy import select

    from biopolicy.domain.organisation import OrganisationKind
    from biopolicy.services.watchlist import calculator_events
    from biopolicy.storage.ledger_models import Application, Award
    from biopolicy.storage.models import Organisation
    from biopolicy.storage.watch import Milestone

    as_of = dt.date(years[1], 12, 31)
    session = uow.session
    milestones: dict[int, list] = {}
    for ms in session.scalars(select(Milestone).order_by(Milestone.product_id, Milestone.id)):
        milestones.setdefault(ms.product_id, []).append(ms)
    applications: dict[int, list] = {}
    for row in session.scalars(select(Application).order_by(Application.id)):
        applications.setdefault(row.organisation_id, []).append(row)
    awards: dict[int, list] = {}
    for a in session.scalars(select(Award).order_by(Award.awarded_on, Award.id)):
        awards.setdefault(a.organisation_id, []).append(a)
    cases, skipped = [], []
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        products = {
            f"p{p.id}": {"id": f"p{p.id}", "type": p.type, "registration_class": p.registration_class}
            for p in org.products
        }
        events: dict[tuple, dict] = {}
        in_population: set[int] = set()
        by_key: dict[str, str] = {}
        for row in applications.get(org.id, []):
            event = {k: v for k, v in row.event.items() if k != "_case"}
            event.update(row.submitted_facts or {})
            event.update(row.verified_facts or {})
            pid = event.get("product_id")
            if pid and pid not in products:
                snapshot = (row.event.get("_case") or {}).get("products", [])
                found = next((p for p in snapshot if p.get("id") == pid), None)
                if found is None:
                    continue
                products[pid] = found
            if not event.get("date") or dt.date.fromisoformat(str(event["date"])) > as_of:
                continue
            key = (event.get("type"), str(event.get("date")), pid, event.get("subject"))
            if key not in events:
                events[key] = {**event, "id": f"a{row.id}"}
            in_population.add(row.id)
            by_key[row.event_key] = events[key]["id"]
        for p in org.products:
            for event in calculator_events(f"p{p.id}", milestones.get(p.id, [])):
                if dt.date.fromisoformat(event["date"]) > as_of:
                    continue
                key = (event["type"], event["date"], event["product_id"], event.get("subject"))
                events.setdefault(key, event)
        if not events:
            continue
        prior = []
        for a in awards.get(org.id, []):
            if a.application_id in in_population or a.awarded_on > as_of:
                continue
            prior.append(
                {
                    k: v
                    for k, v in {
                        "measure_id": a.measure_id,
                        "programme": a.programme,
                        "level": {"province": "provincial"}.get(a.level, a.level),
                        "amount": decimal_str(a.amount),
                        "date": a.awarded_on.isoformat(),
                        "product_id": a.product_id if a.product_id in products else None,
                        "subject": a.subject,
                        "event_id": by_key.get(a.event_key) if a.event_key else None,
                    }.items()
                    if v is not None
                }
            )
        data = {
            "applicant": {
                "kind": OrganisationKind(org.kind).applicant_kind.value,
                "name": org.name,
                "province": org.province,
                "city": org.city,
                "district": org.district,
            },
            "products": list(products.values()),
            "events": list(events.values()),
            "prior_awards": prior,
            "as_of": as_of.isoformat(),
        }
        try:
            cases.append(check_case(Case.model_validate(data), rules, catalogue))
        except (CaseError, ValueError) as exc:
            first = exc.problems[0] if isinstance(exc, CaseError) and exc.problems else exc
            skipped.append(f"{org.name}：资料不全或有误，未计入（{first}）")
    if not cases:
        raise SimulationInputError(
            {
                "population": f"{FIELD_LABELS['population']}：数据库中还没有截至{years[1]}年的机构成果"
                "（在研在审里程碑或申报记录），无法按数据库测算；请改用合成人口"
            }
        )
    from biopolicy.engine.batch.population import from_cases

    return from_cases(cases, catalogue, as_of), skipped
