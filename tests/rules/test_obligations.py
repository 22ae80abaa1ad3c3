"""Obligation rules load with the corpus and are refused, in Chinese naming file and duty, when a
number, clause, excerpt, place or catalogue is wrong: a duty's cadence cannot be invented."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from biopolicy.corpus.loader import load_corpus
from biopolicy.rules.loader import RulesError
from biopolicy.rules.obligations import Grade, Period, RecordKind, load_obligations

POLICIES = Path(__file__).resolve().parents[2] / "policies"
FJ = "policies/fj-2023-7/obligations.yaml"
XM = "policies/xm-2025-1/obligations.yaml"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@pytest.fixture
def policies(tmp_path) -> Path:
    root = tmp_path / "policies"
    for name in ("_catalogue", "fj-2023-7", "xm-2025-1"):
        shutil.copytree(POLICIES / name, root / name)
    return root


def _edit(root: Path, change: Callable[[dict], None], rel: str) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _ob(data: dict, oid: str) -> dict:
    return next(o for o in data["obligations"] if o["id"] == oid)


def _refused(corpus, root: Path) -> list[str]:
    with pytest.raises(RulesError) as exc:
        load_obligations(corpus, root)
    return exc.value.problems


def test_the_shipped_obligations_load_with_their_windows(corpus):
    s = load_obligations(corpus)
    assert set(s.obligations) == {
        "fj-2023-7/m8-ethics-monthly",
        "fj-2023-7/m12-reception-day",
        "fj-2023-7/m15-pharmacy-committee",
        "fj-2023-7/m15-device-committee",
        "xm-2025-1/m13-pharmacy-quarterly",
        "xm-2025-1/m13-device-quarterly",
        "xm-2025-1/m13-catalogue-meeting",
    }
    ethics = s.obligations["fj-2023-7/m8-ethics-monthly"]
    assert ethics.who.runs_trials is True and ethics.record is RecordKind.ethics_committee
    assert [(c.per, c.at_least) for c in ethics.cadence] == [(Period.month, 1)]
    reception = s.obligations["fj-2023-7/m12-reception-day"]
    assert reception.who.min_grade is Grade.tertiary and reception.who.public is True
    assert "至少1次" in reception.notes[0].text  # 1—2次 read as at least 1, and the note says so
    p15 = s.obligations["fj-2023-7/m15-pharmacy-committee"]
    assert [(c.per, c.at_least, c.in_principle) for c in p15.cadence] == [
        (Period.quarter, 1, True),
        (Period.year, 4, False),
    ]
    assert p15.who.min_grade is Grade.secondary
    trig = s.obligations["xm-2025-1/m13-catalogue-meeting"].trigger
    assert trig is not None and trig.within_months == 1
    assert set(trig.catalogues) == {"xm-new-products", "national-insurance-drugs"}
    # the document's window: fj-2023-7 ends 2025-12-31; xm-2025-1 runs 2025-04-29 to 2026-12-31
    w = s.windows["fj-2023-7/m8-ethics-monthly"]
    assert (w.since, w.until) == (date(2023, 9, 4), date(2025, 12, 31))
    w = s.windows["xm-2025-1/m13-catalogue-meeting"]
    assert (w.since, w.until) == (date(2025, 4, 29), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("rel", "change", "expected"),
    [
        (
            FJ,
            lambda d: _ob(d, "fj-2023-7/m8-ethics-monthly").update(clauses=["fj-2023-7/m99"]),
            "引用的条款“fj-2023-7/m99”不存在",
        ),
        (
            FJ,
            lambda d: _ob(d, "fj-2023-7/m8-ethics-monthly").update(
                excerpt="伦理委员会每周至少应召开 1 次会议"
            ),
            "不在所引条款 fj-2023-7/m8 的原文中",
        ),
        (
            FJ,
            lambda d: _ob(d, "fj-2023-7/m15-pharmacy-committee")["cadence"][1].update(at_least=6),
            "cadence[1].at_least：6 次不在所引条款 fj-2023-7/m15 写明的次数中",
        ),
        (
            FJ,
            lambda d: _ob(d, "fj-2023-7/m12-reception-day")["cadence"][0].update(at_least=3),
            "cadence[0].at_least：3 次不在所引条款 fj-2023-7/m12",
        ),
        (
            XM,
            lambda d: _ob(d, "xm-2025-1/m13-catalogue-meeting")["trigger"].update(within_months=2),
            "trigger.within_months：2 个月不在所引条款 xm-2025-1/m13 写明的期限中",
        ),
        (
            XM,
            lambda d: _ob(d, "xm-2025-1/m13-catalogue-meeting")["trigger"].update(catalogues=["nope"]),
            "trigger.catalogues：未知的目录“nope”",
        ),
        (
            XM,
            lambda d: _ob(d, "xm-2025-1/m13-device-quarterly")["who"].update(places=["厦门"]),
            "未知的地点“厦门”",
        ),
        (
            XM,
            lambda d: _ob(d, "xm-2025-1/m13-device-quarterly").pop("cadence"),
            "应写 cadence（多久至少几次）或 trigger（目录公布后多久内），至少写一个",
        ),
        (
            XM,
            lambda d: _ob(d, "xm-2025-1/m13-device-quarterly").update(record="board_meeting"),
            "record",
        ),
        (XM, lambda d: d.update(document="fj-2023-7"), "document 应为所在目录名“xm-2025-1”"),
        (
            XM,
            lambda d: d["obligations"].append(dict(_ob(d, "xm-2025-1/m13-device-quarterly"))),
            "义务 xm-2025-1/m13-device-quarterly：id 重复",
        ),
    ],
)
def test_a_wrong_obligation_is_refused_naming_file_and_duty(corpus, policies, rel, change, expected):
    _edit(policies, change, rel.removeprefix("policies/"))
    problems = _refused(corpus, policies)
    assert any(p.startswith(f"{rel}：") and expected in p for p in problems), problems


def test_a_catalogue_citing_words_not_in_its_clause_is_refused(corpus, policies):
    _edit(
        policies,
        lambda d: d["catalogues"]["xm-new-products"].update(excerpt="建立省新优药械产品目录"),
        "_catalogue/catalogues.yaml",
    )
    problems = _refused(corpus, policies)
    assert any("xm-new-products" in p and "不在所引条款 xm-2025-1/m13 的原文中" in p for p in problems), (
        problems
    )


def test_the_guide_explains_every_field_of_obligations_and_targets():
    from biopolicy.rules.obligations import Cadence, CatalogueList, Obligation, Trigger, Who
    from biopolicy.rules.targets import Target, TargetBaseline

    guide = (POLICIES.parent / "docs" / "rule-authoring.md").read_text(encoding="utf-8")
    section = guide[guide.index("## 16. 义务与目标") :]
    missing = [
        f"{model.__name__}.{name}"
        for model in (Obligation, Who, Cadence, Trigger, CatalogueList, Target, TargetBaseline)
        for name in model.model_fields
        if f"`{name}`" not in section
    ]
    assert missing == []
    for kind in RecordKind:
        assert f"`{kind.value}`" in section
