"""The synthetic population meets the figures the documents publish, and a seed gives the same population."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from tests.engine.test_properties import CATALOGUE, RULES

from biopolicy.engine.batch.synth import (
    APPROVALS,
    APPROVALS_FUZHOU,
    FIRMS,
    FIRMS_FUZHOU,
    GROWTH,
    REVENUE_2021,
    REVENUE_2021_FUZHOU,
    REVENUE_2025_TARGET,
    generate,
)


def test_the_population_meets_fz_plans_published_figures():
    s = generate(RULES, CATALOGUE, seed=3)
    pop = s.population
    fuzhou_code = pop.vocab.find("福州市")
    assert pop.n_orgs == FIRMS == 282
    assert int((pop.org_city == fuzhou_code).sum()) == int(s.fuzhou.sum()) == FIRMS_FUZHOU == 40
    assert Decimal(int(s.revenue_2021.sum())) / 100 == REVENUE_2021 == Decimal("85100000000")
    assert Decimal(int(s.revenue_2021[s.fuzhou].sum())) / 100 == REVENUE_2021_FUZHOU == Decimal("12240000000")
    drug_owner = pop.product_org[s.drug_products]
    assert len(drug_owner) == APPROVALS == 2032
    assert int(s.fuzhou[drug_owner].sum()) == APPROVALS_FUZHOU == 721


def test_revenue_grows_to_the_provinces_2025_target():
    s = generate(RULES, CATALOGUE, seed=3)
    in_2025 = Decimal(float((s.revenue_2021 * (1 + GROWTH) ** 4).sum())) / 100
    assert abs(in_2025 - REVENUE_2025_TARGET) < Decimal("1000")  # 1200亿元, to within 1,000 yuan of rounding


def test_a_seed_gives_the_same_population_and_another_seed_another():
    a, b, c = (generate(RULES, CATALOGUE, seed=s).population for s in (5, 5, 6))
    assert np.array_equal(a.event_day, b.event_day) and np.array_equal(a.event_type, b.event_type)
    assert a.n_events != c.n_events or not np.array_equal(a.event_day, c.event_day)


def test_a_scaled_population_scales_the_firms_and_keeps_the_shares():
    s = generate(RULES, CATALOGUE, seed=1, scale=3)
    assert s.population.n_orgs == 3 * FIRMS and int(s.fuzhou.sum()) == 3 * FIRMS_FUZHOU
    assert Decimal(int(s.revenue_2021.sum())) / 100 == 3 * REVENUE_2021


def test_an_opened_row_is_worded_by_the_per_case_engine_with_the_batch_figure():
    from biopolicy.engine.assess import assess
    from biopolicy.engine.batch import compile_rules, evaluate
    from biopolicy.services.wording import word_step

    pop = generate(RULES, CATALOGUE, seed=4).population
    result = evaluate(pop, compile_rules(RULES, CATALOGUE), lambda c: assess(c, RULES, CATALOGUE))
    paid = np.nonzero((result.eligibility == 1) & result.has & (result.value > 0))[0]
    assert len(paid) > 20
    for row in paid[:: max(1, len(paid) // 20)].tolist():
        entitlement = result.explain(row, lambda c: assess(c, RULES, CATALOGUE))
        assert entitlement.amount.value == result.amount(row)
        # the engine records what it decided; the one wording module turns each step into Chinese
        assert entitlement.steps and all(word_step(step) for step in entitlement.steps)
