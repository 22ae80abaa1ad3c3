"""The command line: ``biopolicy <command>``, a thin shell around the services.

Commands live in their own modules and are registered in ``COMMANDS`` by one line,
``"name": "module:attribute"``. A command's module is imported only when that command runs (or
help is shown), so command modules may import helpers from ``biopolicy.cli.common`` freely and
start-up stays fast.

Errors are mapped here once for every command: ``NotFound`` exits 1, a bad query or bad usage
exits 2, an error of ours exits 3; each with a Chinese message and no stack trace
(set BIOPOLICY_DEBUG=1 to see it).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from biopolicy.cli.common import (
    CliError,
    HelpFormatterZh,
    UsageErrorZh,
    load_error_hint,
    translate_usage_error,
)
from biopolicy.domain.case import CaseError
from biopolicy.services.calculator import RulesError
from biopolicy.services.library import NotFound, QueryError

__all__ = ["COMMANDS", "USER_ERRORS", "cli", "main"]

# name -> "module:attribute" of a click command. Add a command with one line here.
COMMANDS: dict[str, str] = {
    "documents": "biopolicy.cli.library:documents",
    "show": "biopolicy.cli.library:show",
    "search": "biopolicy.cli.library:search",
    "measures": "biopolicy.cli.rules:measures",
    "assess": "biopolicy.cli.rules:assess",
    "check": "biopolicy.cli.check:check",
    "add-document": "biopolicy.cli.onboard:add_document",
    "db": "biopolicy.cli.db:db",
    "audit": "biopolicy.cli.audit:audit",
    "admin": "biopolicy.cli.admin:admin",
    "users": "biopolicy.cli.users:users",
    "simulate": "biopolicy.cli.simulate:simulate",
    "watchlist": "biopolicy.cli.watchlist:watchlist",
    "notify": "biopolicy.cli.notify:notify",
    "outbox": "biopolicy.cli.notify:outbox",
    "catalogues": "biopolicy.cli.catalogues:catalogues",
    "requests": "biopolicy.cli.requests:requests",
    "targets": "biopolicy.cli.requests:targets",
    "budgets": "biopolicy.cli.fulfilment:budgets",
    "proactive": "biopolicy.cli.fulfilment:proactive",
    "credit": "biopolicy.cli.fulfilment:credit",
}

# Domain errors a user can cause, and the exit code each gives.
# RulesError: content that cannot be used at all (the event catalogue, categories or places file);
# each problem names the file and field; a bad measures.yaml only skips its document.
USER_ERRORS: dict[type[Exception], int] = {NotFound: 1, QueryError: 2, CaseError: 2, RulesError: 1}

INTERNAL_EXIT = 3

# every command's help (each makes its own click.Context) in Chinese; only this process runs click
click.Context.formatter_class = HelpFormatterZh


class LazyGroup(click.Group):
    """A group whose commands come from ``COMMANDS`` and whose errors are Chinese messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            names = "、".join(self.list_commands(ctx))
            raise UsageErrorZh(f"没有命令 {args[0]}；可用的命令：{names}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a subcommand's bad argument or option
            raise translate_usage_error(exc) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place errors become messages
            raise _as_cli_error(exc, ctx) from exc

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # shows the help, which is what a bare `biopolicy` asks for
        except click.UsageError as exc:  # a bad option of the group itself, outside invoke
            raise translate_usage_error(exc) from exc


def _as_cli_error(exc: Exception, ctx: click.Context) -> click.ClickException:
    for kind, code in USER_ERRORS.items():
        if isinstance(exc, kind):
            hint = load_error_hint(ctx) if isinstance(exc, NotFound) else ""
            return CliError(f"{exc}{hint}", exit_code=code)
    if os.environ.get("BIOPOLICY_DEBUG"):
        raise exc
    return CliError(
        f"内部错误（{type(exc).__name__}: {exc}）。这是程序的问题，不是输入的问题；"
        "设置环境变量 BIOPOLICY_DEBUG=1 重新运行可看到完整出错信息，请一并报告。",
        exit_code=INTERNAL_EXIT,
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="biopolicy", message="biopolicy %(version)s", help="显示版本号并退出。")
def cli() -> None:
    """福建、厦门、福州生物医药产业政策：政策库检索、规则与测算。

    每个命令加 --json 输出与 JSON 接口（/api/v1）相同的内容。
    """


def main() -> None:
    """Console entry point (``biopolicy``)."""
    cli(prog_name="biopolicy")
