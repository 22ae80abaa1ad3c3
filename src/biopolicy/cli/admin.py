"""``biopolicy admin …``: what an administrator does from the command line.

``import-orgs FILE [--all-or-nothing]`` imports organisations from CSV or XLSX (columns in
docs/operations.md); ``orgs`` lists them. Changes are audited with the actor ``cli:<login>``.
Exit 0 when every row was imported, 1 when some row had a problem (each named by its line).
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from biopolicy.cli.common import ChoiceZh, CliError, IntRange, out
from biopolicy.services import organisations as orgs
from biopolicy.services.database import unit_of_work

url_option = click.option(
    "--database-url", "url", default=None, metavar="URL", help="数据库地址；默认取设置中的数据库"
)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (a container): still say it was the CLI
        return "cli"


@click.group()
def admin() -> None:
    """管理：导入与查看机构。"""


@admin.command("import-orgs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all-or-nothing", is_flag=True, help="任何一行有问题就一行也不导入（默认导入没有问题的行）")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def import_orgs(file: Path, all_or_nothing: bool, url: str | None, as_json: bool) -> None:
    """从 CSV 或 XLSX 文件导入机构；有问题的行逐行列出（第几行、哪一列、应为什么）。"""
    try:
        with unit_of_work(actor=actor(), url=url) as uow:
            report = orgs.import_file(uow, file, all_or_nothing=all_or_nothing)
    except orgs.OrganisationError as exc:
        raise CliError(str(exc), exit_code=2) from None
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            out().print(f"  {problem}")
        out().print(report.summary)
    if report.problems:
        raise click.exceptions.Exit(1)


@admin.command("orgs")
@click.option(
    "--kind",
    type=ChoiceZh({k.value: k.label for k in orgs.OrganisationKind}),
    default=None,
    help="机构类型：" + "、".join(f"{k.value}（{k.label}）" for k in orgs.OrganisationKind),
)
@click.option("--city", default=None, help="所在市，如 厦门市")
@click.option("--limit", type=IntRange(1, 10000), default=100, show_default=True, help="最多列出几家")
@url_option
def list_orgs(kind: str | None, city: str | None, limit: int, url: str | None) -> None:
    """列出已登记的机构。"""
    with unit_of_work(url=url, read_only=True) as uow:
        page = orgs.list_organisations(uow, kind=kind, city=city, limit=limit)
    for o in page.items:
        place = "".join(p for p in (o.city, o.district) if p)
        products = f"，产品 {len(o.products)} 个" if o.products else ""
        out().print(
            f"{o.id:>6}  {o.credit_code}  {o.name}（{o.kind_label}，{place or '未填所在地'}{products}）"
        )
    out().print(
        f"共 {page.total} 家" + (f"，列出前 {len(page.items)} 家" if page.total > len(page.items) else "")
    )
