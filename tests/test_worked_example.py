"""The worked example of docs/rule-authoring.md, end to end: a fictional county's ten measures.

add-document copies the source as received and drafts ten measures; ``check`` refuses the drafts;
with the analyst's completed files (docs/examples/qingxi-2025/) every case passes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from biopolicy.cli import cli
from biopolicy.services.checks import run_checks
from biopolicy.services.onboarding import OnboardingError, add_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "qingxi-2025"


@pytest.fixture(scope="module")
def policies(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example") / "policies"
    shutil.copytree(ROOT / "policies", root)
    zone = (EXAMPLE / "zone.yaml").read_text(encoding="utf-8")
    with (root / "_catalogue" / "places.yaml").open("a", encoding="utf-8") as f:
        f.write("\n".join(line for line in zone.splitlines() if not line.startswith("#")) + "\n")
    return root


@pytest.fixture(scope="module")
def drafted(policies):
    return add_document(EXAMPLE / "source.txt", "qingxi-2025", policies)


def test_add_document_keeps_the_source_and_drafts_a_measure_per_amount(drafted, policies):
    folder = policies / "qingxi-2025"
    assert (folder / "source.txt").read_bytes() == (EXAMPLE / "source.txt").read_bytes()
    doc = drafted.document
    assert doc.number == "清政规〔2025〕2号" and doc.issuers == ["清溪县人民政府"]
    assert (str(doc.in_force_from), str(doc.in_force_to)) == ("2025-03-01", "2027-12-31")
    assert doc.warnings == []
    assert [m["clauses"][0] for m in drafted.measures] == [f"qingxi-2025/m{n}" for n in range(1, 11)]
    assert all(m["draft"] for m in drafted.measures) and drafted.places == ["清溪县"]
    # its 申兑指南 drafts: one per measure; the text names no 责任单位, so none is written
    import yaml

    guides = yaml.safe_load((folder / "guides.yaml").read_text(encoding="utf-8"))["guides"]
    assert [g["measure"] for g in guides] == [m["id"] for m in drafted.measures]
    assert all("department" not in g for g in guides)
    first = drafted.measures[0]["amount"]
    assert (first["kind"], first["rate"], first["cap"]) == ("at_most", "20%", "3000000")


def test_check_refuses_the_drafts_until_completed(drafted, policies):
    report = run_checks(policies)
    qingxi = next(d for d in report.documents if d.doc_id == "qingxi-2025")
    assert not report.ok and qingxi.rule_errors
    assert all("草稿尚未补全" in p for p in qingxi.rule_errors if "措施 qingxi-2025/" in p)
    assert all(d.ok for d in report.documents if d.doc_id != "qingxi-2025")  # the others keep working
    assert qingxi.guides == []  # its drafted guides wait until its measures load


def test_the_completed_example_passes_every_check(drafted, policies):
    for name in ("measures.yaml", "tests.yaml", "coverage.yaml", "guides.yaml"):
        shutil.copyfile(EXAMPLE / name, policies / "qingxi-2025" / name)
    # its relations to the province's measures are not written yet: check names each pair
    report = run_checks(policies)
    qingxi = next(d for d in report.documents if d.doc_id == "qingxi-2025")
    assert not report.ok and qingxi.relations and not qingxi.coverage
    assert all(c.problems == [] for c in qingxi.cases)
    assert len(qingxi.relations) == 13 and all("independent.yaml" in p for p in qingxi.relations)
    assert any("（qingxi-2025/m1-clinical）与 fj-2023-7 的措施" in p for p in qingxi.relations)
    # 清溪县 and 厦门市 never meet: no pair with a Xiamen measure is asked for
    assert not any(" xm-" in p for p in qingxi.relations)
    fujian = next(d for d in report.documents if d.doc_id == "fj-2023-7")
    assert any("qingxi-2025/m10-listing" in p for p in fujian.relations)  # the other side sees it too
    entries = (EXAMPLE / "independent.yaml").read_text(encoding="utf-8")
    with (policies / "_overlaps" / "independent.yaml").open("a", encoding="utf-8") as f:
        f.write("\n".join(line for line in entries.splitlines() if not line.startswith("#")) + "\n")
    report = run_checks(policies)
    qingxi = next(d for d in report.documents if d.doc_id == "qingxi-2025")
    assert qingxi.ok, qingxi.model_dump()
    assert qingxi.measures == 10 and len(qingxi.cases) >= 15
    assert report.ok, [d.model_dump() for d in report.documents if not d.ok]


def test_add_document_refuses_a_bad_id_and_an_existing_folder(policies):
    with pytest.raises(OnboardingError, match="--id"):
        add_document(EXAMPLE / "source.txt", "Qing Xi", policies)
    result = CliRunner().invoke(
        cli, ["add-document", str(EXAMPLE / "source.txt"), "--id", "fj-2023-7", "--policies", str(policies)]
    )
    assert result.exit_code == 2 and "已存在" in result.output


def test_the_command_shows_the_tree_facts_and_drafts(tmp_path):
    root = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "_catalogue", root / "_catalogue")
    source = tmp_path / "无措施.txt"
    source.write_text("某县关于加快发展的意见\n各地要加快推进生物医药产业发展。\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["add-document", str(source), "--id", "demo-x", "--policies", str(root)])
    assert result.exit_code == 0, result.output
    assert "没有识别出措施一级的条款" in result.output and "起草了 0 项措施" in result.output
    full = CliRunner().invoke(
        cli, ["add-document", str(EXAMPLE / "source.txt"), "--id", "qingxi-2025", "--policies", str(root)]
    )
    assert "qingxi-2025/m2  (二) 配套省级临床试验奖励  〔40%、500万元〕" in full.output
    assert "起草了 10 项措施" in full.output
