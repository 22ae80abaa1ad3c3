"""The amount shapes other cities use, and no field an amount's kind does not use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from biopolicy.rules.schema import AmountSpec


def _refused(data: dict) -> str:
    with pytest.raises(ValidationError) as exc:
        AmountSpec.model_validate(data)
    return str(exc.value)


def test_a_top_up_to_a_share_of_a_base_capped_net_of_another_level():
    spec = AmountSpec.model_validate(
        {
            "kind": "top_up",
            "rate": "40%",
            "base": "event.rd_investment",
            "cap": "5000000",
            "net_of_facts": ["event.provincial_award"],
        }
    )
    assert (spec.rate, spec.cap, spec.to) == (pytest.approx(spec.rate), 5000000, None)
    assert ("percent", 40) in spec.figures() and ("money", 5000000) in spec.figures()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kind": "top_up", "to": "10000000", "value": "1"}, "top_up 金额不使用 value"),
        ({"kind": "exact", "value": "1", "net_of": ["a/b"]}, "exact 金额不使用 net_of"),
        (
            {"kind": "unknown", "basis": "按有关规定", "rate": "5%", "base": "event.x"},
            "unknown 金额不使用 base、rate",
        ),
        ({"kind": "at_least", "value": "1", "cap": "2"}, "at_least 金额不使用 cap"),
        ({"kind": "waiver", "base": "event.fee", "value": "1"}, "waiver 金额不使用 value"),
        ({"kind": "top_up", "net_of": ["a/b"]}, "top_up 金额应写明 to"),
        ({"kind": "top_up", "to": "1", "rate": "40%", "base": "event.x"}, "二者取一"),
        (
            {
                "kind": "at_most",
                "rate": "40%",
                "base": "event.x",
                "cap_raise": {"by": "1", "when": {"fact": "event.y", "eq": True}, "label": "x"},
            },
            "cap_raise 提高的是上限",
        ),
    ],
)
def test_every_field_a_kind_does_not_use_is_refused_by_name(data, words):
    assert words in _refused(data)


def test_a_raised_ceiling_states_both_figures_of_the_text():
    spec = AmountSpec.model_validate(
        {
            "kind": "at_most",
            "cap": "3000000",
            "cap_raise": {
                "by": "1000000",
                "when": {"fact": "event.breakthrough", "eq": True},
                "label": "突破性治疗",
            },
        }
    )
    assert ("money", 3000000) in spec.figures() and ("money", 1000000) in spec.figures()
    assert ("money", 4000000) not in spec.figures()  # the sum is not a figure of the text
