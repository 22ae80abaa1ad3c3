"""Rules commands: ``measures`` lists the encoded measures, ``assess CASE.json`` explains a case.

Each builds the same model as its API twin (``GET /api/v1/measures``, ``POST /api/v1/assess``):
``--json`` prints it, otherwise it is an explanation in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import click

from biopolicy.cli.common import CliError, emit_json, json_option, measure_names, out
from biopolicy.domain.assessment import Assessment, Eligibility, Entitlement
from biopolicy.services.calculator import get_calculator
from biopolicy.services.describe import is_table
from biopolicy.services.models import MeasureList, MeasureOut
from biopolicy.services.wording import Names, kind_word, yuan

MARKS = {
    Eligibility.yes: "[green]✔ 适用[/]",
    Eligibility.no: "[red]✘ 不适用[/]",
    Eligibility.unknown: "[yellow]? 待定[/]",
}


@click.command()
@click.option("--doc", "doc_id", default=None, metavar="ID", help="只列出这份文件的措施，如 xm-2023")
@json_option
def measures(doc_id: str | None, as_json: bool) -> None:
    """列出已编码的措施（编号、名称、奖励的成果、金额形式、所引条款）。"""
    calc = get_calculator()
    rules = calc.rules
    found = calc.measures(doc_id)
    if as_json:
        emit_json(
            MeasureList(
                rules_version=rules.version,
                measures=[MeasureOut.of(m, rules.window(m), rules.caps, rules.overlaps) for m in found],
            )
        )
        return
    console = out()
    console.print(f"[bold]已编码的措施[/]（{len(found)} 项，规则版本 {rules.version}）")
    for m in found:
        kinds = {spec.kind.value for spec in m.amount_specs()}
        shape = "分档" if is_table(m) else ""
        amount = shape + "、".join(kind_word(k) for k in sorted(kinds))
        console.print(f"\n[bold]{m.id}[/] {m.title}")
        event = calc.catalogue.events[m.event].label
        console.print(f"  奖励的成果：{event}　金额：{amount}　条款：{'、'.join(m.clauses)}")


@click.command()
@click.argument("case_file", metavar="CASE.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="查询日，覆盖案例中的 as_of")
@json_option
def assess(case_file: Path, as_of: str | None, as_json: bool) -> None:
    """测算一个案例：每项成果适用哪些措施、最高可得多少、为什么，逐步引用条款。"""
    data = _read_case(case_file)
    day = _parse_date(as_of) if as_of else None
    calc = get_calculator()
    result = calc.assess(data, as_of=day)
    if as_json:
        emit_json(result)
    else:
        explain(result, measure_names(calc), calc.names)


def _read_case(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"找不到案例文件 {path}", exit_code=2) from None
    except UnicodeDecodeError:
        raise CliError(f"案例文件 {path} 不是 UTF-8 编码的文本", exit_code=2) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"案例文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}", 2
        ) from None


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of 应为 YYYY-MM-DD 格式的日期，收到 {text!r}", exit_code=2) from None


def explain(a: Assessment, titles: dict[str, str] | None = None, names: Names | None = None) -> None:
    """The assessment in words: measures by their titles, clauses by their documents' short names."""
    console = out()
    console.print(f"[bold]申请人：{a.applicant}[/]　查询日：{a.as_of}　规则版本：{a.rules_version}")
    if not a.covered:
        console.print(a.coverage_note)
        return
    for event_id in dict.fromkeys(e.event_id for e in a.entitlements):
        group = [e for e in a.entitlements if e.event_id == event_id]
        planned = "（计划中）" if group[0].planned else ""
        console.print(f"\n[bold]成果 {event_id}[/]（{group[0].event_date}）{planned}")
        for e in sorted(group, key=lambda e: list(Eligibility).index(e.eligibility)):
            _entitlement(console, e, titles or {}, names or Names())
    console.print("\n[bold]合计[/]")
    for t in a.totals:
        label = "总计" if t.year is None else f"{t.year}年"
        parts = [f"最高可得 {yuan(t.max_obtainable)}，其中确定 {yuan(t.exact)}"]
        if t.at_least:
            parts.append(f"另有至少 {yuan(t.at_least)}")
        if t.unknown_measures:
            parts.append(f"金额无法算出：{'、'.join(t.unknown_measures)}")
        if t.unresolved_overlaps:
            parts.append(f"待定的就高不重复：{'、'.join(t.unresolved_overlaps)}（只计其中一方）")
        console.print(f"  {label}：" + "；".join(parts))
    for note in a.notes:
        console.print(f"  注：{note}")


def _entitlement(console, e: Entitlement, titles: dict[str, str], names: Names) -> None:  # noqa: ANN001
    head = f"  {MARKS[e.eligibility]} “{titles.get(e.measure_id, e.measure_title)}”"
    if e.eligibility == Eligibility.no:
        console.print(f"{head} — {e.reason}")
        return
    console.print(f"{head} — {_amount(e)}")
    for step in e.steps:
        cited = "、".join(dict.fromkeys(names.clause(c).rstrip("、，．. ") for c in step.clauses))
        console.print(f"      · {step.text}  [dim]〔{cited}〕[/]")
    if e.missing:
        console.print(f"      [yellow]还需提供：{'、'.join(str(m) for m in e.missing)}[/]")
    for note in e.notes:
        console.print(f"      [italic]解读：{note.text}[/]")


def _amount(e: Entitlement) -> str:
    value = e.amount.value
    word = kind_word(e.amount.kind)
    if value is None:
        ceiling = f"（原文上限 {yuan(Decimal(e.amount.ceiling))}）" if e.amount.ceiling else ""
        return word + ceiling
    return f"{word} {yuan(Decimal(value))}"
