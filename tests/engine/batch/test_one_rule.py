"""The one-rule workload of bench/batch_bench.py ("min(40% × R&D, cap per phase), summed per enterprise,
capped per enterprise and year") takes the batch engine's shortest path: one measure over every
event (no gathers), one ceiling over every row (running sums restarted from the buckets' sums,
each organisation's total from its bucket). Its figures, row by row and per organisation, are the
per-case engine's, on either side of the ceilings, with events in one year or several, and with
prior awards under the ceiling."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from tests.engine import builders
from tests.engine.batch.test_agreement import _batch
from tests.engine.test_properties import PROPERTY

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate, from_cases
from biopolicy.engine.batch.compile import MICRO
from biopolicy.engine.check import check_case

CATALOGUE = builders.catalogue()
AS_OF = date(2026, 12, 31)
RULES = builders.ruleset(
    [
        builders.measure(
            "bench/rd",
            {"kind": "at_most", "rate": "40%", "base": "event.rd_investment", "cap": "10000000"},
        )
    ],
    caps=[
        {
            "id": "bench/enterprise",
            "label": "单个企业每年最高3000万元",
            "scope": "applicant_year",
            "amount": "30000000",
            "measures": ["bench/rd"],
            "clauses": ["bench/1"],
            "excerpt": "x",
        }
    ],
)
COMPILED = compile_rules(RULES, CATALOGUE)


@st.composite
def a_case(draw, one_year: bool, priors: bool) -> dict:
    events = [
        {
            "id": f"e{i}",
            "type": "clinical_stage_completed",
            "date": draw(st.dates(date(2025, 1, 1), date(2025 if one_year else 2026, 12, 31))).isoformat(),
            "product_id": "p1",
            "rd_investment": str(
                draw(st.sampled_from([0, 25_000_000, 25_000_001]) | st.integers(0, 60_000_000))
            ),
        }
        for i in range(draw(st.integers(1, 8)))
    ]
    prior = []
    if priors and draw(st.booleans()):
        prior.append(
            {"measure_id": "bench/rd", "amount": str(draw(st.integers(0, 40_000_000))), "date": "2025-01-01"}
        )
    return builders.case(events, prior) | {"as_of": AS_OF.isoformat()}


@PROPERTY
@given(st.booleans(), st.booleans(), st.data())
def test_the_one_rule_workload_agrees_with_the_per_case_engine(one_year, priors, data):
    population = data.draw(st.lists(a_case(one_year, priors), min_size=1, max_size=6))
    typed = [check_case(Case.model_validate(d), RULES, CATALOGUE) for d in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    result = evaluate(pop, COMPILED)
    assert result.identity and not result.fallback.any()
    by_org = result.max_obtainable_by_org()
    for org, case in enumerate(typed):
        expected = assess(case, RULES, CATALOGUE, AS_OF)
        got, _ = _batch(result, org)
        want = {
            (e.event_id, e.measure_id): (e.eligibility, e.amount.kind, e.amount.value, None)
            for e in expected.entitlements
        }
        assert got == want, org
        total = sum((t.max_obtainable for t in expected.totals if t.year is not None), Decimal(0))
        assert Decimal(int(by_org[org])) / MICRO == total, org
