"""``biopolicy audit verify``: recompute the audit trail's hash chain (exit 1 when it is broken)."""

from __future__ import annotations

import json

import click

from biopolicy.cli.common import CliError, out
from biopolicy.services import audit as audit_service


@click.group()
def audit() -> None:
    """审计记录：校验哈希链。"""


@audit.command()
@click.option("--database-url", "url", default=None, metavar="URL", help="数据库地址；默认取设置中的数据库")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def verify(url: str | None, as_json: bool) -> None:
    """逐条重算审计记录的哈希链；有记录被改动、删除或未按顺序插入时指出第一条并以状态 1 退出。"""
    report = audit_service.verify(url)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
        if not report.ok:
            raise click.exceptions.Exit(1)
        return
    if not report.ok:
        raise CliError(f"审计记录校验失败：{report.problem}", exit_code=1)
    if report.rows == 0:
        out().print("审计记录为空，无需校验")
    else:
        out().print(
            f"审计记录完好：共 {report.rows} 条，最后一条为第 {report.head_seq} 条，哈希 {report.head_hash}"
        )
        out().print("（请把这条哈希另行保存：只有对照它才能发现末尾的记录被删去）")
