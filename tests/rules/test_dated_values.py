"""Dated values: the figures in force on the event's date apply; a superseded document is kept, marked."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules
from biopolicy.services.calculator import Calculator
from biopolicy.services.models import DocumentOut

ROOT = Path(__file__).resolve().parents[2] / "policies"
TEXT = (
    "某省展会补助办法\n"
    "(一)对参加重点医药展会的企业，按展位费的50%给予补助，最高10万元。\n"
    "(二)自2026年1月1日起，第(一)项补助比例调整为60%，最高15万元。\n"
)
MEASURE = {
    "id": "demo-dated/m1-exhibition",
    "title": "展位费补助",
    "clauses": ["demo-dated/m1"],
    "excerpt": "按展位费的50%给予补助，最高10万元",
    "applicant": {"kinds": ["enterprise"], "places": ["福建省"]},
    "event": "exhibition_participation",
    "amount": {"kind": "at_most", "rate": "50%", "base": "event.fees", "cap": "100000"},
    "changes": [
        {
            "from": "2026-01-01",
            "clauses": ["demo-dated/m2"],
            "excerpt": "补助比例调整为60%，最高15万元",
            "rate": "60%",
            "cap": "150000",
        }
    ],
}


def _folder(tmp_path: Path, measure: dict, spec: str = "") -> Path:
    root = tmp_path / "policies"
    shutil.copytree(ROOT / "_catalogue", root / "_catalogue")
    doc = root / "demo-dated"
    doc.mkdir()
    (doc / "source.txt").write_text(TEXT, encoding="utf-8")
    (doc / "document.yaml").write_text(
        "source_file: demo.txt\nin_force_from: 2025-01-01\n" + spec, encoding="utf-8"
    )
    (doc / "measures.yaml").write_text(
        yaml.safe_dump({"document": "demo-dated", "measures": [measure]}, allow_unicode=True),
        encoding="utf-8",
    )
    return root


def _award(root: Path, day: str, fees: str):
    corpus = load_corpus(root)
    calc = Calculator(corpus, load_rules(corpus, load_catalogue(root), root), load_catalogue(root))
    case = {
        "applicant": {"kind": "enterprise", "name": "甲", "city": "福州市"},
        "events": [
            {"id": "e1", "type": "exhibition_participation", "date": day, "subject": "展会", "fees": fees}
        ],
        "as_of": "2026-06-01",
    }
    return next(e for e in calc.assess(case).entitlements if e.measure_id == "demo-dated/m1-exhibition")


@pytest.mark.parametrize(
    ("day", "fees", "value"),
    [
        ("2025-12-31", "100000", "50000"),  # the day before: 50%
        ("2026-01-01", "100000", "60000"),  # from the day: 60%
        ("2025-12-31", "300000", "100000"),  # the old ceiling
        ("2026-01-01", "300000", "150000"),  # the new ceiling
    ],
)
def test_the_value_in_force_on_the_events_date_applies(tmp_path, day, fees, value):
    award = _award(_folder(tmp_path, MEASURE), day, fees)
    assert Decimal(award.amount.value) == Decimal(value), [s.text for s in award.steps]
    said = any("自 2026-01-01 起适用新的数值" in s.text for s in award.steps)
    assert said is (day >= "2026-01-01")


def test_a_new_figure_must_stand_in_its_own_clause(tmp_path):
    wrong = yaml.safe_load(yaml.safe_dump(MEASURE))
    wrong["changes"][0]["cap"] = "160000"
    root = _folder(tmp_path, wrong)
    corpus = load_corpus(root)
    with pytest.raises(RulesError) as exc:
        load_rules(corpus, load_catalogue(root), root)
    assert any(
        "changes[0]（2026-01-01）：金额 160000 元 不在所引条款 demo-dated/m2" in p for p in exc.value.problems
    )


def test_a_superseded_document_stays_in_the_library_marked(tmp_path):
    root = _folder(tmp_path, MEASURE, spec="superseded_by: 某政〔2027〕1号\n")
    doc = load_corpus(root).documents["demo-dated"]
    assert DocumentOut.of(doc).superseded_by == "某政〔2027〕1号"
