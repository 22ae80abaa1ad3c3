"""Reforms as dated overlays and what they cost: validated like rules, applied without touching the baseline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from biopolicy.cli import cli
from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.rules.reforms import ReformError, apply, load_reform
from biopolicy.services.calculator import get_calculator
from biopolicy.services.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
REFORMS = ROOT / "policies" / "_reforms"
CALC = get_calculator()


@pytest.mark.parametrize("path", sorted(REFORMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_reform_file_is_valid_against_the_rules(path):
    reform = load_reform(path, CALC.rules)
    assert reform.id == path.stem
    apply(reform, CALC.rules)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reform.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reform_naming_an_unknown_measure_is_refused_with_its_line(tmp_path):
    path = _write(
        tmp_path,
        'id: r\ntitle: 试\nchanges:\n  - {cap: xm-2023/m1-clinical-annual, amount: "50000000"}\n'
        "  - {measure: xm-2023/no-such, switched_off: true}\n",
    )
    with pytest.raises(ReformError) as caught:
        load_reform(path, CALC.rules)
    assert caught.value.problems == [f"{path}：第5行 changes[1].measure：没有 id 为“xm-2023/no-such”的措施"]


def test_a_value_outside_its_type_is_refused_naming_the_field(tmp_path):
    path = _write(
        tmp_path, 'id: r\ntitle: 试\nchanges:\n  - {cap: xm-2023/m1-clinical-annual, amount: "-5"}\n'
    )
    with pytest.raises(ReformError) as caught:
        load_reform(path, CALC.rules)
    (problem,) = caught.value.problems
    assert "第4行 changes.0.amount" in problem and "金额不能为负数" in problem


def test_a_change_that_does_not_fit_its_target_is_refused(tmp_path):
    path = _write(
        tmp_path, 'id: r\ntitle: 试\nchanges:\n  - {cap: xm-2023/m1-clinical-annual, rate: "10%"}\n'
    )
    with pytest.raises(ReformError) as caught:
        load_reform(path, CALC.rules)
    assert "cap 项不能改 rate，可改：amount" in caught.value.problems[0]


def _phase_2(when: str) -> Case:
    return Case.model_validate(
        {
            "applicant": {"kind": "enterprise", "name": "福州甲药业", "city": "福州市"},
            "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
            "events": [
                {
                    "id": "e1",
                    "type": "clinical_stage_completed",
                    "date": when,
                    "product_id": "p1",
                    "stage": "phase_2",
                    "rd_investment": "30000000",
                    "transferred_city": "福州市",
                }
            ],
            "as_of": "2027-12-31",
        }
    )


def _eligible(rules, case: Case) -> bool:
    result = assess(case, rules, CALC.catalogue)
    return any(
        e.measure_id == "fj-2023-7/m9-clinical" and e.eligibility == "yes" for e in result.entitlements
    )


def test_extending_a_document_makes_its_measures_apply_after_the_old_end_and_not_before():
    reform = load_reform(REFORMS / "fj-2023-7-extended-2027.yaml", CALC.rules)
    reformed = apply(reform, CALC.rules)
    assert _eligible(CALC.rules, _phase_2("2025-12-31")) and _eligible(reformed, _phase_2("2025-12-31"))
    assert not _eligible(CALC.rules, _phase_2("2026-01-01"))
    assert _eligible(reformed, _phase_2("2026-01-01")) and _eligible(reformed, _phase_2("2027-12-31"))
    assert not _eligible(reformed, _phase_2("2028-01-01"))
    assert CALC.rules.windows["fj-2023-7"].to == date(2025, 12, 31)  # the baseline is untouched


def test_a_ceiling_reform_changes_the_ceiling_only_in_the_reformed_rules():
    reform = load_reform(REFORMS / "xm-clinical-ceilings-2020.yaml", CALC.rules)
    reformed = apply(reform, CALC.rules)
    cap = {c.id: c.amount for c in reformed.caps}
    assert cap["xm-2023/m1-clinical-innovative-product"] == Decimal("30000000")
    assert cap["xm-2023/m1-clinical-improved-product"] == Decimal("14000000")
    base = {c.id: c.amount for c in CALC.rules.caps}
    assert base["xm-2023/m1-clinical-innovative-product"] == Decimal("60000000")


def test_extending_xiamens_measures_costs_money_in_2027_only_under_the_reform():
    result = simulate(REFORMS / "xm-2023-extended-2027.yaml", seed=2, years=(2026, 2027))
    xm_2027 = [r for r in result.rows if r.year == 2027 and r.measure_id.startswith("xm-2023/")]
    # in 2027 the baseline pays only later instalments of earlier awards (人才补贴 over three years)
    assert all(CALC.rules.measures[r.measure_id].instalments for r in xm_2027 if r.baseline)
    assert sum(r.reform for r in xm_2027) > sum(r.baseline for r in xm_2027)
    assert all(r.reform == r.baseline for r in result.rows if r.year == 2026)


def test_lower_ceilings_never_cost_more():
    result = simulate(REFORMS / "xm-clinical-ceilings-2020.yaml", seed=2, years=(2024, 2026))
    assert result.rows and all(r.reform <= r.baseline for r in result.rows)
    assert "按上限计入" in result.assumption


def test_the_command_prints_cost_by_year_and_refuses_bad_years_and_bad_reforms(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["simulate", "--years", "2025", "--seed", "1"])
    assert ok.exit_code == 0, ok.output
    assert "2025年" in ok.output and "按上限计入" in ok.output
    bad_years = runner.invoke(cli, ["simulate", "--years", "2027-2024"])
    assert bad_years.exit_code == 2 and "--years" in bad_years.output
    path = _write(tmp_path, "id: r\ntitle: 试\nchanges:\n  - {measure: nope, switched_off: true}\n")
    bad = runner.invoke(cli, ["simulate", "--reform", str(path)])
    assert bad.exit_code == 2 and "第4行 changes[0].measure：没有 id 为“nope”的措施" in bad.output


# ---------------------------------------------------------------- the page's use case (services/simulate.run)

from biopolicy.services import simulate as sim  # noqa: E402

CHOICES = sim.reform_choices(CALC)


def _input(**given) -> sim.SimulationInput:
    return sim.parse_input({k: str(v) for k, v in given.items()}, CHOICES)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"first_year": 2019}, "first_year"),
        ({"last_year": 2036}, "last_year"),
        ({"first_year": 2026, "last_year": 2025}, "last_year"),
        ({"grant_rate": "100.01"}, "grant_rate"),
        ({"grant_rate": "-0.01"}, "grant_rate"),
        ({"grant_rate": "12.345"}, "grant_rate"),
        ({"reform": "no-such"}, "reform"),
        ({"seed": 2**32}, "seed"),
    ],
)
def test_input_beyond_each_edge_is_refused_naming_the_field(given, field):
    with pytest.raises(sim.SimulationInputError) as caught:
        _input(**given)
    assert list(caught.value.problems) == [field]
    assert caught.value.problems[field].startswith(sim.FIELD_LABELS[field] + "：")


def test_input_on_each_edge_is_accepted():
    assert _input(first_year=2020, last_year=2020).years == (2020, 2020)
    assert _input(first_year=2035, last_year=2035).years == (2035, 2035)
    assert _input(grant_rate="0").grant_rate == 0 and _input(grant_rate="100").grant_rate == 100
    assert _input(grant_rate="62.5%").grant_rate == Decimal("62.5")
    assert _input(seed=2**32 - 1).seed == 2**32 - 1
    assert _input().grant_rate == sim.DEFAULT_GRANT_RATE == 70  # the platform's assumption, by default


def test_every_reform_written_is_offered_by_its_title():
    assert {c.id for c in CHOICES} == {p.stem for p in REFORMS.glob("*.yaml")}
    assert all(c.title for c in CHOICES)


def test_the_second_figure_counts_ceilings_at_the_stated_rate_and_exact_amounts_in_full():
    full = sim.run(_input(first_year=2025, last_year=2025, grant_rate=100), CALC)
    none = sim.run(_input(first_year=2025, last_year=2025, grant_rate=0), CALC)
    half = sim.run(_input(first_year=2025, last_year=2025, grant_rate=50), CALC)
    t_full, t_none, t_half = full.totals, none.totals, half.totals
    assert t_full.baseline_granted == t_full.baseline.quantize(Decimal("0.01"))  # 100%: the ceiling
    assert 0 < t_none.baseline_granted < t_none.baseline  # 0%: the exact amounts alone
    assert abs(t_half.baseline_granted - (t_none.baseline_granted + t_full.baseline_granted) / 2) <= Decimal(
        "0.01"
    )
    assert "本平台假设" in half.grant_note and "50%" in half.grant_note


def test_cost_by_city_and_by_level_add_up_to_the_total_and_name_who_pays():
    result = sim.run(_input(reform="fj-2023-7-extended-2027", first_year=2025, last_year=2027, seed=5), CALC)
    for table in (result.by_year, result.by_city, result.by_level, result.by_measure):
        assert sum(x.baseline for x in table) == result.totals.baseline
        assert sum(x.reform for x in table) == result.totals.reform
    assert result.totals.difference > 0 and all(x.label for x in result.by_measure)
    bases = {(mid, b.level): b.basis for mid, bs in result.levels.items() for b in bs}
    # fj-2023-7: Xiamen pays for its own applicants (the text says so); elsewhere the province is inferred
    assert bases[("fj-2023-7/m9-clinical", "province")].startswith("原文未写明出资方")
    assert any(
        mid.startswith("fj-2023-7/") and lv == "city" and b.startswith("原文写明：厦门市")
        for (mid, lv), b in bases.items()
    )
    # xm-2025-1: 市、区按财政体制共担, not split
    assert all(lv == "city_district" for (mid, lv) in bases if mid.startswith("xm-2025-1/"))


def test_the_budget_need_is_set_against_the_budget_where_one_exists():
    inp = _input(first_year=2025, last_year=2025, grant_rate=50)
    first = sim.run(inp, CALC).budgets[0]
    need, granted = first.reform, first.reform_granted

    def budgets(value):
        return lambda mid, year, level: (
            value if (mid, year, level) == (first.measure_id, 2025, first.level) else None
        )

    def line(value):
        return next(
            b
            for b in sim.run(inp, CALC, budgets=budgets(value)).budgets
            if b.measure_id == first.measure_id and b.level == first.level
        )

    assert line(None).status == "未设预算" and line(None).budget is None
    assert line(need).status.startswith("预算内")  # exactly reached
    if granted < need:  # above the granted figure, below the ceiling
        assert "按上限计超出 0.01元" in line(need - Decimal("0.01")).status
    assert line(granted - Decimal("0.01")).status.startswith("超出预算 0.01元")
    assert sim.budget_for(None)("fj-2023-7/m9-clinical", 2025, "province") is None  # no database: 未设预算
