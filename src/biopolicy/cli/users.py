"""``biopolicy users …``: create users, assign and revoke roles, reset a password, list users and the
responsible departments a reviewer may be assigned to (services/accounts.py).

A new user without ``--password-stdin`` gets a one-time password, printed once, to be changed at
the first log-in; ``reset-password`` does the same. Changes are audited as ``cli:<system user>``.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from biopolicy.cli.common import CliError, current_library, out
from biopolicy.services import accounts
from biopolicy.services.accounts import ROLE_LABELS, AccountError, Role, UserNotFound, UserView
from biopolicy.services.database import unit_of_work

url_option = click.option(
    "--database-url", "url", default=None, metavar="URL", help="数据库地址；默认取设置中的数据库"
)
stdin_option = click.option(
    "--password-stdin", is_flag=True, help="从标准输入读取密码（一行），不生成一次性密码"
)
ROLE_HELP = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in a container is no reason to fail
        return "cli"


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except AccountError as exc:
        raise CliError("；".join(exc.problems), exit_code=2) from None
    except UserNotFound as exc:
        raise CliError(str(exc), exit_code=1) from None


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CliError("标准输入中没有密码（应为一行）", exit_code=2)
    return line


def _parse_role(text: str) -> tuple[str, str]:
    """``applicant`` or ``reviewer:市科技局``."""
    role, _, department = text.partition(":")
    return role.strip(), department.strip()


def _known_departments(roles: list[tuple[str, str]]) -> list[str] | None:
    if any(r == Role.reviewer.value for r, _ in roles):
        return accounts.departments(current_library().corpus)
    return None


def _show(user: UserView) -> str:
    roles = (
        "、".join(r.label + (f"（{r.department}）" if r.department else "") for r in user.roles) or "无角色"
    )
    org = f"，{user.organisation_name}" if user.organisation_name else ""
    state = "" if user.active else "，已停用"
    return f"{user.login}（{user.display_name}{org}）：{roles}{state}"


@click.group()
def users() -> None:
    """用户与角色：创建用户、分配角色、重置密码。"""


@users.command()
@click.argument("login")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--org", "organisation", default=None, help="所属机构：编号或统一社会信用代码")
@click.option(
    "--role", "roles", multiple=True, help=f"角色，可重复；审核人员写作 reviewer:责任单位。{ROLE_HELP}"
)
@stdin_option
@url_option
def create(
    login: str,
    display_name: str,
    organisation: str | None,
    roles: tuple[str, ...],
    password_stdin: bool,
    url: str | None,
) -> None:
    """创建用户 LOGIN；未用 --password-stdin 时打印一次性密码（首次登录须修改）。"""
    password = _read_password() if password_stdin else None
    parsed = [_parse_role(r) for r in roles]
    with _errors(), unit_of_work(_actor(), url=url) as uow:
        user, given = accounts.create_user(
            uow, login, display_name, password=password, organisation=organisation,
            roles=parsed, known_departments=_known_departments(parsed),
        )  # fmt: skip
    out().print(f"已创建用户 {_show(user)}")
    if password is None:
        out().print(f"一次性密码：{given}（只显示这一次；首次登录后须修改）")


@users.command()
@click.argument("login")
@click.argument("role")
@click.option("--department", default="", help="审核人员的责任单位（如 市科技局）")
@url_option
def assign(login: str, role: str, department: str, url: str | None) -> None:
    """给用户 LOGIN 分配角色 ROLE。"""
    known = _known_departments([(role, department)])
    with _errors(), unit_of_work(_actor(), url=url) as uow:
        user = accounts.assign_role(uow, login, role, department, known)
    out().print(f"已分配：{_show(user)}")


@users.command()
@click.argument("login")
@click.argument("role")
@click.option("--department", default="", help="审核人员的责任单位")
@url_option
def revoke(login: str, role: str, department: str, url: str | None) -> None:
    """收回用户 LOGIN 的角色 ROLE。"""
    with _errors(), unit_of_work(_actor(), url=url) as uow:
        user = accounts.revoke_role(uow, login, role, department)
    out().print(f"已收回：{_show(user)}")


@users.command("reset-password")
@click.argument("login")
@stdin_option
@url_option
def reset_password(login: str, password_stdin: bool, url: str | None) -> None:
    """重置用户 LOGIN 的密码：打印一次性密码（或从标准输入读取）；其登录全部退出，下次登录须修改密码。"""
    password = _read_password() if password_stdin else None
    with _errors(), unit_of_work(_actor(), url=url) as uow:
        given = accounts.reset_password(uow, login, password)
    if password is None:
        out().print(f"{login} 的一次性密码：{given}（只显示这一次；登录后须修改）")
    else:
        out().print(f"已重置 {login} 的密码；登录后须修改")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@url_option
def list_users(as_json: bool, url: str | None) -> None:
    """列出所有用户及其角色。"""
    with unit_of_work(_actor(), url=url) as uow:
        found = accounts.list_users(uow)
    if as_json:
        click.echo(json.dumps([u.model_dump(mode="json") for u in found], ensure_ascii=False, indent=2))
        return
    for user in found:
        out().print(_show(user))
    if not found:
        out().print("还没有用户；用 biopolicy users create 创建")


@users.command()
def departments() -> None:
    """列出政策条款中的责任单位：审核人员只能分配到这些部门。"""
    for name in accounts.departments(current_library().corpus):
        click.echo(name)
