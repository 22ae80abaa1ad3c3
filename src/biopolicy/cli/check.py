"""``biopolicy check [--policies DIR]``: load, validate and test a policies folder, for the analyst.

Reports per document: whether its text loaded, whether its measures loaded (each problem names the
file, the measure and the field), each named case of its tests.yaml, the coverage check (every
clause stating a reward amount is encoded or listed with a reason) and the relations check (measures
of other documents on the same event type, declared or listed as independent). Exits 1 when anything
fails. ``-q`` prints only the problems and the summary line.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from biopolicy.cli.common import emit_json, json_option, out
from biopolicy.services.checks import run_checks


@click.command()
@click.option(
    "--policies",
    "policies",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="要检查的政策文件夹；默认为 BIOPOLICY_POLICIES 或仓库的 policies/",
)
@click.option("--quiet", "-q", is_flag=True, help="只列出问题和最后的汇总行，不列通过的文件和用例")
@json_option
def check(policies: Path | None, quiet: bool, as_json: bool) -> None:
    """检查政策文件夹：载入、校验措施、运行每个 tests.yaml 的用例和覆盖检查，逐个文件报告。"""
    report = run_checks(policies)
    if as_json:
        emit_json(report)
    else:
        _print(report, quiet)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _print(report, quiet: bool) -> None:
    """Per document: a line, then its problems; ``quiet`` leaves out what passed (documents, cases)."""
    console = out()
    if not quiet:
        console.print(f"[bold]检查政策文件夹[/] {report.policies}")
    for problem in report.general:
        console.print(Text(f"  ✘ {problem}"), style="red")
    for d in report.documents:
        if quiet and d.ok:
            continue
        mark = "[green]✔[/]" if d.ok else "[red]✘[/]"
        passed = sum(1 for c in d.cases if not c.problems)
        console.print(
            f"\n{mark} [bold]{d.doc_id}[/]　措施 {d.measures} 项　用例 {passed}/{len(d.cases)} 通过"
            + ("" if d.coverage else "　覆盖检查通过")
        )
        for e in d.load_errors:
            console.print(Text(f"  ✘ 文件未能载入：{e}"), style="red")
        if d.rule_errors:
            console.print("  [red]✘ 措施未能载入，本文件暂不参与测算（其余文件照常可用）：[/]")
            for e in d.rule_errors:
                console.print(Text(f"    · {e}"))
        for c in d.cases:
            if c.problems:
                console.print(Text(f"  ✘ 用例“{c.name}”（{c.file}）："), style="red")
                for p in c.problems:
                    console.print(Text(f"    · {p}"))
            elif not quiet:
                console.print(Text(f"  ✔ 用例“{c.name}”"))
        for p in d.coverage:
            console.print(Text(f"  ✘ 覆盖检查：{p}"), style="red")
        for p in d.guides:
            console.print(Text(f"  ✘ 申兑指南：{p}"), style="red")
        for p in d.relations:
            console.print(Text(f"  ✘ 与其他文件的关系：{p}"), style="red")
    cases = report.passed_cases + report.failed_cases
    failed_docs = [d.doc_id for d in report.documents if not d.ok]
    summary = f"\n{report.policies}：" if quiet else "\n"
    summary += f"共 {len(report.documents)} 份文件，用例 {report.passed_cases}/{cases} 通过"
    if report.ok:
        console.print(summary + "；全部通过。", style="green")
    else:
        console.print(summary + f"；未通过：{'、'.join(failed_docs) or '（见上）'}。", style="red")
