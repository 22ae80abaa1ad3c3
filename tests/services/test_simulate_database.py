"""The real population: organisations, products, achievements and awards held in the database, on
SQLite and PostgreSQL. An award made on an application whose achievement is simulated is not also a
prior award (it would be counted twice, or cut the figure it is the result of)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.services.test_applications import (  # noqa: F401
    TODAY,
    approve,
    call,
    case_with,
    in_review,
    people,
    phase3,
    saved,
    talent_case,
)

from biopolicy.services import applications as apps
from biopolicy.services import simulate as sim
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.uow import UnitOfWork

CALC = get_calculator()


def _run(database, first: int, last: int) -> sim.Simulation:
    inp = sim.parse_input({"population": "database", "first_year": str(first), "last_year": str(last)}, [])
    with UnitOfWork(database, read_only=True) as uow:
        return sim.run(inp, CALC, uow)


def test_an_empty_database_is_refused_naming_the_population(database, people):  # noqa: F811
    with pytest.raises(sim.SimulationInputError) as caught:
        _run(database, 2026, 2026)
    assert (
        list(caught.value.problems) == ["population"]
        and "请改用合成人口" in caught.value.problems["population"]
    )


def test_an_approved_application_is_simulated_once_in_its_city_and_years(database, people):  # noqa: F811
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    with UnitOfWork(database) as uow:
        allowed = apps.check(uow, people["rev"], CALC, app_id, TODAY).allowed
    assert allowed > 0 and approve(database, people["rev"], app_id, str(allowed))["status"] == "approved"
    result = _run(database, 2026, 2026)
    assert result.firms == 1 and result.events == 1 and result.population == "database"
    talent = next(x for x in result.by_measure if x.key == "xm-2023/m20-talent")
    # the whole award, in its instalment years (2026 and after): the award on the ledger did not cut it
    assert talent.baseline == allowed
    assert [x.key for x in result.by_year][0] == "2026" and len(result.by_year) > 1
    assert [x.key for x in result.by_city] == ["厦门市"] and [x.key for x in result.by_level] == ["city"]
    assert result.levels["xm-2023/m20-talent"][0].basis.startswith("原文未写明出资方")
    # outside the years asked the achievement is not in the population
    with pytest.raises(sim.SimulationInputError):
        _run(database, 2025, 2025)


def test_an_overlap_whose_other_side_the_department_sets_is_shown_apart_at_its_ceiling(database, people):  # noqa: F811
    """A Xiamen phase III beside fj-yj-2025-30 （二十） (amount set by the department): 就高从优 unresolved,
    so the cost counts its exact part (none) and the 30,000,000元 ceiling of xm-2023 （一） is shown apart."""
    case_id = saved(database, people["a1"], case_with(phase3("e1", "p1")))
    in_review(database, people, case_id, "e1")
    result = _run(database, 2026, 2026)
    assert result.totals.baseline == 0
    assert result.open_baseline == Decimal("30000000")
