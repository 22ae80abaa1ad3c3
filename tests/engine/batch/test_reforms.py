"""Reforms are the dated-values overlay: both engines read a reform's figures through ``in_force``.

- the three reforms of policies/_reforms validate, and what they cost is what the same reforms cost
  when written straight into the rules (the way reforms were applied before the overlay);
- a reform of a rate, a ceiling and an amount, from a date, gives the per-case engine's figures in
  the batch engine, event by event, on either side of the date; the trace names the reform;
- the batch engine reads a document's own dated values (``changes``) as the per-case engine does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.engine import builders
from tests.engine.batch.test_agreement import _batch
from tests.engine.test_properties import PROPERTY

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate, from_cases
from biopolicy.engine.batch.synth import generate
from biopolicy.engine.check import check_case
from biopolicy.rules.reforms import Reform, apply, load_reform
from biopolicy.rules.schema import RuleSet, Window
from biopolicy.services.calculator import get_calculator

ROOT = Path(__file__).resolve().parents[3]
REFORMS = sorted((ROOT / "policies" / "_reforms").glob("*.yaml"))
CALC = get_calculator()


def _edit(reform: Reform, rules: RuleSet) -> RuleSet:
    """The reform written straight into copies of the rules: how reforms were applied before the overlay."""
    measures = {mid: m.model_copy(deep=True) for mid, m in rules.measures.items()}
    for mid, m in measures.items():
        m.doc_id = rules.measures[mid].doc_id
    caps = [c.model_copy(deep=True) for c in rules.caps]
    windows = dict(rules.windows)
    for change in reform.changes:
        if change.measure is not None:
            m = measures[change.measure]
            assert change.from_ is None  # an edit has no date: only undated reforms compare
            if change.switched_off:
                m.in_force = Window.model_validate({"from": date.max, "to": date.max})
            if change.in_force is not None:
                m.in_force = change.in_force
            for spec in m.amount_specs():
                if change.rate is not None and spec.rate is not None:
                    spec.rate = change.rate
                if change.ceiling is not None and spec.cap is not None:
                    spec.cap = change.ceiling
                if change.amount is not None and spec.value is not None:
                    spec.value = change.amount
        if change.cap is not None:
            next(c for c in caps if c.id == change.cap).amount = change.amount
        if change.document is not None:
            old = windows.get(change.document, Window())
            windows[change.document] = Window.model_validate(
                {"from": change.in_force.from_ or old.from_, "to": change.in_force.to or old.to}
            )
    return RuleSet(
        measures=measures,
        caps=caps,
        overlaps=rules.overlaps,
        windows=windows,
        version="edit",
        places=rules.places,
    )


def _cost(rules: RuleSet, pop) -> dict:
    result = evaluate(pop, compile_rules(rules, CALC.catalogue), lambda c: assess(c, rules, CALC.catalogue))
    return result.by_measure_year()


UNDATED = """\
id: figures
title: 测算用：比例、上限与金额
changes:
  - {measure: xm-2023/m1-clinical, rate: "30%"}
  - {measure: xm-2023/m8-technology-purchase, ceiling: "2000000"}
  - {measure: xm-2023/m2-drug, amount: "8000000"}
  - {measure: xm-2023/m9-headquarters, switched_off: true}
"""


@pytest.fixture(scope="module")
def population():
    return generate(CALC.rules, CALC.catalogue, seed=3, years=(2024, 2027)).population


@pytest.mark.parametrize("path", REFORMS + ["undated"], ids=lambda p: getattr(p, "stem", p))
def test_a_reform_costs_the_same_as_an_overlay_as_written_into_the_rules(path, population, tmp_path):
    if path == "undated":
        path = tmp_path / "figures.yaml"
        path.write_text(UNDATED, encoding="utf-8")
    reform = load_reform(path, CALC.rules)
    overlay, edited = apply(reform, CALC.rules), _edit(reform, CALC.rules)
    baseline = _cost(CALC.rules, population)
    cost = _cost(overlay, population)
    assert cost == _cost(edited, population)
    if path.stem != "xm-clinical-ceilings-2020":  # few synthetic products reach 3000万 of clinical awards
        assert cost != baseline  # the reform changes something on this population
    # the baseline is untouched by apply
    assert _cost(CALC.rules, population) == baseline


DATED = """\
id: dated
title: 测算用：2025年起研发比例降为30%
basis: 假设
changes:
  - {measure: xm-2023/m1-clinical, rate: "30%", from: 2025-01-01}
  - {measure: xm-2023/m8-technology-purchase, switched_off: true, from: 2026-01-01}
"""


def _clinical(day: str) -> dict:
    return {
        "applicant": {"kind": "enterprise", "name": "测试企业", "city": "厦门市"},
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": day,
                "product_id": "p1",
                "stage": "phase_1",
                "rd_investment": "5000000",
            }
        ],
        "as_of": "2027-12-31",
    }


@pytest.mark.parametrize(("day", "want"), [("2024-12-31", "2000000"), ("2025-01-01", "1500000")])
def test_a_dated_reform_applies_from_its_date_in_both_engines_and_the_trace_names_it(day, want, tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED, encoding="utf-8")
    rules = apply(load_reform(path, CALC.rules), CALC.rules)
    case = check_case(Case.model_validate(_clinical(day)), rules, CALC.catalogue)
    found = assess(case, rules, CALC.catalogue)
    got = {e.measure_id: e for e in found.entitlements}["xm-2023/m1-clinical"]
    assert got.amount.value == Decimal(want)  # 40% (or, from 2025, 30%) of 5,000,000
    worded = " ".join(str(s) for s in got.steps)
    assert ("按改革方案“测算用：2025年起研发比例降为30%”" in worded) == (day >= "2025-01-01")
    pop = from_cases([case], CALC.catalogue, date(2027, 12, 31))
    result = evaluate(pop, compile_rules(rules, CALC.catalogue))
    assert not result.fallback.any()
    rows, _ = _batch(result, 0)
    assert rows[("e1", "xm-2023/m1-clinical")][2] == Decimal(want)


def test_switched_off_from_a_date_pays_before_it_and_not_after(tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED, encoding="utf-8")
    rules = apply(load_reform(path, CALC.rules), CALC.rules)
    window = rules.window(rules.measures["xm-2023/m8-technology-purchase"])
    assert window.to == date(2025, 12, 31)
    assert CALC.rules.window(CALC.rules.measures["xm-2023/m8-technology-purchase"]).to != window.to


# ---------------------------------------------------------------- dated values in the batch engine

CATALOGUE = builders.catalogue()
AS_OF = date(2027, 12, 31)
M = builders.measure
DATED_RULES = builders.ruleset(
    [
        M(
            "a/rate",
            {"kind": "at_most", "rate": "40%", "base": "event.rd_investment", "cap": "5000000"},
            changes=[
                {"from": "2024-07-01", "clauses": ["a/x"], "excerpt": "x", "rate": "50%"},
                {"from": "2025-03-01", "clauses": ["a/x"], "excerpt": "x", "cap": "3000000"},
            ],
        ),
        M(
            "b/fixed",
            {"kind": "exact", "value": "3000000"},
            changes=[{"from": "2025-01-01", "clauses": ["b/x"], "excerpt": "x", "value": "2000000"}],
        ),
        M(
            "c/table",
            {
                "table": [
                    {
                        "when": {"fact": "event.stage", "in": ["phase_2", "phase_3"]},
                        "label": "Ⅱ、Ⅲ期",
                        "amount": {
                            "kind": "at_most",
                            "rate": "20%",
                            "base": "event.rd_investment",
                            "cap": "4000000",
                        },
                    },
                    {
                        "when": {"fact": "event.stage", "eq": "phase_1"},
                        "label": "Ⅰ期",
                        "amount": {"kind": "exact", "value": "1000000"},
                    },
                ]
            },
        ),
    ],
    caps=[
        {
            "id": "year",
            "label": "年度",
            "scope": "applicant_year",
            "amount": "6000000",
            "measures": ["a/rate", "b/fixed", "c/table"],
            "clauses": ["a/x"],
            "excerpt": "x",
        }
    ],
)
OVERLAY = Reform.model_validate(
    {
        "id": "o",
        "title": "测算",
        "changes": [
            {"measure": "c/table", "rate": "30%", "from": "2024-10-01"},
            {"measure": "c/table", "ceiling": "2500000", "from": "2025-06-01"},
            {"measure": "b/fixed", "amount": "2500000", "from": "2025-09-01"},
        ],
    }
)
REFORMED = apply(OVERLAY, DATED_RULES)


@st.composite
def a_case(draw) -> dict:
    events = []
    for i in range(draw(st.integers(1, 6))):
        event = {
            "id": f"e{i}",
            "type": "clinical_stage_completed",
            "date": draw(st.dates(date(2024, 1, 1), date(2025, 12, 31))).isoformat(),
            "product_id": "p1",
        }
        if draw(st.integers(0, 5)):
            event["stage"] = draw(st.sampled_from(["phase_1", "phase_2", "phase_3"]))
        if draw(st.integers(0, 5)):
            event["rd_investment"] = str(draw(st.integers(0, 30_000_000)))
        events.append(event)
    return builders.case(events) | {"as_of": AS_OF.isoformat()}


@PROPERTY
@given(st.lists(a_case(), min_size=1, max_size=4), st.booleans())
def test_dated_values_and_a_reform_over_a_table_agree_with_the_per_case_engine(population, reformed):
    rules = REFORMED if reformed else DATED_RULES
    typed = [check_case(Case.model_validate(d), rules, CATALOGUE) for d in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    result = evaluate(pop, compile_rules(rules, CATALOGUE))
    assert not result.fallback.any()
    for org, case in enumerate(typed):
        got, _ = _batch(result, org)
        want = {
            (e.event_id, e.measure_id): (
                e.eligibility,
                e.amount.kind,
                e.amount.value,
                e.overlap.outcome if e.overlap else None,
            )
            for e in assess(case, rules, CATALOGUE, AS_OF).entitlements
        }
        assert got == want, org
