"""``simulate --population FILE``: a CSV of events read into the batch engine's columns, checked line by
line (missing columns, bad codes, bad dates, negative money: Chinese messages naming line and
column; nothing computed), and the progress bar the run feeds."""

from __future__ import annotations

import io
import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from biopolicy.cli import cli
from biopolicy.cli.simulate import ProgressBar
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate
from biopolicy.engine.batch.compile import MICRO
from biopolicy.services.calculator import get_calculator
from biopolicy.services.population_file import PopulationFileError, read_population

CALC = get_calculator()
AS_OF = date(2026, 12, 31)
HEADER = "organisation,name,kind,city,event_type,date,product_id,product_type,registration_class,stage,rd_investment,transferred_city\n"
GOOD = HEADER + (
    "A1,甲公司,enterprise,厦门市,clinical_stage_completed,2025-03-01,p1,chemical,1,phase_2,30000000,厦门市\n"
    "B2,乙公司,enterprise,福州市,clinical_stage_completed,2025-05-01,p9,biologic,1,phase_1,8000000,福州市\n"
    "A1,甲公司,enterprise,厦门市,clinical_stage_completed,2025-09-01,p1,chemical,1,phase_3,,厦门市\n"
)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "population.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_gives_the_organisations_events_and_the_per_case_engines_figures(tmp_path):
    pop = read_population(_file(tmp_path, GOOD), CALC.rules, CALC.catalogue, AS_OF)
    assert (pop.n_orgs, pop.n_events) == (2, 3)
    result = evaluate(pop, compile_rules(CALC.rules, CALC.catalogue))
    for org in range(pop.n_orgs):
        case = pop.case(org, CALC.catalogue)
        want = assess(case, CALC.rules, CALC.catalogue).totals
        got = Decimal(int(result.max_obtainable_by_org()[org])) / MICRO
        assert got == sum((t.max_obtainable for t in want if t.year is not None), Decimal(0))
        assert got > 0
    # A1's two lines are one organisation, in date order; an empty cell is a fact not known
    a1 = pop.case(0, CALC.catalogue)
    assert [e.date for e in a1.events] == [date(2025, 3, 1), date(2025, 9, 1)]
    assert "rd_investment" not in a1.events[1].attributes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organisation,kind,event_type,date\nA,enterprise,fee_due,2025-01-01\n", ["第1行", "city（市）"]),
        (HEADER.replace("stage,", "stadium,"), ["第1行", "不认识的列：stadium"]),
        (GOOD.replace("2025-05-01", "2025-02-30"), ["第3行 date", "YYYY-MM-DD", "2025-02-30"]),
        (GOOD.replace(",8000000,", ",-8000000,"), ["第3行 rd_investment", "不能为负数"]),
        (GOOD.replace("B2,乙公司,enterprise", "B2,乙公司,company"), ["第3行 kind", "company"]),
        (GOOD.replace("phase_1", "phase_9"), ["第3行 stage", "phase_9"]),
        (GOOD.replace("福州市,clinical", "火星市,clinical"), ["第3行 city", "火星市"]),
        (GOOD.replace("clinical_stage_completed,2025-05-01", "clinical,2025-05-01"), ["第3行 event_type"]),
        (GOOD.replace("p9,biologic", "p9,vaccine"), ["第3行 product_type", "vaccine"]),
        (
            GOOD.replace(
                "厦门市,clinical_stage_completed,2025-09-01", "泉州市,clinical_stage_completed,2025-09-01"
            ),
            ["第4行 city", "同一机构各行应一致"],
        ),
    ],
)
def test_bad_files_are_refused_naming_the_line_and_column(tmp_path, text, expected):
    with pytest.raises(PopulationFileError) as exc:
        read_population(_file(tmp_path, text), CALC.rules, CALC.catalogue, AS_OF)
    message = "\n".join(exc.value.problems)
    for part in expected:
        assert part in message, message


def test_the_command_reads_the_file_and_refuses_a_bad_one_without_a_result(tmp_path):
    runner = CliRunner()
    good = runner.invoke(
        cli, ["simulate", "--population", str(_file(tmp_path, GOOD)), "--years", "2025-2026", "--json"]
    )
    assert good.exit_code == 0, good.output
    data = json.loads(good.stdout)
    assert (data["firms"], data["events"], data["population_file"]) == (2, 3, "population.csv")
    assert "人口文件所列" in data["assumption"] and "合成" not in data["assumption"]
    assert sum(Decimal(r["baseline"]) for r in data["rows"]) > 0
    bad = runner.invoke(
        cli, ["simulate", "--population", str(_file(tmp_path, GOOD.replace("2025-03-01", "3月1日")))]
    )
    assert bad.exit_code == 2
    assert "人口文件有误，未作测算" in bad.output and "第2行 date" in bad.output
    assert "费用测算" not in bad.output  # nothing half-computed


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100), buffer


def test_a_run_longer_than_the_delay_shows_a_progress_bar_fed_by_the_batch_run():
    console, buffer = _console()
    bar = ProgressBar(console, delay=0)
    from biopolicy.engine.batch.synth import generate

    population = generate(CALC.rules, CALC.catalogue, seed=1).population
    shares = []

    def both(share, stage):
        shares.append((share, stage))
        bar(share, stage)

    evaluate(population, compile_rules(CALC.rules, CALC.catalogue), progress=both)
    bar.close()
    assert shares[0][1] == "measures" and shares[-1] == (1.0, "done")
    assert [s for s, _ in shares] == sorted(s for s, _ in shares)  # it only moves forward
    assert "逐项判定措施" in buffer.getvalue()


def test_a_quick_run_shows_no_bar():
    console, buffer = _console()
    bar = ProgressBar(console, delay=60)
    bar(0.5, "measures")
    time.sleep(0.01)
    bar(1.0, "done")
    bar.close()
    assert buffer.getvalue() == ""
