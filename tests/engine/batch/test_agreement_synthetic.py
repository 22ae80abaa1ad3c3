"""Agreement on small synthetic rules built to collide: overlaps ranked after ceilings, shared ceilings
of every scope cutting one another, once-per measures, exact figures turned into maxima by a ceiling
that holds a maximum, prior awards in the buckets, registration classes with sub-classes ("2" holds
for "2.2") and the transfer city as a fixed-choice attribute. The real policies rarely make an overlap lose
or two ceilings cut the same award; these rules make it happen in most examples.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from tests.engine import builders
from tests.engine.batch.test_agreement import _batch, _vector_totals
from tests.engine.test_properties import PROPERTY

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate, from_cases
from biopolicy.engine.check import check_case

CATALOGUE = builders.catalogue()
AS_OF = date(2027, 12, 31)
M = builders.measure
CENTRE = "clinical_research_centre_milestone"
RULES = builders.ruleset(
    [
        M("a/rate", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment", "cap": "5000000"}),
        M(
            "b/fixed",
            {"kind": "exact", "value": "3000000"},
            conditions={"fact": "event.stage", "in": ["phase_2", "phase_3"]},
        ),
        M("c/once", {"kind": "exact", "value": "1000000"}, once_per="product"),
        M("d/share", {"kind": "exact", "rate": "10%", "base": "event.rd_investment"}),
        M(
            "e/table",
            {
                "table": [
                    {
                        "when": {"fact": "product.registration_class", "in": ["1", "2"]},
                        "label": "1类或2类（含其子类）",
                        "amount": {"kind": "exact", "value": "2000000"},
                    },
                    {
                        "when": {"fact": "event.transferred_city", "eq": "厦门市"},
                        "label": "在厦门市转化",
                        "amount": {"kind": "at_most", "cap": "1500000"},
                    },
                ]
            },
        ),
        M(
            "f/city",
            {"kind": "exact", "value": "2000000"},
            event=CENTRE,
            conditions={"fact": "event.level", "eq": "city"},
        ),
        M(
            "g/provincial",
            {"kind": "exact", "value": "3000000"},
            event=CENTRE,
            conditions={"fact": "event.level", "eq": "provincial"},
        ),
        M(
            "h/top-up",
            {
                "kind": "top_up",
                "to": "10000000",
                "net_of": ["f/city", "g/provincial"],
                "net_of_programmes": True,
            },
            event=CENTRE,
            conditions={"fact": "event.level", "eq": "national"},
        ),
    ],
    caps=[
        {
            "id": "year",
            "label": "年度",
            "scope": "applicant_year",
            "amount": "8000000",
            "measures": ["a/rate", "b/fixed", "d/share", "e/table"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
        {
            "id": "product",
            "label": "产品",
            "scope": "product",
            "amount": "6000000",
            "measures": ["a/rate", "e/table"],
            "when": {"fact": "event.stage", "ne": "preclinical"},
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
        {
            "id": "total",
            "label": "累计",
            "scope": "applicant",
            "amount": "2500000",
            "measures": ["c/once", "d/share"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
        {
            "id": "subject",
            "label": "事项",
            "scope": "subject_year",
            "amount": "4000000",
            "measures": ["b/fixed"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
    ],
    overlaps=[
        {
            "id": "ab",
            "kind": "highest_only",
            "measures": ["a/rate", "b/fixed"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
        {
            "id": "de",
            "kind": "highest_only",
            "measures": ["d/share", "e/table"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
        {
            "id": "fg",
            "kind": "excludes",
            "measures": ["f/city", "g/provincial"],
            "clauses": ["a/clause"],
            "excerpt": "x",
        },
    ],
)
COMPILED = compile_rules(RULES, CATALOGUE)
MEASURES = sorted(RULES.measures)

rd = st.sampled_from(["0", "2500000", "7500000", "12500000", "12500001", "30000000"]) | st.integers(
    0, 40_000_000
).map(str)


@st.composite
def stage_event(draw, i: int) -> dict:
    event = {
        "id": f"e{i:02d}",
        "type": "clinical_stage_completed",
        "date": draw(st.dates(date(2023, 1, 1), date(2025, 12, 31))).isoformat(),
        "product_id": draw(st.sampled_from(["p1", "p2"])),
    }
    if draw(st.integers(0, 5)):
        event["stage"] = draw(st.sampled_from(["preclinical", "phase_1", "phase_2", "phase_3"]))
    if draw(st.integers(0, 5)):
        event["rd_investment"] = draw(rd)
    if draw(st.booleans()):
        event["transferred_city"] = draw(st.sampled_from(["厦门市", "福州市", "福建省外"]))
    if draw(st.integers(0, 3)) == 0:
        event["subject"] = draw(st.sampled_from(["s1", "s2"]))
    return event


@st.composite
def centre_event(draw, i: int) -> dict:
    event = {
        "id": f"c{i:02d}",
        "type": CENTRE,
        "date": draw(st.dates(date(2023, 1, 1), date(2025, 12, 31))).isoformat(),
        "subject": draw(st.sampled_from(["s1", "s2"])),
    }
    if draw(st.integers(0, 5)):
        event["level"] = draw(st.sampled_from(["city", "provincial", "national"]))
    return event


@st.composite
def a_case(draw) -> dict:
    events = [draw(stage_event(i)) for i in range(draw(st.integers(0, 8)))]
    events += [draw(centre_event(i)) for i in range(draw(st.integers(0 if events else 1, 5)))]
    prior = [
        {
            "measure_id": draw(st.sampled_from(MEASURES)),
            "amount": str(draw(st.integers(0, 9_000_000))),
            "date": draw(st.dates(date(2023, 1, 1), date(2025, 12, 31))).isoformat(),
            **({"product_id": draw(st.sampled_from(["p1", "p2"]))} if draw(st.booleans()) else {}),
            **({"subject": draw(st.sampled_from(["s1", "s2"]))} if draw(st.booleans()) else {}),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    if draw(st.integers(0, 3)) == 0:
        prior.append(
            {
                "programme": "国家项目",
                "amount": str(draw(st.integers(0, 9_000_000))),
                "date": "2023-06-01",
                "subject": draw(st.sampled_from(["s1", "s2"])),
            }
        )
    return {
        "applicant": {"kind": "enterprise", "name": "测试企业", "city": "厦门市"},
        "products": [
            {
                "id": "p1",
                "type": "chemical",
                "registration_class": draw(st.sampled_from(["1", "2", "2.2", "3"])),
            },
            {
                "id": "p2",
                "type": "chemical",
                "registration_class": draw(st.sampled_from(["2", "2.4", "5.1"])),
            },
        ],
        "events": events,
        "prior_awards": prior,
        "as_of": AS_OF.isoformat(),
    }


def per_case(case: Case):
    return assess(case, RULES, CATALOGUE, AS_OF)


@PROPERTY
@given(st.lists(a_case(), min_size=1, max_size=5))
def test_colliding_rules_agree_with_the_per_case_engine(population):
    typed = [check_case(Case.model_validate(d), RULES, CATALOGUE) for d in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    result = evaluate(pop, COMPILED, per_case)
    assert not result.fallback.any()  # these rules are settled in columns: that is what is compared
    for org, case in enumerate(typed):
        got_rows, got_totals = _batch(result, org)
        expected = per_case(case)
        want_rows = {
            (e.event_id, e.measure_id): (
                e.eligibility,
                e.amount.kind,
                e.amount.value,
                e.overlap.outcome if e.overlap else None,
            )
            for e in expected.entitlements
        }
        assert got_rows == want_rows, (org, bool(result.fallback[org]))
        want_totals = {
            t.year: (
                t.exact,
                t.max_obtainable,
                t.at_least,
                sorted(t.unknown_measures),
                sorted(t.unresolved_overlaps),
            )
            for t in expected.totals
        }
        assert got_totals == want_totals, org
        sums = {year: t[:3] for year, t in want_totals.items() if any(t[:3])}
        assert _vector_totals(result, org) == sums, org
