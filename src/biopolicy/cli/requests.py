"""biopolicy requests / targets: escalate overdue enterprise requests; import actual values of targets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from biopolicy.cli.admin import actor, url_option
from biopolicy.cli.common import CliError, out
from biopolicy.services import requests as rq
from biopolicy.services import targets as tg
from biopolicy.services.database import unit_of_work
from biopolicy.services.organisations import OrganisationError
from biopolicy.services.watchlist import command_line_principal


@click.group()
def requests() -> None:
    """企业诉求：逾期未答复的提请统筹协调。"""


@requests.command("escalate")
@click.option("--on", "on", default=None, help="按哪一天计算（YYYY-MM-DD，默认今天）")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def escalate(on: str | None, url: str | None, as_json: bool) -> None:
    """把超过答复期限仍未答复的诉求提请统筹协调部门（可重复运行，已提请的不再重复）。"""
    try:
        day = dt.date.fromisoformat(on) if on else dt.date.today()
    except ValueError:
        raise CliError(f"--on：“{on}”不是日期，应写作 YYYY-MM-DD", exit_code=2) from None
    with unit_of_work(actor=actor(), url=url) as uow:
        report = rq.escalate_due(uow, day)
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    coordinator = rq.get_routing().coordinator.department
    if report.escalated:
        ids = "、".join(str(i) for i in report.escalated)
        out().print(f"已将 {len(report.escalated)} 件逾期未答复的诉求（编号 {ids}）提请{coordinator}统筹协调")
    else:
        out().print("没有新的逾期未答复诉求")
    if report.already:
        out().print(f"另有 {report.already} 件此前已提请统筹协调")


@click.group()
def targets() -> None:
    """目标：导入年度实际值。"""


@targets.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all-or-nothing", is_flag=True, help="任何一行有问题就一行也不导入")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def import_targets(file: Path, all_or_nothing: bool, url: str | None, as_json: bool) -> None:
    """从 CSV 或 XLSX 导入目标实际值（列：目标、年份、实际值、来源）；有问题的行逐行列出。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            report = tg.import_actuals(
                uow, command_line_principal(who), file, dt.date.today(), all_or_nothing=all_or_nothing
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
