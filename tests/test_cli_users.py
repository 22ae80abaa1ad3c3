"""``biopolicy users``: create users, assign roles, reset a password (SQLite)."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from tests.services.test_organisations import FACTS

from biopolicy.cli import cli
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.accounts import LoginFailed
from biopolicy.services.database import unit_of_work


@pytest.fixture
def url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "cli.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def run(url, *args, stdin=None, library=None):
    result = CliRunner().invoke(cli, [*args, "--database-url", url], input=stdin, obj=library)
    return result


def login(url, name, password):
    with unit_of_work("test", url=url) as uow:
        return accounts.authenticate(uow, name, password)


def test_create_prints_a_one_time_password_that_must_be_changed(url):
    with unit_of_work("test", url=url) as uow:
        org = orgs.create(uow, FACTS)
    result = run(
        url, "users", "create", "zhang", "--name", "张三", "--org", org.credit_code, "--role", "applicant"
    )
    assert result.exit_code == 0, result.output
    assert "已创建用户 zhang（张三，厦门某生物科技有限公司）：申报单位工作人员" in result.output
    password = re.search(r"一次性密码：(\S+)（", result.output).group(1)
    assert login(url, "zhang", password).must_change_password


def test_password_from_stdin_and_reset(url):
    assert run(url, "users", "create", "aud01", "--name", "审计", "--role", "auditor", "--password-stdin",
               stdin="a-strong-pass-1\n").exit_code == 0  # fmt: skip
    assert not login(url, "aud01", "a-strong-pass-1").must_change_password
    weak = run(url, "users", "reset-password", "aud01", "--password-stdin", stdin="12345\n")
    assert weak.exit_code == 2 and "至少需要 10 个字符" in weak.output
    reset = run(url, "users", "reset-password", "aud01")
    assert reset.exit_code == 0
    one_time = re.search(r"一次性密码：(\S+)（", reset.output).group(1)
    with pytest.raises(LoginFailed):
        login(url, "aud01", "a-strong-pass-1")
    assert login(url, "aud01", one_time).must_change_password
    assert run(url, "users", "reset-password", "nobody").exit_code == 1


def test_reviewers_are_assigned_to_departments_the_clauses_name(url, real_library):
    assert (
        run(
            url, "users", "create", "rev01", "--name", "王审核", "--password-stdin", stdin="a-strong-pass-1\n"
        ).exit_code
        == 0
    )
    unknown = run(
        url, "users", "assign", "rev01", "reviewer", "--department", "市宇宙局", library=real_library
    )
    assert unknown.exit_code == 2 and "不是政策条款中的责任单位" in unknown.output
    ok = run(url, "users", "assign", "rev01", "reviewer", "--department", "市科技局", library=real_library)
    assert ok.exit_code == 0 and "审核人员（市科技局）" in ok.output
    listed = run(url, "users", "list")
    assert "rev01（王审核）：审核人员（市科技局）" in listed.output
    assert run(url, "users", "revoke", "rev01", "reviewer", "--department", "市科技局").exit_code == 0
    assert "rev01（王审核）：无角色" in run(url, "users", "list").output


def test_departments_lists_the_responsible_units(real_library):
    result = CliRunner().invoke(cli, ["users", "departments"], obj=real_library)
    assert result.exit_code == 0 and "市科技局" in result.output.splitlines()
