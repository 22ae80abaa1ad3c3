"""The batch engine agrees with the per-case engine, organisation by organisation, on random populations.

For every organisation of a generated population (cases drawn by tests/engine/test_properties.py's
strategies, aimed at one to three real measures each, with prior awards and noise), every
entitlement's eligibility, amount kind, amount (to the last digit) and overlap outcome, and every
yearly and overall total, are those of ``engine.assess.assess`` on that organisation's case. A
difference is a bug in one of the two.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from tests.engine.test_properties import AS_OF, CATALOGUE, PROPERTY, RULES, cases

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate, from_cases
from biopolicy.engine.batch.compile import KINDS, MICRO
from biopolicy.engine.batch.run import ELIGIBILITY, OUTCOMES
from biopolicy.engine.check import check_case

COMPILED = compile_rules(RULES, CATALOGUE)


def per_case(case: Case):
    return assess(case, RULES, CATALOGUE, AS_OF)


def _expected(case: Case) -> tuple[dict, dict]:
    result = per_case(case)
    rows = {
        (e.event_id, e.measure_id): (
            e.eligibility,
            e.amount.kind,
            e.amount.value,
            e.overlap.outcome if e.overlap else None,
        )
        for e in result.entitlements
    }
    totals = {
        t.year: (
            t.exact,
            t.max_obtainable,
            t.at_least,
            sorted(t.unknown_measures),
            sorted(t.unresolved_overlaps),
        )
        for t in result.totals
    }
    if not result.covered:
        totals = {}
    return rows, totals


def _batch(result, org: int) -> tuple[dict, dict]:
    pop, measures = result.pop, result.compiled.measures
    rows = {}
    for r in result.rows_of(org).tolist():
        outcome = OUTCOMES[result.outcome[r]]
        rows[(pop.event_id(result.event[r]), measures[result.measure[r]].measure.id)] = (
            ELIGIBILITY[result.eligibility[r]],
            KINDS[result.kind[r]],
            result.amount(r),
            outcome,
        )
    return rows, _totals(result.org_totals(org))


def _totals(year_totals) -> dict:
    return {
        t.year: (
            t.exact,
            t.max_obtainable,
            t.at_least,
            sorted(t.unknown_measures),
            sorted(t.unresolved_overlaps),
        )
        for t in year_totals
    }


def _vector_totals(result, org: int) -> dict:
    sums = {
        year: tuple(Decimal(v) / MICRO for v in figures)
        for (o, year), figures in result.totals().items()
        if o == org and any(figures)
    }
    return sums


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=6))
def test_every_organisation_gets_what_the_per_case_engine_gives_it(population):
    typed = [check_case(Case.model_validate(data), RULES, CATALOGUE) for data in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    result = evaluate(pop, COMPILED, per_case)
    for org, case in enumerate(typed):
        want_rows, want_totals = _expected(case)
        got_rows, got_totals = _batch(result, org)
        assert got_rows == want_rows, (org, bool(result.fallback[org]))
        assert got_totals == want_totals, (org, bool(result.fallback[org]))
        if not pop.inexact[org]:  # the group-wise sums are in micro-yuan; finer money is summed per case
            sums = {year: t[:3] for year, t in want_totals.items() if any(t[:3])}
            assert _vector_totals(result, org) == sums, org


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=4))
def test_a_population_gives_back_the_cases_it_was_built_from(population):
    typed = [check_case(Case.model_validate(data), RULES, CATALOGUE) for data in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    for org, case in enumerate(typed):
        if pop.inexact[org]:
            continue  # money finer than the fen: the columns round it, and the batch hands the case over
        rebuilt = check_case(pop.rebuild(org, CATALOGUE), RULES, CATALOGUE).model_dump()
        original = case.model_dump()
        for data in (rebuilt, original):
            data["events"].sort(key=lambda e: (e["date"], e["id"]))
            data["prior_awards"].sort(key=str)
        assert rebuilt == original


def _device_case(city: str, product_type: str, event: dict) -> dict:
    product = {"id": "p1", "type": product_type}
    if product_type == "device":
        product["registration_class"] = "III"
    return {
        "applicant": {"kind": "enterprise", "name": "某申请人", "city": city},
        "products": [product, {**product, "id": "p2"}],
        "events": [{"id": "e0", "product_id": "p1", **event}],
        "prior_awards": [],
        "as_of": "2028-01-01",
    }


# Hypothesis's shrunk example (issue 13 §1): the third organisation's Xiamen class III device with the
# innovative-device review meets the province's industrialisation award in one 就高从优 group whose
# Xiamen side is two measures declared ``together`` (1,000,000 + 2,000,000). The per-case engine
# counts that side as 3,000,000 sure; the batch's group-wise totals took the sides row by row (2,000,000).
SHRUNK = [
    _device_case("厦门市", "api", {"type": "honour_awarded", "date": "2023-11-20"}),
    _device_case(
        "福州市",
        "api",
        {
            "type": "first_industrialisation",
            "date": "2023-09-04",
            "cumulative_sales": "100000",
            "has_production_licence": False,
            "innovative_device_special_review": False,
            "major_project": False,
            "introduced": False,
            "new_api_approval": True,
        },
    ),
    _device_case(
        "厦门市",
        "device",
        {
            "type": "first_industrialisation",
            "date": "2023-11-20",
            "cumulative_sales": "500000",
            "has_production_licence": True,
            "innovative_device_special_review": True,
            "major_project": False,
            "introduced": False,
        },
    ),
]


def test_a_together_side_counts_as_one_side_in_the_group_wise_totals():
    test_every_organisation_gets_what_the_per_case_engine_gives_it.hypothesis.inner_test(SHRUNK)
    typed = [check_case(Case.model_validate(data), RULES, CATALOGUE) for data in SHRUNK]
    result = evaluate(from_cases(typed, CATALOGUE, AS_OF), COMPILED, per_case)
    together = (Decimal(3_000_000), Decimal(6_000_000), Decimal(0))  # sure: both Xiamen awards; most: 600万
    assert _vector_totals(result, 2) == {2023: together, None: together}
    by_org = result.max_obtainable_by_org()
    assert Decimal(int(by_org[2])) / MICRO == Decimal(6_000_000)
    exact = {k: v for k, v in result.by_measure_year().items() if v[0]}
    assert sum(v[0] for v in exact.values()) == (1_000_000 + 3_000_000) * MICRO  # Fuzhou's 100万 and the side
