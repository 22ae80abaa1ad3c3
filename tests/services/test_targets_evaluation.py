"""Actual values of targets (entered, imported by line, refused when wrong) with their trajectory, and the
yearly evaluation from the ledger and the requests, read back from its XLSX."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS

from biopolicy.services import accounts
from biopolicy.services import evaluation as ev
from biopolicy.services import organisations as orgs
from biopolicy.services import requests as rq
from biopolicy.services import targets as tg
from biopolicy.storage.ledger_models import Application, Payment, ReviewAction
from biopolicy.storage.request_models import TargetActual
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
TODAY = dt.date(2026, 3, 2)
REVENUE = "fj-2023-7/m1-revenue"  # 1200 亿元 by 2025, baseline 851 亿元 in 2021


@pytest.fixture
def people(database):
    ids = {}
    with UnitOfWork(database, actor="test") as uow:
        ids["A"] = orgs.create(uow, FACTS).id
    who = {}
    for login, org, roles in [
        ("reviewer", None, [("reviewer", "市卫健委")]),
        ("applicant", "A", [("applicant", "")]),
        ("finance", None, [("finance", "")]),
    ]:
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(uow, login, login, password=PASSWORD,
                                 organisation=ids[org] if org else None, roles=roles)  # fmt: skip
            who[login] = accounts.authenticate(uow, login, PASSWORD)
    return database, ids, who


def add(database, who, **data):
    with UnitOfWork(database, actor="test") as uow:
        return tg.add_actual(uow, who, data, TODAY)


def count(database) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(TargetActual))


def test_actuals_give_the_trajectory_and_the_pace_with_the_clause(people):
    database, _, who = people
    with UnitOfWork(database, actor="test") as uow:
        board = tg.dashboard(uow, who["reviewer"])
    revenue = next(t for t in board.targets if t.id == REVENUE)
    assert revenue.pace == "unknown" and revenue.actuals == [] and "尚无实际值" in revenue.assumption
    add(database, who["reviewer"], target=REVENUE, year=2023, value="1000", source="福建省统计公报")
    view = add(database, who["reviewer"], target="到2025年全省医药工业营业收入力争达到1200亿元", year="2024",
               value="1090", source="福建省统计公报")  # fmt: skip
    # 851 (2021) → 1090 (2024): 79.67 a year; 1169.67 by 2025 < 1200: off track
    assert view.pace == "off_track" and view.pace_label == "按当前进度难以达成"
    assert [p.kind for p in view.points] == ["baseline", "actual", "actual", "projection"]
    assert view.needed_per_year == "110" and "福建" in view.basis
    faster = add(
        database, who["reviewer"], target="fj-2023-7/m5-platforms", year=2024, value="5", source="报送"
    )
    assert faster.pace == "reached"


def test_bad_or_duplicate_actuals_are_refused_by_field_and_nothing_is_written(people):
    database, _, who = people
    add(database, who["reviewer"], target=REVENUE, year=2023, value="1000", source="统计公报")
    for data, words in [
        ({"target": "无此目标", "year": 2023, "value": "1", "source": "x"}, "target：没有“无此目标”这个目标"),
        ({"target": REVENUE, "year": 2023, "value": "1001", "source": "x"}, "2023 年已有实际值"),
        ({"target": REVENUE, "year": 2027, "value": "1", "source": "x"}, "不能录入未来年份"),
        (
            {"target": REVENUE, "year": 2024, "value": "很多", "source": "x"},
            "value：实际值应为数字（单位：亿元）",
        ),
        ({"target": REVENUE, "year": 2024, "value": "-1", "source": "x"}, "不小于 0"),
        ({"target": REVENUE, "year": 2024, "value": "1", "source": " "}, "source：请写明数据来源"),
    ]:
        with pytest.raises(tg.TargetError) as exc:
            add(database, who["reviewer"], **data)
        assert any(words in p for p in exc.value.problems), exc.value.problems
    with pytest.raises(tg.TargetForbidden):
        add(database, who["applicant"], target=REVENUE, year=2024, value="1", source="x")
    assert count(database) == 1


def test_an_import_reports_bad_lines_and_writes_the_good_ones(people, tmp_path):
    database, _, who = people
    path = tmp_path / "actuals.csv"
    path.write_text(
        "目标,年份,实际值,来源\n"
        f"{REVENUE},2022,950,统计公报\n"
        f"{REVENUE},2022,960,重复\n"
        "不存在的目标,2022,1,x\n"
        "fj-2023-7/m5-platforms,2023,3,部门报送\n",
        encoding="utf-8",
    )
    with UnitOfWork(database, actor="test") as uow:
        report = tg.import_actuals(uow, who["reviewer"], path, TODAY)
    assert report.rows == 4 and report.imported == 2
    assert [p.line for p in report.problems] == [3, 4]
    with UnitOfWork(database, actor="test") as uow:
        none = tg.import_actuals(uow, who["reviewer"], path, TODAY, all_or_nothing=True)
    assert none.imported == 0 and count(database) == 2


def _paid_application(database, org, measure_id, submitted, paid_on, amount, status="paid"):
    with database.sessions() as s, s.begin():
        app = Application(organisation_id=org, measure_id=measure_id, event={"type": "x"}, event_key=f"k{submitted}",
                          department="市科技局", status=status, approved_amount=Decimal(amount))  # fmt: skip
        s.add(app)
        s.flush()
        s.add(ReviewAction(application_id=app.id, organisation_id=org, action="submit",
                           at=dt.datetime.combine(submitted, dt.time(9), tzinfo=dt.UTC)))  # fmt: skip
        if paid_on is not None:
            s.add(Payment(application_id=app.id, organisation_id=org, instalment=1, amount=Decimal(amount),
                          paid_on=paid_on, receipt_no=f"R{app.id}"))  # fmt: skip


def test_the_yearly_evaluation_reads_the_ledger_and_the_requests_and_its_xlsx_reads_back(
    people, monkeypatch, tmp_path
):
    database, ids, who = people
    monkeypatch.setenv("BIOPOLICY_DATA_DIR", str(tmp_path))
    from biopolicy.services.calculator import get_calculator

    measure = get_calculator().measures()[0].id
    _paid_application(database, ids["A"], measure, dt.date(2025, 3, 1), dt.date(2025, 4, 30), "300000.00")
    _paid_application(database, ids["A"], measure, dt.date(2025, 6, 1), dt.date(2025, 6, 11), "100000.00")
    _paid_application(database, ids["A"], measure, dt.date(2025, 7, 1), None, "0", status="rejected")
    _paid_application(database, ids["A"], measure, dt.date(2024, 7, 1), None, "50000.00", status="approved")
    with UnitOfWork(database, actor="test") as uow:
        rq.file_request(
            uow, who["applicant"], {"category": "其他", "title": "t", "text": "x"}, dt.date(2025, 9, 30), "k1"
        )
    from biopolicy.services import watchlist as wl

    with UnitOfWork(database, actor="test") as uow:
        regulator = accounts.create_user(
            uow, "regulator", "省局", password=PASSWORD, roles=[("reviewer", "省药监局")]
        )
    with UnitOfWork(database, actor="test") as uow:
        regulator = accounts.authenticate(uow, "regulator", PASSWORD)
    # 60 working days from Fri 2025-09-26 end on 2025-12-25: done 12-20 is on time; the other is late
    for name, started, completed in (
        ("甲单抗", "2025-09-26", "2025-12-20"),
        ("乙单抗", "2025-01-02", "2025-12-01"),
    ):
        with UnitOfWork(database, actor="test") as uow:
            pid = wl.watch_product(uow, regulator, ids["A"], name, "biologic", "1")
        with UnitOfWork(database, actor="test") as uow:
            wl.add_milestone(uow, regulator, pid, {"kind": "technical_review", "started_on": started,
                             "completed_on": completed, "procedure": "drug_supplement_review_inspection"}, TODAY)  # fmt: skip
    with UnitOfWork(database, actor="test") as uow:
        e = ev.evaluate(uow, who["finance"], 2025, TODAY)
    assert (e.limits.completed, e.limits.met, e.limits.missed) == (2, 1, 1)
    row = e.measures[0]
    assert (row.applications, row.approved, row.rejected) == (3, 2, 1)  # the 2024 one is not in 2025
    assert row.amount_paid == Decimal("400000.00") and row.budget == "未设预算"
    assert row.days_to_payment_avg == Decimal("35.0") and row.days_to_payment_max == 60  # 60 and 10 days
    assert (
        e.requests.received == 1
        and e.requests.overdue == 1
        and e.duty_counts == dict.fromkeys(ev.DUTY_LABELS, 0)
    )
    assert e.duties == "2025 年没有适用于已登记医疗机构的义务期间"  # no hospital registered
    book = load_workbook(io.BytesIO(ev.to_xlsx(e)))
    sheet = book.worksheets[0]
    assert sheet.cell(3, 1).value == "文件" and sheet.cell(3, 2).value == "措施"
    assert sheet.cell(4, 2).value == row.title and "/" not in sheet.cell(4, 2).value  # a title, not an id
    assert Decimal(str(sheet.cell(4, 7).value)) == Decimal("400000")
    summary = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert summary["本年收到的企业诉求"] == 1 and summary["逾期未答复"] == 1
    assert summary["其中按期办结"] == 1 and summary["其中超期办结"] == 1
    with UnitOfWork(database, actor="test") as uow, pytest.raises(ev.EvaluationForbidden):
        ev.evaluate(uow, who["applicant"], 2025, TODAY)
    with UnitOfWork(database, actor="test") as uow, pytest.raises(ev.EvaluationError, match="year"):
        ev.evaluate(uow, who["finance"], 2027, TODAY)


def test_an_xlsx_import_reads_the_same_columns(people, tmp_path):
    from openpyxl import Workbook

    database, _, who = people
    book = Workbook()
    book.active.append(["目标", "年份", "实际值", "来源"])
    book.active.append(["到2025年全省医药工业营业收入力争达到1200亿元", 2023, 1000, "福建省统计公报"])
    path = tmp_path / "actuals.xlsx"
    book.save(path)
    with UnitOfWork(database, actor="test") as uow:
        report = tg.import_actuals(uow, who["reviewer"], path, TODAY)
    assert (report.rows, report.imported, report.problems) == (1, 1, [])
    with UnitOfWork(database, actor="test") as uow:
        revenue = next(t for t in tg.dashboard(uow, who["reviewer"]).targets if t.id == REVENUE)
    assert [(a.year, a.value) for a in revenue.actuals] == [(2023, "1000")]
