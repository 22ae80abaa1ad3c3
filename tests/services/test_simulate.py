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
