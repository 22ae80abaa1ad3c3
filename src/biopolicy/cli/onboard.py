"""``biopolicy add-document SOURCE.txt --id ID``: onboard a policy document without Python.

Shows what the parser read (the clause tree, the amounts and rates of each clause, the repairs and
any layout it could not read) and writes document.yaml and drafts of measures.yaml and tests.yaml,
each draft marked for the analyst to complete. ``biopolicy check`` refuses drafts until completed.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from biopolicy.cli.common import ChoiceZh, CliError, out
from biopolicy.services.onboarding import OnboardingError
from biopolicy.services.onboarding import add_document as onboard


@click.command("add-document")
@click.argument("source", metavar="SOURCE.txt", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "doc_id", required=True, metavar="ID", help="文件编号（目录名），如 jj-2025-3")
@click.option(
    "--policies",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="政策文件夹；默认为 BIOPOLICY_POLICIES 或仓库的 policies/",
)
@click.option(
    "--structure",
    type=ChoiceZh({"official": "通知+措施", "interpretation": "政策解读", "plan": "规划"}),
    default="official",
    help="文件结构：official 通知+措施（默认）、interpretation 政策解读、plan 规划",
)
@click.option(
    "--layout",
    type=ChoiceZh({"wrapped": "一段跨多行", "lines": "一行一段"}),
    default="wrapped",
    help="版式：wrapped（一段跨多行，默认）或 lines（一行一段）",
)
@click.option("--force", is_flag=True, help="目录已存在时覆盖 document.yaml 和草稿")
def add_document(
    source: Path, doc_id: str, policies: Path | None, structure: str, layout: str, force: bool
) -> None:
    """收录一份政策文件：复制原文、解析条款、写出 document.yaml，并起草 measures.yaml 和 tests.yaml。"""
    if policies is None:
        from biopolicy.settings import get_settings

        policies = get_settings().policies
    try:
        done = onboard(source, doc_id, policies, structure=structure, layout=layout, force=force)
    except OnboardingError as exc:
        raise CliError(str(exc), exit_code=2) from None
    doc = done.document
    console = out()
    console.print(f"[bold]{doc.title}[/]（{doc.id}）")
    console.print(Text(f"文号：{doc.number or '未识别（可在 document.yaml 的 number 中写明）'}"))
    console.print(
        Text(f"发文机关：{'、'.join(doc.issuers) or '未识别（可在 document.yaml 的 issuers 中写明）'}")
    )
    window = f"{doc.in_force_from or '?'} 至 {doc.in_force_to or '未载明'}"
    console.print(Text(f"有效期：{window}" + (f"（{doc.in_force_note}）" if doc.in_force_note else "")))
    console.print(Text(f"措施的适用地点（取自发文机关）：{'、'.join(done.places) or '未识别'}"))
    for r in doc.repairs:
        console.print(Text(f"文本修复：{r}"), style="dim")
    for w in doc.warnings:
        console.print(Text(f"⚠ 未能识别的版式：{w}"), style="yellow")
    console.print("\n[bold]条款树[/]（金额和比例附在条款后）")
    for c in doc.clauses:
        depth = _depth(doc, c)
        figures = "、".join(f.text for f in c.facts if f.kind.value in ("money", "percent", "ratio"))
        head = " ".join(x for x in (c.label, c.title or c.text.split("\n", 1)[0][:24]) if x)
        line = f"{'  ' * depth}{c.id}  {head}" + (f"  〔{figures}〕" if figures else "")
        console.print(Text(line))
    console.print(f"\n[bold]起草了 {len(done.measures)} 项措施[/]（每项标有 draft:，补全后删除该行）：")
    for m in done.measures:
        console.print(Text(f"  {m['id']}  {m['title']}  金额：{_amount(m['amount'])}"))
    if not done.measures:
        console.print("  [yellow]没有找到写明金额或比例的奖补条款[/]")
    console.print("\n已写出：")
    for path in done.written:
        console.print(Text(f"  {path}"))
    console.print("下一步：补全 measures.yaml 和 tests.yaml 中的草稿，然后运行 biopolicy check。")


def _depth(doc, clause) -> int:
    depth, parent = 0, clause.parent_id
    by_id = {c.id: c for c in doc.clauses}
    while parent is not None and parent in by_id:
        depth += 1
        parent = by_id[parent].parent_id
    return depth


def _amount(amount: dict) -> str:
    return "，".join(f"{k}={v}" for k, v in amount.items())
