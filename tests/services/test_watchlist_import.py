"""Importing products and milestones onto the watch list from CSV and XLSX: errors by line, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS

from biopolicy.services import organisations as orgs
from biopolicy.services import watchlist as wl
from biopolicy.services import watchlist_import as wi
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone, WatchEntry

TODAY = date(2026, 1, 20)
CODE = FACTS["credit_code"]
HEADER = (
    "统一社会信用代码,产品名称,产品类型,注册分类,重点企业,重点产品,里程碑,开始日期,完成日期,办理程序,对象"
)
GOOD = [
    f"{CODE},甲单抗,biologic,1,是,是,完成临床前研究,,2024-03-01,,",
    f"{CODE},甲单抗,biologic,1,是,是,phase_2_started,2025-01-10,,,",
    f"{CODE},甲单抗,biologic,1,是,是,technical_review,2025-09-26,,drug_supplement_review_inspection,",
    f"{CODE},乙试剂,ivd,III,否,否,,,,,",
]


@pytest.fixture
def ready(database):
    with UnitOfWork(database, actor="test") as uow:
        orgs.create(uow, FACTS)
    return database


def run(database, lines, tmp_path, all_or_nothing=False, name="list.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    with UnitOfWork(database, actor="test") as uow:
        return wi.import_file(
            uow, wl.command_line_principal("test"), path, today=TODAY, all_or_nothing=all_or_nothing
        )


def counts(database) -> tuple[int, int]:
    with database.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(WatchEntry)),
            s.scalar(select(func.count()).select_from(Milestone)),
        )


def test_a_good_file_puts_products_and_milestones_on_the_list(ready, tmp_path):
    report = run(ready, GOOD, tmp_path)
    assert report.problems == [] and report.imported == 4 and report.rows == 4
    assert counts(ready) == (2, 3)
    with UnitOfWork(ready, read_only=True) as uow:
        [row] = wl.regulator_view(uow, wl.command_line_principal("t"), TODAY)
    assert row.clock.due == date(2025, 12, 25) and row.key_product and row.key_enterprise


BAD = [
    *GOOD[:2],
    f"{CODE},甲单抗,biologic,1,是,是,phase_2_completed,,2025-01-09,,",  # line 4: before its predecessor
    "91350100MA00000000,丙药,chemical,1,否,否,,,,,",  # line 5: no such organisation
    f"{CODE},甲单抗,biologic,1,也许,是,,,,,",  # line 6: a flag that is neither 是 nor 否
    f"{CODE},甲单抗,biologic,1,是,是,technical_review,2025-09-26,,no_such_procedure,",  # line 7
    f"{CODE},甲单抗,biologic,1,是,是,approval,,2027-01-01,,",  # line 8: completed in the future
]


def test_problems_are_reported_by_line_and_the_good_rows_written(ready, tmp_path):
    report = run(ready, BAD, tmp_path)
    assert [p.line for p in report.problems] == [4, 5, 6, 7, 8]
    messages = [str(p) for p in report.problems]
    assert (
        messages[0]
        == "第4行：完成日期：“Ⅱ期临床试验完成”的日期 2025-01-09 早于前一环节“Ⅱ期临床试验启动”的日期 2025-01-10"
    )
    assert messages[1].startswith("第5行：统一社会信用代码：没有统一社会信用代码为“91350100MA00000000”的机构")
    assert messages[2] == "第6行：重点企业：应填“是”或“否”，收到“也许”"
    assert messages[3].startswith("第7行：办理程序：未知的办理程序“no_such_procedure”")
    assert messages[4].startswith("第8行：完成日期：完成日期 2027-01-01 晚于今天（2026-01-20）")
    assert report.imported == 2 and counts(ready) == (1, 2)


def test_all_or_nothing_writes_nothing_when_a_line_is_bad(ready, tmp_path):
    report = run(ready, BAD, tmp_path, all_or_nothing=True)
    assert report.imported == 0 and len(report.problems) == 5 and "未导入任何一行" in report.summary
    assert counts(ready) == (0, 0)
    assert run(ready, GOOD, tmp_path, all_or_nothing=True).imported == 4


def test_an_xlsx_file_reads_the_same(ready, tmp_path):
    book = Workbook()
    sheet = book.active
    for line in [HEADER, *BAD]:
        sheet.append(line.split(","))
    path = tmp_path / "list.xlsx"
    book.save(path)
    with UnitOfWork(ready, actor="test") as uow:
        report = wi.import_file(uow, wl.command_line_principal("t"), path, today=TODAY)
    assert [p.line for p in report.problems] == [4, 5, 6, 7, 8] and report.imported == 2


def test_a_header_without_the_product_columns_is_refused(ready, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("名称,里程碑\n甲,preclinical_done\n", encoding="utf-8")
    with (
        UnitOfWork(ready, actor="test") as uow,
        pytest.raises(orgs.OrganisationError, match="缺少列 统一社会信用代码、产品名称、产品类型"),
    ):
        wi.import_file(uow, wl.command_line_principal("t"), path, today=TODAY)


def test_the_cli_imports_and_lists_problems_by_line(ready, tmp_path):
    from biopolicy.cli import cli

    path = tmp_path / "cli.csv"
    path.write_text("\n".join([HEADER, *BAD]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["watchlist", "import", str(path), "--database-url", ready.url])
    assert result.exit_code == 1, result.output
    assert "第4行" in result.output and "第8行" in result.output
