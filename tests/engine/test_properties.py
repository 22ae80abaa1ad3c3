"""Properties of assessments over generated cases, for every encoded measure of the real policies.

Cases are built from the event catalogue's attribute specs (so a new event type or attribute is
covered without touching this file), with money figures drawn near the figures the rules state, so
thresholds and ceilings are hit on both sides. What must hold for every case:
- no award is negative or above the ceiling its own amount clause sets;
- within each shared ceiling of scope applicant_year, what a case is awarded in a year never exceeds
  what the ceiling leaves after prior awards;
- the order in which events (and prior awards) are listed changes nothing;
- adding a prior award never increases what can be obtained;
- a measure whose amount the text leaves open never gets a number;
- every total's guaranteed part is at most its maximum, and no total is below the largest exact award
  it contains (an unresolved 就高从优 overlap adds one side, never nothing);
- each measure without a number is named once per total.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biopolicy.domain.assessment import Assessment, Eligibility
from biopolicy.domain.case import ApplicantKind, Case
from biopolicy.domain.events import AttributeSpec, AttributeType
from biopolicy.engine.check import check_case
from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import Situation
from biopolicy.rules.schema import AmountKind, AmountSpec, CapScope, Compare, Measure
from biopolicy.services.calculator import get_calculator
from biopolicy.web.forms.calculator import CITIES, XIAMEN_DISTRICTS

CALC = get_calculator()
RULES = CALC.rules
CATALOGUE = CALC.catalogue
AS_OF = date(2028, 1, 1)
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2027, 12, 31)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- figures the rules state


def _leaves(cond):
    for name in ("all", "any"):
        if hasattr(cond, name):
            for c in getattr(cond, name):
                yield from _leaves(c)
            return
    if hasattr(cond, "not_"):
        yield from _leaves(cond.not_)
    elif isinstance(cond, Compare):
        yield cond


def _rule_figures() -> list[Decimal]:
    """Every money figure and money threshold in the rules, and its neighbours: where answers change."""
    figures: set[Decimal] = set()
    for m in RULES.measures.values():
        for spec in m.amount_specs():
            figures |= {v for v in (spec.value, spec.cap, spec.to) if v is not None}
            if spec.cap is not None and spec.effective_rate:
                # the base at which a rate meets its cap, to the fen (money has at most 2 decimals)
                figures.add((spec.cap / spec.effective_rate).quantize(Decimal("0.01")))
        conditions = [m.conditions, *m.categories.values()]
        conditions += [row.when for row in getattr(m.amount, "table", [])]
        for cond in filter(None, conditions):
            figures |= {
                Decimal(leaf.operand) for leaf in _leaves(cond) if leaf.operator in ("gt", "gte", "lt", "lte")
            }
    figures |= {c.amount for c in RULES.caps}
    out = set()
    for f in figures:
        out |= {f, f + 1, max(f - 1, Decimal(0)), (f / 2).quantize(Decimal("0.01"))}
    return sorted(out)


FIGURES = _rule_figures()
SUBJECTS = ["平台甲", "平台乙"]  # few, so that awards share subjects, products and ceilings
PRODUCT_IDS = ["p1", "p2"]

# ---------------------------------------------------------------- hints: values the rules test for


def _hints() -> dict[tuple[str, str], list]:
    """Keyed by (event type, fact) over all measures, and by (measure id, fact) for each measure."""
    """For each event type and fact, the values the measures of that type compare it with, and neighbours.

    Drawing attribute values from these (as well as at random) makes conditions hold and fail on both
    sides of each threshold, instead of almost always failing.
    """
    hints: dict[tuple[str, str], set] = {}
    for m in RULES.measures.values():
        conditions = [m.conditions, *m.categories.values()]
        conditions += [row.when for row in getattr(m.amount, "table", [])]
        conditions += [c.when for c in RULES.caps if m.id in c.measures]
        for cond in filter(None, conditions):
            for leaf in _leaves(cond):
                values = leaf.operand if isinstance(leaf.operand, list) else [leaf.operand]
                if leaf.operator in ("gt", "gte", "lt", "lte"):
                    values = [leaf.operand, leaf.operand + 1, max(leaf.operand - 1, Decimal(0))]
                if leaf.operator == "within_years":
                    continue
                hints.setdefault((m.event, leaf.fact), set()).update(values)
                hints.setdefault((m.id, leaf.fact), set()).update(values)
    return {k: sorted(v, key=str) for k, v in hints.items()}


HINTS = _hints()

# ---------------------------------------------------------------- strategies

money = st.one_of(
    st.sampled_from(FIGURES),
    st.integers(min_value=0, max_value=20_000_000_000).map(Decimal),
    st.decimals(min_value=0, max_value=100_000_000, places=2, allow_nan=False, allow_infinity=False),
)
dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


@st.composite
def _mostly(draw, usual: st.SearchStrategy, *others: st.SearchStrategy) -> object:
    """Usually (three times in four) the first strategy, else one of the others."""
    # hypothesis favours small integers and shrinks towards them: 0 means the usual case
    if not others or draw(st.integers(min_value=0, max_value=3)) < 3:
        return draw(usual)
    return draw(st.sampled_from(others).flatmap(lambda s: s))


def _value(spec: AttributeSpec) -> st.SearchStrategy:
    t = spec.type
    if t == AttributeType.money:
        return money.map(str)
    if t == AttributeType.int:
        return st.integers(min_value=0, max_value=6)
    if t == AttributeType.decimal:
        return st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False).map(
            str
        )
    if t == AttributeType.bool:
        return st.booleans()
    if t == AttributeType.date:
        return dates.map(date.isoformat)
    if t == AttributeType.enum:
        return st.sampled_from(sorted(spec.values))
    return st.text(min_size=1, max_size=5)


def _hinted(key: str, attr: str, spec: AttributeSpec) -> st.SearchStrategy:
    hints = HINTS.get((key, f"event.{attr}"), [])
    if spec.type == AttributeType.money:
        hints = [str(h) for h in hints]
    elif spec.type == AttributeType.enum:
        hints = [h for h in hints if h in spec.values]
    elif spec.type == AttributeType.bool:
        hints = [h for h in hints if isinstance(h, bool)]
    else:
        hints = []
    return _mostly(st.sampled_from(hints), _value(spec)) if hints else _value(spec)


def _window_dates(m: Measure) -> st.SearchStrategy:
    window = RULES.window(m)
    start, end = window.from_ or FIRST_DAY, window.to or LAST_DAY
    edges = [d for d in (start - timedelta(1), start, end, end + timedelta(1)) if FIRST_DAY <= d <= LAST_DAY]
    inside = st.dates(min_value=max(start, FIRST_DAY), max_value=min(end, LAST_DAY))
    return _mostly(inside, st.sampled_from(edges) if edges else dates, dates)


@st.composite
def events(draw, index: int, target: Measure | None = None, when: st.SearchStrategy = dates) -> dict:
    """An event of the target measure's type with values its conditions test, or of any type."""
    name = target.event if target else draw(st.sampled_from(sorted(CATALOGUE.events)))
    key = target.id if target else name
    spec = CATALOGUE.events[name]
    event = {"id": f"e{index}", "type": name, "date": draw(when).isoformat()}
    if draw(st.integers(0, 3)) < 3:
        event["product_id"] = draw(st.sampled_from(PRODUCT_IDS))
    if draw(st.booleans()):
        event["subject"] = draw(st.sampled_from(SUBJECTS))
    for attr, attr_spec in spec.attributes.items():
        if draw(st.integers(0, 5)) < 5:  # mostly present; sometimes missing, which a measure must name
            event[attr] = draw(_mostly(_hinted(key, attr, attr_spec), _hinted(name, attr, attr_spec)))
    return event


@st.composite
def prior_awards(draw, measure_ids: list[str] | None = None) -> dict:
    ids = measure_ids or sorted(RULES.measures)
    award = {
        "measure_id": draw(_mostly(st.sampled_from(ids), st.sampled_from(sorted(RULES.measures)))),
        "amount": str(draw(money)),
        "date": draw(st.dates(min_value=FIRST_DAY, max_value=AS_OF)).isoformat(),
    }
    if draw(st.booleans()):
        award["product_id"] = draw(st.sampled_from(PRODUCT_IDS))
    if draw(st.booleans()):
        award["subject"] = draw(st.sampled_from(SUBJECTS))
    return award


def _place(draw, places: list[str]) -> dict:
    place = draw(_mostly(st.sampled_from(places), st.just("福建省")))
    if place in XIAMEN_DISTRICTS:
        return {"city": "厦门市", "district": place}
    if place in CITIES:
        return {"city": place}
    city = draw(st.sampled_from(CITIES))
    out = {"city": city}
    if city == "厦门市" and draw(st.booleans()):
        out["district"] = draw(st.sampled_from(XIAMEN_DISTRICTS))
    return out


def _product_values(target: Measure, fact: str, fallback: list[str]) -> st.SearchStrategy:
    hints = sorted({str(v) for v in HINTS.get((target.id, fact), [])} & set(fallback))
    return _mostly(st.sampled_from(hints), st.sampled_from(fallback)) if hints else st.sampled_from(fallback)


@st.composite
def cases(draw) -> dict:
    """A case aimed at one to three measures (applicant, place, dates and attributes they test), with noise."""
    ids = draw(st.lists(st.sampled_from(sorted(RULES.measures)), min_size=1, max_size=3))
    targets = [RULES.measures[i] for i in ids]
    first = targets[0]
    kinds = [k.value for k in first.applicant.kinds]
    kind = draw(_mostly(st.sampled_from(kinds), st.sampled_from([k.value for k in ApplicantKind])))
    applicant = {"kind": kind, "name": "某申请人", **_place(draw, first.applicant.places)}
    products = []
    for pid in PRODUCT_IDS:
        product_type = draw(_product_values(first, "product.type", sorted(CATALOGUE.product_types)))
        product = {"id": pid, "type": product_type}
        classes = sorted(CATALOGUE.registration_classes.get(product_type, {}))  # a class of its type
        if classes:
            product["registration_class"] = draw(
                _product_values(first, "product.registration_class", classes)
            )
        products.append(product)
    planned = []
    for i, m in enumerate(targets):
        for _ in range(draw(st.integers(min_value=1, max_value=3 if i == 0 else 1))):
            planned.append((m, _window_dates(m)))
    planned += [(None, dates)] * draw(st.integers(min_value=0, max_value=2))
    return {
        "applicant": applicant,
        "products": products,
        "events": [draw(events(i, target, when)) for i, (target, when) in enumerate(planned)],
        "prior_awards": draw(st.lists(prior_awards(ids), max_size=3)),
        "as_of": AS_OF.isoformat(),
    }


def assess(data: dict) -> Assessment:
    return CALC.assess(data)


# ---------------------------------------------------------------- helpers


def _award_ceiling(spec: AmountSpec, event: dict) -> Decimal | None:
    """The most one award under this amount clause can be, or None where the clause sets no bound."""
    if spec.kind == AmountKind.unknown:
        return Decimal(0)  # never a number at all: checked separately
    if spec.cap is not None:
        return spec.cap
    if spec.kind == AmountKind.top_up:
        return spec.to
    if spec.kind == AmountKind.waiver:
        fee = event.get(spec.base.removeprefix("event."))
        return None if fee is None else Decimal(str(fee))
    fixed = spec.value is not None and spec.per is None and spec.effective_rate is None
    if spec.kind in (AmountKind.exact, AmountKind.at_most) and fixed:
        return spec.value
    return None


def _ceiling(m: Measure, event: dict) -> Decimal | None:
    bounds = [_award_ceiling(spec, event) for spec in m.amount_specs()]
    return None if any(b is None for b in bounds) else max(bounds)


def _paid(e) -> bool:
    return e.eligibility == Eligibility.yes and e.amount.value is not None


def _overall(result: Assessment) -> Decimal:
    return result.totals[-1].max_obtainable


# ---------------------------------------------------------------- properties


@PROPERTY
@given(cases())
def test_no_award_is_negative_or_above_its_own_ceiling(data):
    result = assess(data)
    events = {e["id"]: e for e in data["events"]}
    for e in result.entitlements:
        if e.amount.value is None:
            continue
        value = Decimal(e.amount.value)
        assert value >= 0, (e.measure_id, e.event_id, value)
        bound = _ceiling(RULES.measures[e.measure_id], events[e.event_id])
        if bound is not None and e.amount.kind != "unknown":
            assert value <= bound, (e.measure_id, e.event_id, value, bound, [s.text for s in e.steps])
    for total in result.totals:
        assert total.max_obtainable >= 0 and total.exact >= 0 and total.at_least >= 0


@PROPERTY
@given(cases())
def test_an_applicant_year_never_gets_more_than_a_shared_ceiling_leaves(data):
    result = assess(data)
    typed = check_case(Case.model_validate(data), RULES, CATALOGUE)
    events = {ev.id: ev for ev in typed.events}
    for cap in (c for c in RULES.caps if c.scope == CapScope.applicant_year):
        by_year: dict[int, Decimal] = {}
        for e in result.entitlements:
            if e.measure_id not in cap.measures or not _paid(e):
                continue
            event = events[e.event_id]
            if cap.when is not None:
                s = Situation(typed.applicant, event, typed.product(event.product_id), CATALOGUE)
                if evaluate(cap.when, s, {}).holds is False:
                    continue
            by_year[event.date.year] = by_year.get(event.date.year, Decimal(0)) + Decimal(e.amount.value)
        for year, awarded in by_year.items():
            prior = sum(
                (
                    a.amount
                    for a in typed.prior_awards
                    if a.measure_id in cap.measures and a.date.year == year and a.date <= AS_OF
                ),
                Decimal(0),
            )
            assert awarded <= max(cap.amount - prior, Decimal(0)), (cap.id, year, awarded, prior)


@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_the_order_events_and_prior_awards_are_listed_in_changes_nothing(data, rnd: random.Random):
    shuffled = dict(data, events=rnd.sample(data["events"], len(data["events"])))
    shuffled["prior_awards"] = rnd.sample(data["prior_awards"], len(data["prior_awards"]))
    assert assess(shuffled).model_dump() == assess(data).model_dump()


@PROPERTY
@given(cases(), prior_awards())
def test_adding_a_prior_award_never_increases_what_can_be_obtained(data, award):
    before = assess(data)
    after = assess(dict(data, prior_awards=[*data["prior_awards"], award]))
    assert _overall(after) <= _overall(before), (award, _overall(before), _overall(after))
    for year_after in after.totals[:-1]:
        year_before = next((t for t in before.totals if t.year == year_after.year), None)
        assert year_before is not None
        assert year_after.max_obtainable <= year_before.max_obtainable, year_after.year


@PROPERTY
@given(cases())
def test_an_amount_the_text_leaves_open_never_becomes_a_number(data):
    result = assess(data)
    for e in result.entitlements:
        specs = RULES.measures[e.measure_id].amount_specs()
        if all(spec.kind == AmountKind.unknown for spec in specs):
            assert e.amount.kind == "unknown" and e.amount.value is None, (e.measure_id, e.amount)
        if e.amount.kind == "unknown":
            assert e.amount.value is None, (e.measure_id, e.amount)


def _exact_parts(e) -> list[tuple[int | None, Decimal]]:
    """The exact figures an entitlement adds to each year's total and to the overall one (None)."""
    counted = e.overlap is None or e.overlap.outcome not in ("lost", "excluded")
    if e.eligibility != Eligibility.yes or not counted or e.amount.kind not in ("exact", "waiver"):
        return []
    if e.amount.value is None:
        return []
    parts = [(i.year, i.amount) for i in e.instalments] or [(int(e.event_date[:4]), e.amount.value)]
    return [*parts, (None, e.amount.value)]


@PROPERTY
@given(cases())
def test_a_total_guarantees_no_more_than_its_maximum_and_no_less_than_its_largest_exact_award(data):
    result = assess(data)
    largest: dict[int | None, Decimal] = {}
    for e in result.entitlements:
        for year, value in _exact_parts(e):
            largest[year] = max(largest.get(year, Decimal(0)), Decimal(value))
    for t in result.totals:
        assert t.exact <= t.max_obtainable, (t.year, t.exact, t.max_obtainable)
        assert t.exact >= largest.get(t.year, Decimal(0)), (t.year, t.exact, largest.get(t.year))
        assert len(t.unknown_measures) == len(set(t.unknown_measures)), t.unknown_measures


def test_the_generated_cases_reach_every_encoded_measure():
    """The strategies can produce an event of every type a measure names."""
    assert {m.event for m in RULES.measures.values()} <= set(CATALOGUE.events)
    assert min(FIGURES) >= 0 and timedelta(0) < LAST_DAY - FIRST_DAY
