"""One runner for every ``policies/*/tests.yaml``: named cases in, entitlements and clauses out.

Each case is a sentence that states what it proves; its input is a case in the case format,
assessed against all policies; its ``expect`` lists the entitlements it checks, or, for a case the
calculator must refuse, ``refused``: words that must each stand in one of the problems it names.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from biopolicy.domain.case import CaseError
from biopolicy.services.calculator import get_calculator

POLICIES = Path(__file__).resolve().parents[1] / "policies"


def _cases():
    for path in sorted(POLICIES.glob("*/tests.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            yield pytest.param(case, id=f"{path.parent.name}: {case['name']}")


def _texts(want, key):
    texts = want.get(key, [])
    # an unquoted "30,000,000" in a YAML flow list splits at the commas: insist on quoted strings
    assert all(isinstance(t, str) for t in texts), f"{key} items must be quoted strings: {texts}"
    return texts


def _word(value):
    # YAML 1.1 reads a bare yes/no as a boolean
    return {True: "yes", False: "no"}.get(value, value)


@pytest.mark.parametrize("spec", list(_cases()))
def test_policy_case(spec):
    calc = get_calculator()
    expect = spec["expect"]
    if "refused" in expect:
        with pytest.raises(CaseError) as refused:
            calc.assess(spec["case"], as_of=None)
        for text in _texts(expect, "refused"):
            assert any(text in p for p in refused.value.messages), refused.value.messages
        return
    result = calc.assess(spec["case"], as_of=None)
    by_key = {(e.measure_id, e.event_id): e for e in result.entitlements}
    for want in expect.get("entitlements", []):
        key = (want["measure_id"], want["event_id"])
        assert key in by_key, f"{key} not assessed; got {sorted(by_key)}"
        got = by_key[key]
        if "eligibility" in want:
            assert got.eligibility.value == _word(want["eligibility"]), got.steps
        if "amount" in want:
            assert got.amount.kind == want["amount"]["kind"], [s.text for s in got.steps]
            expected = want["amount"].get("value")
            actual = None if got.amount.value is None else Decimal(got.amount.value)
            assert actual == (None if expected is None else Decimal(str(expected))), [
                s.text for s in got.steps
            ]
        if "clauses" in want:
            cited = set(got.clauses) | {c for s in got.steps for c in s.clauses}
            assert set(want["clauses"]) <= cited
        if "overlap" in want:
            assert got.overlap is not None and got.overlap.outcome == want["overlap"]
        for text in _texts(want, "steps_contain"):
            assert any(text in s.text for s in got.steps), [s.text for s in got.steps]
        for text in _texts(want, "reason_contains"):
            assert text in (got.reason or ""), got.reason
        if "missing" in want:
            assert [m.path for m in got.missing] == want["missing"]
        if "payer" in want:
            assert got.payer == want["payer"]
        if "instalments" in want:
            assert [(i.year, Decimal(str(i.amount))) for i in got.instalments] == [
                (i["year"], Decimal(str(i["amount"]))) for i in want["instalments"]
            ]
    for measure_id in expect.get("not_paid", []):
        paying = [
            e for e in result.entitlements if e.measure_id == measure_id and e.eligibility.value == "yes"
        ]
        assert not paying or all(Decimal(e.amount.value or 0) == 0 for e in paying)
    totals = {("overall" if t.year is None else t.year): t for t in result.totals}
    for year, want in (expect.get("totals") or {}).items():
        got = totals[year]
        for name, value in want.items():
            actual = getattr(got, name)
            if isinstance(actual, Decimal):
                assert actual == Decimal(str(value)), f"{year}.{name}"
            else:
                assert actual == value, f"{year}.{name}"
    if "covered" in expect:
        assert result.covered is expect["covered"]
