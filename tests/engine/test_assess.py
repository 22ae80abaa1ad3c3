"""The engine's guarantees on synthetic rules: overlaps, ceilings, top-ups, kinds of amount, trace."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.engine.builders import case, measure, ruleset, stage

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.services.wording import names_for, word_assessment


def run(rules, data, catalogue):
    """Assess and word the steps, as the calculator service does."""
    return word_assessment(assess(Case.model_validate(data), rules, catalogue), names_for(rules, None))


def by_measure(result, event_id="e1"):
    return {e.measure_id: e for e in result.entitlements if e.event_id == event_id}


def overlap(mids, kind="highest_only"):
    return {"id": "o1", "kind": kind, "measures": mids, "clauses": ["x/c"], "excerpt": "就高从优不重复"}


def test_highest_only_pays_the_higher_computed_amount_and_not_the_sum(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment"}),
            measure("b/m1", {"kind": "at_most", "rate": "20%", "base": "event.rd_investment"}),
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    result = run(rules, case([stage("e1")]), catalogue)
    got = by_measure(result)
    assert got["a/m1"].overlap.outcome == "won"
    assert got["b/m1"].overlap.outcome == "lost"
    assert Decimal(got["b/m1"].amount.value) == 0
    assert result.totals[-1].max_obtainable == Decimal(4_000_000)


def test_highest_only_compares_amounts_after_shared_ceilings(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment"}),
            measure("b/m1", {"kind": "at_most", "rate": "20%", "base": "event.rd_investment"}),
        ],
        caps=[
            {
                "id": "a/year",
                "label": "年度上限",
                "scope": "applicant_year",
                "amount": "1000000",
                "measures": ["a/m1"],
                "clauses": ["a/c"],
                "excerpt": "x",
            }
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))
    # a's 4,000,000 is cut to 1,000,000 by its yearly ceiling, so b's 2,000,000 is the higher
    assert got["b/m1"].overlap.outcome == "won"
    assert got["a/m1"].overlap.outcome == "lost"


def test_highest_only_nets_what_the_other_side_already_paid_for_the_same_achievement(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment"}),
            measure("b/m1", {"kind": "exact", "value": "1500000"}),
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    prior = [{"measure_id": "b/m1", "amount": "1500000", "date": "2025-07-01", "event_id": "e1"}]
    got = by_measure(run(rules, case([stage("e1")], prior), catalogue))
    assert got["a/m1"].overlap.outcome == "won"
    assert Decimal(got["a/m1"].amount.value) == Decimal(2_500_000)
    assert any("只补差额" in s.text for s in got["a/m1"].steps)


def test_highest_only_with_an_amount_that_cannot_be_worked_out_shows_both_and_adds_neither(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment"}),
            measure("b/m1", {"kind": "unknown", "basis": "按有关规定"}),
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    result = run(rules, case([stage("e1")]), catalogue)
    got = by_measure(result)
    assert got["a/m1"].overlap.outcome == "unresolved"
    assert got["b/m1"].overlap.outcome == "unresolved"
    assert got["b/m1"].amount.value is None
    assert result.totals[-1].max_obtainable == 0
    assert result.totals[-1].unresolved_overlaps == ["o1"]


def test_exclusion_within_one_event_keeps_the_first_measure_of_the_group(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "exact", "value": "100"}),
            measure("a/m2", {"kind": "exact", "value": "200"}),
        ],
        overlaps=[overlap(["a/m1", "a/m2"], kind="excludes")],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))
    assert got["a/m1"].overlap is None and Decimal(got["a/m1"].amount.value) == 100
    assert got["a/m2"].overlap.outcome == "excluded" and Decimal(got["a/m2"].amount.value) == 0


def test_top_up_net_of_a_maximum_is_at_least_the_difference(catalogue):
    rules = ruleset(
        [
            measure(
                "a/m1",
                {"kind": "at_most", "cap": "3000000"},
                conditions={"fact": "event.stage", "eq": "phase_1"},
            ),
            measure(
                "a/m2",
                {"kind": "top_up", "to": "10000000", "net_of": ["a/m1"]},
                conditions={"fact": "event.stage", "eq": "phase_2"},
            ),
        ]
    )
    events = [stage("e1"), stage("e2", when="2025-08-01", stage="phase_2")]
    result = run(rules, case(events), catalogue)
    top_up = by_measure(result, "e2")["a/m2"]
    assert top_up.amount.kind == "at_least"
    assert Decimal(top_up.amount.value) == Decimal(7_000_000)


def test_exact_award_cut_by_a_ceiling_that_maxima_took_from_becomes_a_maximum(catalogue):
    rules = ruleset(
        [
            measure(
                "a/m1", {"kind": "at_most", "cap": "800"}, conditions={"fact": "event.stage", "eq": "phase_1"}
            ),
            measure(
                "a/m2", {"kind": "exact", "value": "500"}, conditions={"fact": "event.stage", "eq": "phase_2"}
            ),
        ],
        caps=[
            {
                "id": "a/total",
                "label": "累计上限",
                "scope": "applicant",
                "amount": "1000",
                "measures": ["a/m1", "a/m2"],
                "clauses": ["a/c"],
                "excerpt": "x",
            }
        ],
    )
    events = [stage("e1"), stage("e2", when="2025-08-01", stage="phase_2")]
    second = by_measure(run(rules, case(events), catalogue), "e2")["a/m2"]
    assert Decimal(second.amount.value) == 200
    assert second.amount.kind == "at_most"
    assert second.amount.before_caps is not None and Decimal(second.amount.before_caps) == 500


def test_an_amount_per_unit_multiplies_by_the_count(catalogue):
    rules = ruleset(
        [
            measure(
                "a/m1",
                {"kind": "exact", "value": "200000", "per": "event.count"},
                event="gcp_specialty_added",
            )
        ]
    )
    event = {"id": "e1", "type": "gcp_specialty_added", "date": "2025-05-01", "count": 3}
    result = run(rules, case([event], kind="medical_institution"), catalogue)
    assert Decimal(by_measure(result)["a/m1"].amount.value) == Decimal(600_000)


def test_an_unknown_amount_never_becomes_a_number(catalogue):
    rules = ruleset([measure("a/m1", {"kind": "unknown", "basis": "按有关规定给予奖励", "cap": "5000000"})])
    result = run(rules, case([stage("e1")]), catalogue)
    got = by_measure(result)["a/m1"]
    assert got.amount.kind == "unknown" and got.amount.value is None
    assert Decimal(got.amount.ceiling) == Decimal(5_000_000)
    assert result.totals[-1].unknown_measures == ["a/m1"]
    assert result.totals[-1].max_obtainable == 0


def test_planned_events_after_as_of_are_marked_as_what_if(catalogue):
    rules = ruleset([measure("a/m1", {"kind": "exact", "value": "100"})])
    data = case([stage("e1", when="2027-03-01")])
    result = run(rules, data, catalogue)
    assert by_measure(result)["a/m1"].planned is True


def test_every_step_cites_a_clause(catalogue):
    rules = ruleset(
        [measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment", "cap": "1"})]
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))["a/m1"]
    assert got.steps and all(s.clauses for s in got.steps)


@pytest.mark.parametrize(
    ("rd", "expected"),
    [("2500000", "1000000"), ("2500001", "1000000"), ("2499999", "999999.6")],
)
def test_rate_ceiling_boundary(catalogue, rd, expected):
    rules = ruleset(
        [measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment", "cap": "1000000"})]
    )
    got = by_measure(run(rules, case([stage("e1", rd=rd)]), catalogue))["a/m1"]
    assert Decimal(got.amount.value) == Decimal(expected)


def test_a_waiver_spares_the_fee_itself(catalogue):
    rules = ruleset([measure("a/m1", {"kind": "waiver", "base": "event.amount"}, event="fee_due")])
    event = {
        "id": "e1",
        "type": "fee_due",
        "date": "2025-05-01",
        "fee_type": "drug_re_registration",
        "amount": "23000",
    }
    result = run(rules, case([event]), catalogue)
    got = by_measure(result)["a/m1"]
    assert got.amount.kind == "waiver" and Decimal(got.amount.value) == 23000
    assert result.totals[-1].exact == 23000


def test_matching_by_ratio_is_cut_so_public_funding_stays_within_total_investment(catalogue):
    headroom = {
        "of": "event.total_investment",
        "less": ["event.national_funding", "event.other_public_funding"],
        "label": "国家、省、市项目资助总金额不超过项目总投入",
    }
    rules = ruleset(
        [
            measure(
                "a/m1",
                {"kind": "exact", "ratio": "1:1", "base": "event.national_funding", "headroom": headroom},
                event="national_project_undertaken",
            )
        ]
    )

    def matched(total):
        event = {
            "id": "e1",
            "type": "national_project_undertaken",
            "date": "2025-05-01",
            "national_funding": "5000000",
            "other_public_funding": "1000000",
            "total_investment": total,
        }
        return Decimal(by_measure(run(rules, case([event]), catalogue))["a/m1"].amount.value)

    assert matched("20000000") == 5_000_000  # room 14,000,000: the full 1:1 match
    assert matched("11000000") == 5_000_000  # room exactly 5,000,000: not cut
    assert matched("10999999") == 4_999_999  # one yuan less room: cut by one yuan
    assert matched("5000000") == 0  # national and other funding already fill the investment


def test_funding_names_the_payer_for_the_applicants_place(catalogue):
    from biopolicy.rules.schema import Funding

    rules = ruleset([measure("a/m1", {"kind": "exact", "value": "100"})])
    rules.funding["a"] = [
        Funding(
            payer="厦门市人民政府",
            places=["厦门市"],
            clauses=["a/closing"],
            excerpt="由厦门市人民政府负责解决",
        )
    ]
    xiamen = by_measure(run(rules, case([stage("e1")]), catalogue))["a/m1"]
    fuzhou = by_measure(run(rules, case([stage("e1")], city="福州市"), catalogue))["a/m1"]
    assert xiamen.payer == "厦门市人民政府"
    assert any("a/closing" in s.clauses for s in xiamen.steps)
    assert fuzhou.payer is None


def test_an_exact_award_reaching_the_other_sides_ceiling_wins_the_overlap(catalogue):
    def outcome(exact_value):
        rules = ruleset(
            [
                measure("a/m1", {"kind": "at_most", "cap": "6000000"}),
                measure("b/m1", {"kind": "exact", "value": exact_value}),
            ],
            overlaps=[overlap(["a/m1", "b/m1"])],
        )
        got = by_measure(run(rules, case([stage("e1")]), catalogue))
        return got["a/m1"].overlap.outcome, got["b/m1"].overlap.outcome

    assert outcome("10000000") == (
        "lost",
        "won",
    )  # 1000万 exact beats "at most 600万" whatever it turns out to be
    assert outcome("6000000") == ("lost", "won")  # equal to the ceiling: still the highest for sure
    assert outcome("5999999") == ("unresolved", "unresolved")  # the ceiling-only side might pay more


def test_an_excluded_unknown_amount_stays_without_a_number(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "exact", "value": "100"}),
            measure("a/m2", {"kind": "unknown", "basis": "按有关规定"}),
        ],
        overlaps=[overlap(["a/m1", "a/m2"], kind="excludes")],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))["a/m2"]
    assert got.overlap.outcome == "excluded"
    assert got.amount.kind == "unknown" and got.amount.value is None


def test_a_winner_names_an_overlapping_measure_whose_eligibility_is_still_open(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "exact", "value": "100"}),
            measure(
                "b/m1",
                {"kind": "exact", "value": "900"},
                conditions={"fact": "event.transferred_city", "eq": "厦门市"},
            ),
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))
    assert got["b/m1"].eligibility.value == "unknown"
    assert got["a/m1"].overlap.outcome == "won"
    assert "“b/m1” 是否适用待补充信息" in got["a/m1"].overlap.reason


def test_amount_kind_and_overlap_outcome_are_domain_enums_written_as_the_same_strings(catalogue):
    from biopolicy.domain.assessment import AmountKind, OverlapKind, OverlapResult

    rules = ruleset(
        [
            measure("a/m1", {"kind": "at_most", "rate": "40%", "base": "event.rd_investment"}),
            measure("b/m1", {"kind": "exact", "value": "100"}),
        ],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))
    won = got["a/m1"]
    assert won.amount.kind is AmountKind.at_most
    assert won.overlap.kind is OverlapKind.highest_only and won.overlap.outcome is OverlapResult.won
    assert got["b/m1"].overlap.outcome is OverlapResult.lost
    data = won.model_dump(mode="json")
    assert data["amount"]["kind"] == "at_most"
    assert (data["overlap"]["kind"], data["overlap"]["outcome"]) == ("highest_only", "won")


def test_once_per_subject_pays_the_first_event_of_a_subject_and_names_it_for_the_next(catalogue):
    rules = ruleset([measure("a/m1", {"kind": "exact", "value": "100"}, once_per="subject")])
    events = [stage("e1", subject="甲"), stage("e2", "2025-07-01", subject="甲"), stage("e3", subject="乙")]
    result = run(rules, case(events), catalogue)
    first, second, other = (by_measure(result, e)["a/m1"] for e in ("e1", "e2", "e3"))
    assert first.eligibility == "yes" and Decimal(first.amount.value) == 100
    assert second.eligibility == "no" and "成果 e1（2025-06-01）" in second.reason
    assert other.eligibility == "yes"
    assert result.totals[-1].exact == Decimal(200)


def test_once_per_product_counts_a_prior_award_of_the_same_measure_for_the_same_product_only(catalogue):
    rules = ruleset([measure("a/m1", {"kind": "exact", "value": "100"}, once_per="product")])
    same = [{"measure_id": "a/m1", "amount": "100", "date": "2024-01-01", "product_id": "p1"}]
    other_product = [{"measure_id": "a/m1", "amount": "100", "date": "2024-01-01", "product_id": "p9"}]
    other_measure = [{"programme": "国家专项", "amount": "100", "date": "2024-01-01", "product_id": "p1"}]
    assert by_measure(run(rules, case([stage("e1")], same), catalogue))["a/m1"].eligibility == "no"
    assert by_measure(run(rules, case([stage("e1")], other_product), catalogue))["a/m1"].eligibility == "yes"
    assert by_measure(run(rules, case([stage("e1")], other_measure), catalogue))["a/m1"].eligibility == "yes"


def test_once_per_product_after_an_event_whose_eligibility_is_open_says_so_and_still_counts(catalogue):
    rules = ruleset(
        [
            measure(
                "a/m1",
                {"kind": "exact", "value": "100"},
                once_per="product",
                conditions={"fact": "event.transferred_city", "eq": "厦门市"},
            )
        ]
    )
    events = [stage("e1"), stage("e2", "2025-07-01", transferred_city="厦门市")]
    result = run(rules, case(events), catalogue)
    assert by_measure(result, "e1")["a/m1"].eligibility == "unknown"
    later = by_measure(result, "e2")["a/m1"]
    assert later.eligibility == "yes"
    assert any("成果 e1（2025-06-01）是否适用待补充信息" in s.text for s in later.steps)


def test_measures_declared_together_add_up_as_one_side_of_a_highest_only_overlap(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "exact", "value": "300"}),
            measure("a/m2", {"kind": "exact", "value": "300"}),
            measure("b/m1", {"kind": "exact", "value": "500"}),
        ],
        overlaps=[overlap(["a/m1", "a/m2", "b/m1"]) | {"together": [["a/m1", "a/m2"]]}],
    )
    got = by_measure(run(rules, case([stage("e1")]), catalogue))
    assert [got[m].overlap.outcome for m in ("a/m1", "a/m2", "b/m1")] == ["won", "won", "lost"]
    assert got["a/m1"].overlap.together_with == ["a/m2"]
    assert "“a/m1” + “a/m2”（600" in next(s.text for s in got["b/m1"].steps if "就高取其一" in s.text)


def test_a_single_side_bigger_than_the_together_sum_wins_over_it(catalogue):
    rules = ruleset(
        [
            measure("a/m1", {"kind": "exact", "value": "300"}),
            measure("a/m2", {"kind": "exact", "value": "300"}),
            measure("b/m1", {"kind": "exact", "value": "601"}),
        ],
        overlaps=[overlap(["a/m1", "a/m2", "b/m1"]) | {"together": [["a/m1", "a/m2"]]}],
    )
    result = run(rules, case([stage("e1")]), catalogue)
    got = by_measure(result)
    assert [got[m].overlap.outcome for m in ("a/m1", "a/m2", "b/m1")] == ["lost", "lost", "won"]
    assert result.totals[-1].exact == Decimal(601)


def test_together_must_name_measures_of_the_overlap_once_and_only_for_highest_only():
    from pydantic import ValidationError

    from biopolicy.rules.schema import Overlap

    with pytest.raises(ValidationError, match="不在本重叠的 measures 中"):
        Overlap.model_validate(overlap(["a/m1", "b/m1"]) | {"together": [["a/m1", "c/m1"]]})
    with pytest.raises(ValidationError, match="只用于 highest_only"):
        Overlap.model_validate(overlap(["a/m1", "b/m1"], "excludes") | {"together": [["a/m1", "b/m1"]]})


def _unresolved(catalogue, a_amount, b_amount):
    rules = ruleset(
        [measure("a/m1", a_amount), measure("b/m1", b_amount)],
        overlaps=[overlap(["a/m1", "b/m1"])],
    )
    result = run(rules, case([stage("e1")]), catalogue)
    assert {e.overlap.outcome for e in result.entitlements} == {"unresolved"}
    return result.totals[-1]


def test_an_unresolved_overlap_totals_the_highest_maximum_and_the_highest_guaranteed_figure(catalogue):
    total = _unresolved(catalogue, {"kind": "exact", "value": "100"}, {"kind": "at_most", "cap": "600"})
    assert (total.exact, total.max_obtainable, total.at_least) == (Decimal(100), Decimal(600), Decimal(0))
    assert total.unresolved_overlaps == ["o1"]


def test_an_unresolved_overlap_with_a_side_without_maximum_adds_its_floor_and_names_the_unknown_once(
    catalogue,
):
    total = _unresolved(
        catalogue,
        {"kind": "unknown", "basis": "按有关规定"},
        {"kind": "at_least", "rate": "50%", "base": "event.rd_investment"},
    )
    assert (total.exact, total.max_obtainable, total.at_least) == (Decimal(0), Decimal(0), Decimal(5_000_000))
    assert total.unknown_measures == ["a/m1"]
    total = _unresolved(
        catalogue, {"kind": "exact", "value": "100"}, {"kind": "unknown", "basis": "按有关规定"}
    )
    assert (total.exact, total.max_obtainable, total.at_least) == (Decimal(100), Decimal(100), Decimal(0))
    assert total.unknown_measures == ["b/m1"]


def _raised(kind: str) -> dict:
    """20% of R&D, at most 3,000,000 yuan; 1,000,000 more for a breakthrough therapy."""
    return {
        "kind": kind,
        "rate": "20%",
        "base": "event.rd_investment",
        "cap": "3000000",
        "cap_raise": {
            "by": "1000000",
            "when": {"fact": "event.breakthrough_therapy", "eq": True},
            "label": "突破性治疗药物",
        },
    }


@pytest.mark.parametrize(
    ("breakthrough", "kind", "value", "asked"),
    [
        (None, "at_most", "4000000", True),  # undecided: the raised ceiling is only the most it can be
        (True, "exact", "4000000", False),
        (False, "exact", "3000000", False),
    ],
)
def test_an_exact_amount_with_an_undecided_ceiling_raise_is_a_maximum(
    catalogue, breakthrough, kind, value, asked
):
    rules = ruleset([measure("a/m1", _raised("exact"))])
    extra = {} if breakthrough is None else {"breakthrough_therapy": breakthrough}
    got = by_measure(run(rules, case([stage("e1", rd="50000000", **extra)]), catalogue))["a/m1"]
    assert (got.amount.kind, Decimal(got.amount.value)) == (kind, Decimal(value))
    assert got.eligibility.value == "yes"
    assert ("event.breakthrough_therapy" in [m.path for m in got.missing]) is asked
    said = "；".join(s.text for s in got.steps)
    assert ("计最高可得" in said) is asked


@pytest.mark.parametrize(("rd", "kind"), [("15000000", "exact"), ("15000005", "at_most")])
def test_an_undecided_raise_matters_only_above_the_original_ceiling(catalogue, rd, kind):
    """20% of 15,000,000 is exactly the 3,000,000 ceiling: raised or not, the amount is the same."""
    rules = ruleset([measure("a/m1", _raised("exact"))])
    got = by_measure(run(rules, case([stage("e1", rd=rd)]), catalogue))["a/m1"]
    assert got.amount.kind == kind
    said = "；".join(s.text for s in got.steps)
    if kind == "exact":
        assert Decimal(got.amount.value) == 3000000 and "不影响金额" in said and not got.missing
    else:
        assert Decimal(got.amount.value) == Decimal("3000001") and "计最高可得" in said
        assert [m.path for m in got.missing] == ["event.breakthrough_therapy"]


def test_an_at_most_amount_with_an_undecided_raise_stays_a_maximum(catalogue):
    rules = ruleset([measure("a/m1", _raised("at_most"))])
    got = by_measure(run(rules, case([stage("e1", rd="50000000")]), catalogue))["a/m1"]
    assert (got.amount.kind, Decimal(got.amount.value)) == ("at_most", Decimal("4000000"))
