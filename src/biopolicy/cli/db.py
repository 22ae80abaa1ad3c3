"""``biopolicy db upgrade|downgrade|current``: the database schema (Alembic migrations).

The database is the settings' (``BIOPOLICY_DATABASE_URL``, else ``data/biopolicy.sqlite3``) or
``--database-url``. ``make run`` runs ``biopolicy db upgrade`` before serving.
"""

from __future__ import annotations

import click

from biopolicy.cli.common import CliError, out
from biopolicy.services import database as dbs

url_option = click.option(
    "--database-url",
    "url",
    default=None,
    metavar="URL",
    help="数据库地址；默认取 BIOPOLICY_DATABASE_URL 或数据文件夹中的 SQLite 文件",
)


@click.group()
def db() -> None:
    """数据库结构：升级、降级、查看当前版本。"""


@db.command()
@click.argument("revision", default="head")
@url_option
def upgrade(revision: str, url: str | None) -> None:
    """把数据库升级到 REVISION（默认最新）；数据库或 SQLite 文件不存在时创建。"""
    before = dbs.status(url)
    after = dbs.upgrade(revision, url)
    if before.current == after.current:
        out().print(f"数据库 {after.url} 已是版本 {after.current}，无需升级")
    else:
        out().print(f"数据库 {after.url}：{before.current or '空库'} → {after.current}")


@db.command()
@click.argument("revision")
@click.option("--yes", is_flag=True, help="确认执行会丢失数据的降级")
@url_option
def downgrade(revision: str, yes: bool, url: str | None) -> None:
    """把数据库降级到 REVISION（如 -1 退一步、base 清空）；会丢失数据时须加 --yes。"""
    lost = dbs.data_lost_by_downgrade(revision, url)
    if lost and not yes:
        lines = "\n".join(f"  {rev}：{what}" for rev, what in lost)
        raise CliError(f"此降级会丢失数据：\n{lines}\n确认无误后加 --yes 重新运行", exit_code=1)
    before = dbs.status(url)
    after = dbs.downgrade(revision, url)
    out().print(f"数据库 {after.url}：{before.current} → {after.current or '空库'}")


@db.command()
@url_option
def current(url: str | None) -> None:
    """显示数据库当前的结构版本与最新版本。"""
    s = dbs.status(url)
    state = "已是最新" if s.up_to_date else "需要升级：运行 biopolicy db upgrade"
    out().print(f"数据库 {s.url}：当前版本 {s.current or '空库'}，最新版本 {s.head}（{state}）")
