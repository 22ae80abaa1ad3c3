"""biopolicy watchlist: import products and milestones onto the 在研在审清单, assign service officers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from biopolicy.cli.admin import actor, url_option
from biopolicy.cli.common import CliError, out
from biopolicy.services import watchlist as wl
from biopolicy.services import watchlist_import
from biopolicy.services.database import unit_of_work
from biopolicy.services.organisations import OrganisationError


@click.group()
def watchlist() -> None:
    """在研在审清单：导入产品与里程碑、分配服务专员。"""


@watchlist.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all-or-nothing", is_flag=True, help="任何一行有问题就一行也不导入（默认导入没有问题的行）")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def import_watchlist(file: Path, all_or_nothing: bool, url: str | None, as_json: bool) -> None:
    """从 CSV 或 XLSX 文件导入清单产品和里程碑（每行一个里程碑）；有问题的行逐行列出。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            report = watchlist_import.import_file(
                uow,
                wl.command_line_principal(who),
                file,
                today=dt.date.today(),
                all_or_nothing=all_or_nothing,
            )
    except OrganisationError as exc:
        raise CliError(str(exc), exit_code=2) from None
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            out().print(f"  {problem}")
        out().print(report.summary)
    if report.problems:
        raise click.exceptions.Exit(1)


@watchlist.command("assign")
@click.argument("product_id", type=int)
@click.argument("login")
@url_option
def assign(product_id: int, login: str, url: str | None) -> None:
    """把产品（编号）分配给服务专员（登录名）。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            wl.assign_officer(uow, wl.command_line_principal(who), product_id, login)
    except (wl.WatchlistError, wl.ProductNotFound) as exc:
        raise CliError(str(exc), exit_code=2) from None
    out().print(f"已将产品 {product_id} 分配给服务专员 {login}")
