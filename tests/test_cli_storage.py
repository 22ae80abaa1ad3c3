"""`biopolicy db`, `biopolicy audit verify` and `biopolicy admin`: the shell around storage services."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from biopolicy.cli import cli
from biopolicy.domain.credit_code import check_character
from biopolicy.storage.db import make_engine


def code(n: int) -> str:
    body = f"913502{n:011d}"
    return body + check_character(body)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_db_upgrade_current_and_a_downgrade_that_asks_first(empty_database_url):
    url = empty_database_url
    result = run("db", "upgrade", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert "空库 → 0004" in result.output
    assert "已是版本 0004，无需升级" in run("db", "upgrade", "--database-url", url).output
    assert "当前版本 0004，最新版本 0004（已是最新）" in run("db", "current", "--database-url", url).output

    refused = run("db", "downgrade", "base", "--database-url", url)
    assert refused.exit_code == 1
    assert "此降级会丢失数据" in refused.output and "0002：删除表 audit_log" in refused.output
    assert "当前版本 0004" in run("db", "current", "--database-url", url).output

    done = run("db", "downgrade", "base", "--yes", "--database-url", url)
    assert done.exit_code == 0 and "0004 → 空库" in done.output


def test_import_then_verify_then_tamper(database_url, tmp_path):
    url = database_url
    path = tmp_path / "orgs.csv"
    path.write_text(
        f"名称,统一社会信用代码,类型,市\n甲公司,{code(1)},企业,厦门市\n乙公司,{code(2)[:17]}0,企业,厦门市\n"
        f"丙公司,{code(3)},企业,福州市\n",
        encoding="utf-8",
    )
    result = run("admin", "import-orgs", str(path), "--database-url", url)
    assert result.exit_code == 1
    assert (
        "第3行：统一社会信用代码" in result.output
        and "导入 2 行，1 行有问题未导入（共 3 行）" in result.output
    )

    listed = run("admin", "orgs", "--database-url", url)
    assert "甲公司（企业，厦门市）" in listed.output and "共 2 家" in listed.output

    ok = run("audit", "verify", "--database-url", url)
    assert ok.exit_code == 0 and "审计记录完好：共 2 条" in ok.output

    engine = make_engine(url)
    with engine.begin() as conn:  # an attacker with the owner's rights
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET after = NULL WHERE seq = 1"))
    engine.dispose()
    broken = run("audit", "verify", "--database-url", url)
    assert broken.exit_code == 1
    assert "审计记录校验失败：第 1 条审计记录被改动" in broken.output


def test_all_or_nothing_from_the_command_line(database_url, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(
        f"name,credit_code,kind\n甲公司,{code(1)},enterprise\n甲公司,{code(1)},enterprise\n", "utf-8"
    )
    result = run("admin", "import-orgs", str(path), "--all-or-nothing", "--database-url", database_url)
    assert (
        result.exit_code == 1
        and "第3行：统一社会信用代码" in result.output
        and "未导入任何一行" in result.output
    )
    assert "共 0 家" in run("admin", "orgs", "--database-url", database_url).output


def test_a_file_without_required_columns_exits_2(database_url, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("名称\n甲公司\n", encoding="utf-8")
    result = run("admin", "import-orgs", str(path), "--database-url", database_url)
    assert result.exit_code == 2 and "缺少列 统一社会信用代码、类型" in result.output
