"""``biopolicy budgets …`` and ``biopolicy proactive …``: finance's budgets and the administrator's
免申即享 import from the command line (whoever can run it can reach the database: the command line
acts as finance for budgets and as the administrator for imports). Changes are audited with the actor
``cli:<login>``; each run is one request with its own idempotency key.

- ``budgets set MEASURE YEAR LEVEL AMOUNT [--note]``  set or change a budget (queued approvals are
  released in order when it grows); exit 2 on bad input, nothing written
- ``budgets list``                                  committed, paid, remaining and queued per budget
- ``proactive import FILE``                         records the government holds → proposed awards;
  unmatched, repeated and bad rows are listed by line (exit 1 when there are any)
- ``credit import FILE --source TEXT``              load the 失信 list finance's credit check reads;
  bad lines are named and nothing is stored (exit 2); codes already listed are kept
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from pathlib import Path

import click

from biopolicy.cli.admin import actor, url_option
from biopolicy.cli.common import ChoiceZh, CliError, IntRange, measure_names, out
from biopolicy.domain.money import decimal_str
from biopolicy.services import applications as apps
from biopolicy.services import budgets as budget_service
from biopolicy.services import proactive as proactive_service
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.services.wording import yuan


def _yuan(value: Decimal) -> str:
    return yuan(Decimal(decimal_str(value)))


@click.group()
def budgets() -> None:
    """预算：按措施、年度和出资层级设定；查看已承诺、已支付、余额和排队。"""


# budgets set's arguments as the user types them (the codes) and as messages name them
LEVELS = ChoiceZh(dict(apps.LEVEL_WORDS))
FIELDS = {
    "measure_id": "措施编号",
    "fiscal_year": "年度",
    "level": "出资层级",
    "amount": "金额",
    "note": "说明（--note）",
}


def _problem(text: str) -> str:
    """A service problem ("amount：…") with the field named in words, and a level's word before its
    code: "level：此措施由 city（市级） 出资，收到 'province'" → "出资层级：此措施由市级（city）出资，收到省级（province）"."""
    field, sep, rest = text.partition("：")
    if not sep or field not in FIELDS:
        return text
    if field == "level":
        rest = re.sub(r" ?([a-z_]+)（([^）]+)） ?", r"\2（\1）", rest)
        rest = re.sub(r"收到 '([a-z_]+)'", lambda m: f"收到{apps.LEVEL_WORDS.get(m[1], '')}（{m[1]}）", rest)
    return f"{FIELDS[field]}：{rest}"


@budgets.command("set")
@click.argument("measure_id", metavar="措施编号")
@click.argument(
    "fiscal_year", type=IntRange(budget_service.FIRST_YEAR, budget_service.LAST_YEAR), metavar="年度"
)
@click.argument("level", type=LEVELS, metavar="出资层级")
@click.argument("amount", metavar="金额")
@click.option("--note", default="", help="说明，如预算文号")
@url_option
def set_budget(
    measure_id: str, fiscal_year: int, level: str, amount: str, note: str, url: str | None
) -> None:
    """设定或调整一项预算（金额以元计）；增加时，排队的申报按核定先后依次放行。

    措施编号见 biopolicy budgets list 或 biopolicy measures，如 xm-2023/m1-clinical；出资层级为
    national（国家级）、province（省级）、city（市级）或 district（区级）。
    """
    calculator = get_calculator()
    who = actor()
    try:
        with unit_of_work(actor=who, url=url) as uow:
            got = budget_service.set_budget(
                uow,
                budget_service.command_line_principal(who),
                calculator,
                measure_id,
                fiscal_year,
                level,
                amount,
                f"cli-{uuid.uuid4().hex}",
                note=note,
            )
    except apps.ApplicationError as exc:
        raise CliError("；".join(_problem(p) for p in exc.problems), exit_code=2) from None
    released = "、".join(str(i) for i in got["released"])
    out().print(
        f"已设定预算：“{measure_names(calculator)[measure_id]}” {fiscal_year} 年度 {apps.LEVEL_WORDS[level]} "
        f"{_yuan(Decimal(got['amount']))}" + (f"；依次放行排队的申报（编号 {released}）" if released else "")
    )


@budgets.command("list")
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def list_budgets(url: str | None, as_json: bool) -> None:
    """列出预算：已承诺、已支付、余额、排队。"""
    who = actor()
    with unit_of_work(actor=who, url=url, read_only=True) as uow:
        rows = budget_service.overview(uow, budget_service.command_line_principal(who), get_calculator())
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    names = measure_names(get_calculator())
    for r in rows:
        out().print(
            f"“{names.get(r.measure_id, r.measure_title)}”（措施编号 {r.measure_id}，{r.fiscal_year} 年度，"
            f"{r.level_label}）：预算 {_yuan(r.amount)}，"
            f"已承诺 {_yuan(r.committed)}，已支付 {_yuan(r.paid)}，余额 {_yuan(r.remaining)}，"
            f"排队 {len(r.queue)} 项 {_yuan(r.queued)}"
        )
    out().print(f"共 {len(rows)} 项预算")


@click.group()
def proactive() -> None:
    """免申即享：导入政府已掌握的数据，生成奖励建议供企业确认。"""


@proactive.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@url_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def import_records(file: Path, url: str | None, as_json: bool) -> None:
    """从 CSV 或 XLSX 文件导入记录（列见 docs/proactive.md）；未匹配、重复和有问题的行逐行列出。"""
    try:
        with unit_of_work(actor=actor(), url=url) as uow:
            report = proactive_service.import_file(uow, None, get_calculator(), file, actor=actor())
    except apps.ApplicationError as exc:
        raise CliError("；".join(exc.problems), exit_code=2) from None
    if as_json:
        click.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        for title, lines in (
            ("未匹配机构", report.unmatched),
            ("重复", report.repeated),
            ("有问题", report.problems),
        ):
            for line in lines:
                out().print(f"  {title}：{line}")
        out().print(report.summary())
    if report.unmatched or report.repeated or report.problems:
        raise click.exceptions.Exit(1)


@click.group()
def credit() -> None:
    """失信名单：导入后，财务每次支付前的信用核查据此判断。"""


@credit.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="名单来源，如“信用中国 2026-11”")
@url_option
def import_credit_list(file: Path, source: str, url: str | None) -> None:
    """从 CSV 或 XLSX 文件导入失信名单（列：统一社会信用代码，可选 名称、列入日期）。"""
    try:
        rows = apps.read_blacklist(file)
        with unit_of_work(actor=actor(), url=url) as uow:
            added = apps.import_blacklist(uow, rows, source.strip() or file.name)
    except apps.ApplicationError as exc:
        raise CliError("；".join(exc.problems), exit_code=2) from None
    out().print(f"失信名单：新增 {added} 家，已在名单 {len(rows) - added} 家（来源：{source}）")
