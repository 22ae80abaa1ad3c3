"""biopolicy catalogues: the versions and entries of the lists the documents publish (administrators)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import click

from biopolicy.cli.admin import actor, url_option
from biopolicy.cli.common import CliError, out
from biopolicy.services import catalogues as cats
from biopolicy.services.database import unit_of_work
from biopolicy.services.library import get_library
from biopolicy.services.watchlist import command_line_principal


def _key() -> str:
    return f"cli-{secrets.token_hex(8)}"


def _refused(exc: Exception) -> CliError:
    return CliError(str(exc), exit_code=2)


@click.group()
def catalogues() -> None:
    """目录：新建版本、导入条目、公布（公布后开启医疗机构1个月内召开药事会的义务）。"""


@catalogues.command("list")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def list_catalogues(url: str | None, as_json: bool) -> None:
    """列出各目录、设立条款和版本。"""
    with unit_of_work(actor=actor(), url=url) as uow:
        items = cats.catalogue_list(uow, get_library().corpus)
    if as_json:
        click.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False, indent=2))
        return
    for c in items:
        versions = "；".join(f"{v.id} {v.label} {v.status_label}" for v in c.versions) or "尚无版本"
        out().print(f"{c.code}  {c.label}（{'、'.join(c.citations)}）：{versions}")


@catalogues.command("new")
@click.argument("code")
@click.argument("label")
@click.option("--note", default="", help="版本说明")
@url_option
def new_version(code: str, label: str, note: str, url: str | None) -> None:
    """新建目录 CODE 的版本 LABEL（草稿）。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            v = cats.create_version(
                uow, command_line_principal(who), get_library().corpus, code, label, note, key=_key()
            )
    except (cats.CatalogueError, cats.CatalogueNotFound) as exc:
        raise _refused(exc) from None
    out().print(f"已新建版本 {v['id']}：{v['catalogue_label']} {v['label']}（草稿）")


@catalogues.command("import")
@click.argument("version_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@url_option
def import_entries(version_id: int, file: Path, url: str | None) -> None:
    """从 CSV 或 XLSX 文件向草稿版本导入条目；任何一行有问题则一行也不导入。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            v = cats.import_entries(
                uow, command_line_principal(who), get_library().corpus, version_id, file.name, file.read_bytes(),
                key=_key(),
            )  # fmt: skip
    except (cats.CatalogueError, cats.CatalogueNotFound) as exc:
        raise _refused(exc) from None
    out().print(f"版本 {version_id} 现有 {len(v['entries'])} 个条目")


@catalogues.command("publish")
@click.argument("version_id", type=int)
@click.argument("published_on", type=click.DateTime(formats=["%Y-%m-%d"]))
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def publish(version_id: int, published_on: dt.datetime, url: str | None, as_json: bool) -> None:
    """公布版本（公布日期 YYYY-MM-DD，不晚于今天）；列出开启的义务和产品新进入目录的企业。"""
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            got = cats.publish(
                uow, command_line_principal(who), get_library().corpus, version_id, published_on.date(),
                today=dt.date.today(), key=_key(),
            )  # fmt: skip
    except (cats.CatalogueError, cats.CatalogueNotFound) as exc:
        raise _refused(exc) from None
    if as_json:
        click.echo(json.dumps(got, ensure_ascii=False, indent=2))
        return
    out().print(f"已公布：{got['version']['catalogue_label']} {got['version']['label']}")
    for d in got["opened"]:
        out().print(f"  开启义务：{d['title']}，{d['hospitals']} 家医疗机构，{d['due']} 前")
    for e in got["entered"]:
        out().print(f"  新进入目录：{e['name']}（{'、'.join(e['products'])}）")
