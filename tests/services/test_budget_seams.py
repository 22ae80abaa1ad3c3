# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""The budgets finance sets (services/budgets.py) reach the simulation's 预算 column and the yearly
evaluation's budget column, read through the caller's unit of work."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from tests.services.test_targets_evaluation import TODAY, _paid_application, people  # noqa: F401

from biopolicy.services import budgets
from biopolicy.services import evaluation as ev
from biopolicy.services import simulate as sim
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.uow import UnitOfWork

CALC = get_calculator()


def set_budget(database, finance, measure_id, year, level, amount):
    with UnitOfWork(database, actor="test") as uow:
        budgets.set_budget(uow, finance, CALC, measure_id, year, level, amount, str(uuid.uuid4()))
        uow.commit()


def test_the_simulation_shows_the_budget_finance_set_and_none_elsewhere(people):
    database, _, who = people
    inp = sim.SimulationInput(first_year=2025, last_year=2025)
    lines = [b for b in sim.run(inp, CALC).budgets if b.level in ("province", "city", "district")]
    first, other = lines[0], next(b for b in lines[1:] if b.measure_id != lines[0].measure_id)
    set_budget(database, who["finance"], first.measure_id, 2025, first.level, "123456.78")
    set_budget(database, who["finance"], other.measure_id, 2026, other.level, "1000")  # another year
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        result = sim.run(inp, CALC, uow)
    got = {(b.measure_id, b.level): b for b in result.budgets}
    assert got[(first.measure_id, first.level)].budget == Decimal("123456.78")
    assert got[(first.measure_id, first.level)].status != "未设预算"
    assert got[(other.measure_id, other.level)].budget is None
    assert got[(other.measure_id, other.level)].status == "未设预算"


def test_budget_for_reads_one_level_or_all_levels_added_up(people):
    database, _, who = people
    measure = next(m for m in CALC.measures() if m.id.startswith("xm-2025-1/"))  # 市、区共担
    set_budget(database, who["finance"], measure.id, 2025, "city", "300")
    set_budget(database, who["finance"], measure.id, 2025, "district", "200.50")
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        assert budgets.budget_for(uow, measure.id, 2025, "city") == Decimal("300")
        assert budgets.budget_for(uow, measure.id, 2025) == Decimal("500.50")
        assert budgets.budget_for(uow, measure.id, 2024) is None
        assert budgets.budget_for(uow, measure.id, 2025, "province") is None


def test_the_evaluation_shows_the_years_budget(people):
    database, ids, who = people
    measure = CALC.measures()[0]
    level = budgets.paying_levels(CALC, measure)[0]
    _paid_application(database, ids["A"], measure.id, dt.date(2025, 3, 1), dt.date(2025, 4, 30), "300000.00")
    with UnitOfWork(database, actor="test") as uow:
        assert ev.evaluate(uow, who["finance"], 2025, TODAY).measures[0].budget == ev.NO_BUDGET
    set_budget(database, who["finance"], measure.id, 2025, level, "5000000.00")
    set_budget(database, who["finance"], measure.id, 2024, level, "7")  # another year: not counted
    with UnitOfWork(database, actor="test") as uow:
        row = ev.evaluate(uow, who["finance"], 2025, TODAY).measures[0]
    assert row.measure_id == measure.id and Decimal(row.budget) == Decimal("5000000.00")
