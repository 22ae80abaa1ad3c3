"""The milestone catalogue is content (policies/_catalogue/milestones.yaml): what the watch list
used to hold in Python, checked against the procedures and the events, every problem naming the
file and the entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from biopolicy.rules.loader import RulesError, default_policies_dir
from biopolicy.rules.milestones import load_milestones


@pytest.fixture(scope="module")
def kinds():
    return load_milestones()


def test_the_catalogue_keeps_the_journey_in_order(kinds):
    codes = list(kinds)
    assert codes[0] == "preclinical_done" and codes[-1] == "hospital_admission" and len(codes) == 21
    assert kinds["phase_2_started"].after == ["ind_approved", "phase_1_started"]
    assert kinds["technical_review"].regulatory and kinds["technical_review"].procedures == {
        "drug": "drug_marketing_review",
        "device": "device_class3_review",
    }
    assert kinds["phase_2_completed"].event.type == "clinical_stage_completed"
    assert kinds["phase_2_completed"].event.attributes == {"stage": "phase_2"}
    assert kinds["hospital_admission"].repeatable and not kinds["listing"].repeatable
    # each listed predecessor comes earlier in the file: the order has no cycle
    for i, (code, kind) in enumerate(kinds.items()):
        assert all(codes.index(b) < i for b in kind.after), code


def _broken(tmp_path: Path, change) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(default_policies_dir() / "_catalogue", root / "_catalogue")
    path = root / "_catalogue" / "milestones.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["milestones"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m["ind_filed"].update(after=["approval"]), "milestones.ind_filed（提交临床试验申请（审评））：after：“approval”应列在本项之上"),
        (lambda m: m["ind_filed"].update(after=["ind_done"]), "milestones.ind_filed（提交临床试验申请（审评））：after：未知的里程碑类型“ind_done”"),
        (lambda m: m["technical_review"]["procedures"].update(drug="device_class3_review"), "procedures.drug：程序“device_class3_review”不属于 drug"),
        (lambda m: m["technical_review"]["procedures"].update(drug="drug_fast_lane"), "procedures.drug：未知的办理程序“drug_fast_lane”"),
        (lambda m: m["listing"].update(procedures={"drug": "drug_marketing_review"}), "milestones.listing（挂网（省药品集中采购平台））：procedures：不是监管环节"),
        (lambda m: m["phase_2_completed"]["event"].update(type="phase_done"), "milestones.phase_2_completed（Ⅱ期临床试验完成）：event：未知的事件类型“phase_done”"),
        (lambda m: m["phase_2_completed"]["event"]["attributes"].update(stage="phase_9"), "event：attributes.stage：“phase_9”不是可取值"),
        (lambda m: m["approval"].update(colour="red"), "milestones.approval.colour"),
    ],
)  # fmt: skip
def test_a_broken_catalogue_is_refused_naming_file_and_entry(tmp_path, change, words):
    root = _broken(tmp_path, change)
    with pytest.raises(RulesError) as exc:
        load_milestones(root)
    assert any(
        p.startswith("policies/_catalogue/milestones.yaml：") and words in p for p in exc.value.problems
    ), exc.value.problems


def test_the_watch_list_reads_the_catalogue_from_the_file(kinds):
    from biopolicy.services import watchlist as wl

    assert list(wl.MILESTONE_KINDS) == list(kinds)
    assert wl.MILESTONE_KINDS["first_industrialisation"].event == ("first_industrialisation", {})
    assert wl.KIND_ORDER["approval"] == list(kinds).index("approval")
