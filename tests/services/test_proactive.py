# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""免申即享: an import proposes awards; unmatched and repeated rows are reported by line, not stored;
the organisation confirms (or corrects with evidence) and the item enters review."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.services.test_applications import call, key, people  # noqa: F401 - the fixture
from tests.services.test_evidence import PDF
from tests.services.test_organisations import code

from biopolicy.services import applications as apps
from biopolicy.services import evidence as ev
from biopolicy.services import proactive
from biopolicy.services.calculator import get_calculator
from biopolicy.settings import Settings
from biopolicy.storage.fulfilment_models import Evidence, ProactiveRecord, Proposal
from biopolicy.storage.ledger_models import Application
from biopolicy.storage.uow import UnitOfWork

HEADER = "统一社会信用代码,记录类型,日期,产品,数据\n"
PHASE3 = f"{code(1)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3;rd_investment=90000000;transferred_city=厦门市\n"
ROWS = (
    HEADER
    + PHASE3
    + f"{code(9)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3\n"  # no such organisation
    # the same record in Chinese names: a repeat of line 2
    + f"{code(1)},完成临床研究阶段,2026-06-01,某单抗,阶段=Ⅲ期临床试验;rd_investment=90000000;transferred_city=厦门市\n"
    + f"{code(1)},no_such_type,2026-13-01,,\n"
)


def run_import(database, text=ROWS, name="records.csv"):
    with UnitOfWork(database, actor="test") as uow:
        return proactive.import_file(uow, None, get_calculator(), Path(name), content=text.encode("utf-8"))


def clinical_proposal(database, who) -> int:
    with UnitOfWork(database) as uow:
        found = proactive.proposals(uow, who, get_calculator())
    return next(p.id for p in found if p.measure_id == "xm-2023/m1-clinical")


def test_an_import_proposes_awards_and_reports_unmatched_repeated_and_bad_rows_by_line(database, people):
    report = run_import(database)
    assert (report.rows, report.stored) == (4, 1)
    assert [u.line for u in report.unmatched] == [3] and "没有对应的已登记机构" in report.unmatched[0].message
    assert [r.line for r in report.repeated] == [4] and "与本文件第2行重复" in report.repeated[0].message
    assert [p.line for p in report.problems] == [5]
    assert "记录类型" in report.problems[0].message and "日期" in report.problems[0].message
    with UnitOfWork(database) as uow:
        found = proactive.proposals(uow, people["a1"], get_calculator())
        assert proactive.proposals(uow, people["b1"], get_calculator()) == []
    clinical = next(p for p in found if p.measure_id == "xm-2023/m1-clinical")
    assert clinical.amount == Decimal("30000000") and clinical.status_label == "待确认"
    assert clinical.record_label == "完成临床研究阶段" and clinical.product == "某单抗"


def test_importing_the_same_file_again_stores_nothing_twice(database, people):
    run_import(database)
    again = run_import(database)
    assert again.stored == 0 and again.proposals == 0
    assert [r.line for r in again.repeated] == [2, 4]
    assert "与第 1 次导入的第2行重复" in again.repeated[0].message
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProactiveRecord)) == 1


def test_a_file_without_the_required_columns_is_refused_naming_them(database, people):
    with pytest.raises(apps.ApplicationError, match="缺少列 统一社会信用代码、记录类型"):
        run_import(database, "日期\n2026-01-01\n")


def test_confirming_puts_the_item_into_review_once(database, people):
    run_import(database)
    pid = clinical_proposal(database, people["a1"])
    with pytest.raises(apps.ApplicationForbidden):
        call(database, people["b1"], proactive.confirm, get_calculator(), pid, True, key())
    with pytest.raises(apps.ApplicationError, match="credit_commitment"):
        call(database, people["a1"], proactive.confirm, get_calculator(), pid, False, key())
    got = call(database, people["a1"], proactive.confirm, get_calculator(), pid, True, key())
    assert got["status"] == "submitted"
    with pytest.raises(apps.ApplicationError, match="已处理"):
        call(database, people["a1"], proactive.confirm, get_calculator(), pid, True, key())
    # the department accepts it like any application, and the engine checks it on the ledger
    call(database, people["rev"], apps.accept, got["application_id"], key())
    verdict = call(database, people["rev"], apps.check, get_calculator(), got["application_id"])
    assert verdict.allowed == Decimal("30000000")


def test_correcting_needs_evidence_first_and_the_evidence_follows_the_item(database, people, tmp_path):
    run_import(database)
    pid = clinical_proposal(database, people["a1"])
    fix = {"rd_investment": "60000000"}
    with pytest.raises(apps.ApplicationError, match="evidence：更正数据须先上传至少一份证明材料"):
        call(database, people["a1"], proactive.correct, get_calculator(), pid, fix, True, key())
    with pytest.raises(apps.ApplicationError, match="不能在此更正"):
        call(
            database,
            people["a1"],
            proactive.correct,
            get_calculator(),
            pid,
            {"date": "2026-01-01"},
            True,
            key(),
        )
    settings = Settings(data_dir=tmp_path)
    call(
        database,
        people["a1"],
        ev.upload,
        get_calculator(),
        PDF,
        "审计报告.pdf",
        key(),
        proposal_id=pid,
        settings=settings,
    )
    got = call(database, people["a1"], proactive.correct, get_calculator(), pid, fix, True, key())
    with UnitOfWork(database) as uow:
        row = uow.session.get(Application, got["application_id"])
        assert row.submitted_facts["rd_investment"] == "60000000" and row.status == "submitted"
        assert uow.session.scalar(select(Evidence.application_id)) == row.id
        assert uow.session.get(Proposal, pid).status == "corrected"
