"""``biopolicy budgets`` and ``biopolicy proactive`` from the command line: Chinese messages, exit codes."""

from __future__ import annotations

from click.testing import CliRunner
from tests.services.test_organisations import FACTS, code

from biopolicy.cli import cli
from biopolicy.services import organisations as orgs
from biopolicy.storage.db import Database
from biopolicy.storage.uow import UnitOfWork


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


TITLE = "“创新药、改良型新药分阶段研发奖励”"  # xm-2023/m1-clinical, as users name it
ID = "xm-2023/m1-clinical"


def test_budgets_set_and_list(database_url):
    got = run("budgets", "set", ID, "2026", "city", "50000000", "--database-url", database_url)
    assert got.exit_code == 0, got.output
    assert "已设定预算" in got.output and "市级" in got.output and "50,000,000元" in got.output
    assert TITLE in got.output and ID not in got.output  # the measure by its title, not its code
    bad = run("budgets", "set", ID, "2026", "province", "1.234", "--database-url", database_url)
    assert bad.exit_code == 2
    # every problem, each field in words, a level's word before the code the user types
    assert "出资层级：此措施由市级（city）出资，收到省级（province）" in bad.output
    assert "金额：应为不小于 0、最多两位小数的金额" in bad.output
    assert "level：" not in bad.output and "amount：" not in bad.output
    listed = run("budgets", "list", "--database-url", database_url)
    assert (
        listed.exit_code == 0
        and "余额 5000万元（50,000,000元）" in listed.output
        and "共 1 项预算" in listed.output
    )
    # the code is shown beside the title: it is what `budgets set` takes
    assert f"{TITLE}（措施编号 {ID}，2026 年度，市级）" in listed.output


def test_budgets_set_refuses_bad_arguments_in_chinese(database_url):
    level = run("budgets", "set", ID, "2026", "town", "1", "--database-url", database_url)
    assert level.exit_code == 2
    assert (
        "出资层级 的取值无效：须为 national（国家级）、province（省级）、city（市级）、district（区级）之一，收到“town”"
        in level.output
    )
    assert "is not one of" not in level.output
    year = run("budgets", "set", ID, "20x6", "city", "1", "--database-url", database_url)
    assert year.exit_code == 2 and "年度 的取值无效：须为 2000 到 2100 之间的整数" in year.output
    assert "FISCAL_YEAR" not in year.output and "valid integer" not in year.output
    measure = run("budgets", "set", "xm-2023/nope", "2026", "city", "1", "--database-url", database_url)
    assert measure.exit_code == 2 and "措施编号：没有措施 xm-2023/nope" in measure.output
    assert run("budgets", "set", ID, "2100", "city", "1", "--database-url", database_url).exit_code == 0
    assert run("budgets", "set", ID, "2101", "city", "1", "--database-url", database_url).exit_code == 2


def test_budgets_help_is_chinese():
    got = run("budgets", "set", "--help")
    assert got.exit_code == 0
    text = " ".join(got.output.split())  # as wrapped for any terminal width
    assert "用法：cli budgets set [选项] 措施编号 年度 出资层级 金额" in text
    assert "选项：" in text and "显示本说明并退出。" in text
    assert "national（国家级）、province（省级）、city（市级）或 district（区级）" in text
    for english in ("Usage", "Options", "Show this message", "MEASURE_ID", "LEVEL", "TEXT"):
        assert english not in got.output


def test_proactive_import_reports_unmatched_and_repeated_rows_by_line(database_url, tmp_path):
    db = Database(database_url)
    with UnitOfWork(db, actor="test") as uow:
        orgs.create(uow, FACTS)
    db.dispose()
    path = tmp_path / "records.csv"
    path.write_text(
        "统一社会信用代码,记录类型,日期,产品,数据\n"
        f"{code(1)},clinical_stage_completed,2026-06-01,某单抗,stage=phase_3;rd_investment=90000000;transferred_city=厦门市\n"
        f"{code(5)},clinical_stage_completed,2026-06-01,,\n",
        encoding="utf-8",
    )
    first = run("proactive", "import", str(path), "--database-url", database_url)
    assert first.exit_code == 1, first.output
    assert "未匹配机构：第3行" in first.output and "新记录 1 行" in first.output
    again = run("proactive", "import", str(path), "--database-url", database_url)
    assert "重复：第2行：与第 1 次导入的第2行重复" in again.output and "新记录 0 行" in again.output
    missing = tmp_path / "bad.csv"
    missing.write_text("日期\n2026-01-01\n", encoding="utf-8")
    bad = run("proactive", "import", str(missing), "--database-url", database_url)
    assert bad.exit_code == 2 and "缺少列" in bad.output


def test_credit_import_loads_the_list_finance_checks_and_bad_rows_write_nothing(database_url, tmp_path):
    """Issue 10: the credit check before each payment reads an imported 失信 list; an administrator
    loads it from CSV/XLSX. Every bad line is named and nothing is stored; a second load keeps one row."""
    from sqlalchemy import func, select

    from biopolicy.storage.ledger_models import CreditBlacklist

    def listed() -> int:
        db = Database(database_url)
        with UnitOfWork(db, actor="test") as uow:
            n = uow.session.scalar(select(func.count()).select_from(CreditBlacklist))
        db.dispose()
        return n

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"统一社会信用代码,名称,列入日期\n{code(1)},甲,2026-03-01\n123,乙,\n{code(2)},丙,2026-13-01\n",
        encoding="utf-8",
    )
    got = run("credit", "import", str(bad), "--source", "信用中国 2026-11", "--database-url", database_url)
    assert got.exit_code == 2, got.output
    assert "第3行" in got.output and "统一社会信用代码" in got.output
    assert "第4行" in got.output and "列入日期" in got.output
    assert listed() == 0
    missing = tmp_path / "nocode.csv"
    missing.write_text("名称\n甲\n", encoding="utf-8")
    got = run("credit", "import", str(missing), "--source", "x", "--database-url", database_url)
    assert got.exit_code == 2 and "缺少列：统一社会信用代码" in got.output, got.output
    good = tmp_path / "list.csv"
    good.write_text(
        f"统一社会信用代码,名称,列入日期\n{code(1)},甲,2026-03-01\n{code(2)},丙,\n", encoding="utf-8"
    )
    got = run("credit", "import", str(good), "--source", "信用中国 2026-11", "--database-url", database_url)
    assert got.exit_code == 0 and "新增 2 家" in got.output, got.output
    again = run("credit", "import", str(good), "--source", "信用中国 2026-12", "--database-url", database_url)
    assert again.exit_code == 0 and "新增 0 家" in again.output and "已在名单 2 家" in again.output
    assert listed() == 2
