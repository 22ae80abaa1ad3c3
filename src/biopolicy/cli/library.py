"""Library commands: ``documents``, ``show ID``, ``search QUERY``.

Each builds the same schema model as its API twin: ``--json`` prints it, otherwise it is rendered
for people, in Chinese.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import click
from rich import box
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from biopolicy.cli.common import (
    IntRange,
    current_calculator,
    current_library,
    emit_json,
    err,
    json_option,
    out,
)
from biopolicy.domain import Clause, ClauseKind, Document, Fact, FactBound, FactKind
from biopolicy.services.library import DEFAULT_LIMIT, MAX_LIMIT, Library
from biopolicy.services.models import (
    ClauseOut,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    SearchHitOut,
    SearchResults,
    decimal_string,
)
from biopolicy.services.wording import yuan

KIND_NAMES = {
    ClauseKind.notice: "通知",
    ClauseKind.preamble: "序言",
    ClauseKind.section: "章节",
    ClauseKind.subsection: "小节",
    ClauseKind.measure: "措施",
    ClauseKind.paragraph: "段落",
    ClauseKind.item: "条目",
    ClauseKind.closing: "附则",
    ClauseKind.interpretation: "解读",
    ClauseKind.box: "专栏",
    ClauseKind.table: "图表",
    ClauseKind.heading: "标题",
}
FACT_KIND_NAMES = {
    FactKind.money: "金额",
    FactKind.percent: "比例",
    FactKind.count: "数量",
    FactKind.duration: "期限",
    FactKind.ratio: "配比",
}
BOUND_NAMES = {FactBound.exact: "", FactBound.max: "最高", FactBound.min: "不少于", FactBound.approx: "约"}
LOAD_FAILED_EXIT = 1


@click.command()
@json_option
def documents(as_json: bool) -> None:
    """列出政策文件（编号、标题、文号、发布日期、有效期）。有文件未能载入时给出警告并以 1 退出。"""
    library = current_library()
    model = DocumentList.of(library.documents(), library.errors(), current_calculator().skipped)
    if as_json:
        emit_json(model)
    else:
        out().print(documents_table(model.documents))
    if model.errors:
        console = err()
        rest = "其余文件照常可用" if model.documents else "没有载入任何文件"
        console.print(f"警告：有 {len(model.errors)} 份文件未能载入，{rest}：", style="yellow")
        for e in model.errors:
            console.print(Text(f"  {e.path}：{e.message}"))
    if model.rule_errors:
        console = err()
        files = sorted({e.path for e in model.rule_errors})
        console.print(
            f"警告：有 {len(files)} 份文件的措施未能载入，这些文件暂不参与测算，其余文件照常可用：",
            style="yellow",
        )
        for e in model.rule_errors:
            console.print(Text(f"  {e.message}"))
    if model.errors or model.rule_errors:
        raise click.exceptions.Exit(LOAD_FAILED_EXIT)


@click.command()
@click.argument("ident", metavar="ID")
@click.option("--full", is_flag=True, help="显示文件全文（仅对文件有效）")
@json_option
def show(ident: str, full: bool, as_json: bool) -> None:
    """显示一份文件（如 xm-2023）或一个条款（如 xm-2023/m16）。"""
    library = current_library()
    found = library.get(ident)
    if isinstance(found, Document):
        if as_json:
            emit_json(DocumentOut.of(found))
        else:
            print_document(found, full)
        return
    children = library.children(found.id)
    if as_json:
        emit_json(ClauseOut.of(found, children))
    else:
        print_clause(found, library.document(found.doc_id), children)


@click.command()
@click.argument("query")
@click.option(
    "--limit", type=IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True, help="最多显示多少条"
)
@click.option("--doc", "doc_id", metavar="ID", help="只检索这一份文件，如 xm-2025-1")
@json_option
def search(query: str, limit: int, doc_id: str | None, as_json: bool) -> None:
    """检索条款，按相关度排列，命中处加粗。"""
    library = current_library()
    hits = library.search(query, limit=limit, doc_id=doc_id)
    model = SearchResults.of(query, doc_id, limit, hits, library.clause)
    if as_json:
        emit_json(model)
    else:
        print_hits(model, library)


# --- rendering for people --------------------------------------------------------------------


def in_force(doc: DocumentSummary | Document) -> str:
    """The window in force; the note, which says how it was read, is shown by ``show``."""
    start, end = doc.in_force_from, doc.in_force_to
    if start and end:
        return f"{start}\n至 {end}"
    if start:
        return f"{start} 起"
    if end:
        return f"至 {end}"
    return "未载明"


def documents_table(docs: list[DocumentSummary]) -> Table:
    # No vertical rules and wrapped titles: the table must still read in an 80-column terminal.
    table = Table(title=f"政策文件（{len(docs)} 份）", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("编号", no_wrap=True)
    table.add_column("标题", overflow="fold", ratio=1)
    table.add_column("文号", no_wrap=True)
    table.add_column("发布日期", no_wrap=True)
    table.add_column("有效期", no_wrap=True)
    for d in docs:
        table.add_row(d.id, d.title, d.number or "—", str(d.issued or "—"), in_force(d))
    return table


def print_document(doc: Document, full: bool) -> None:
    console = out()
    console.print(Text(doc.title, style="bold"))
    rows = [
        ("编号", doc.id),
        ("文号", doc.number),
        ("发文单位", "、".join(doc.issuers)),
        ("发布日期", doc.issued and str(doc.issued)),
        ("有效期", in_force(doc)),
        ("有效期说明", doc.in_force_note),
        ("引用文件", "、".join(doc.cites)),
        ("原文文件", doc.source_file),
        ("状态", f"已被取代（存档），取代它的是 {doc.superseded_by}" if doc.superseded_by else None),
    ]
    for name, value in rows:
        if value:
            console.print(Text(f"{name}：{value}"))
    if doc.repairs:
        console.print(Text(f"文本修复（{len(doc.repairs)} 处）：" + "；".join(doc.repairs)))
    console.print()
    if full:
        console.print(Text(doc.text))
        return
    console.print(clause_outline(doc))
    console.print(Text(f"查看条款全文：biopolicy show <条款编号>，如 biopolicy show {_example_clause(doc)}"))


def _example_clause(doc: Document) -> str:
    measures = [c for c in doc.clauses if c.kind == ClauseKind.measure]
    return (measures or doc.clauses)[0].id if doc.clauses else doc.id


def _headline(c: Clause) -> str:
    first_line = c.text.split("\n", 1)[0]
    name = c.title or (first_line[:30] + ("…" if len(first_line) > 30 else ""))
    return " ".join(part for part in (c.label, name) if part)


def clause_outline(doc: Document) -> Tree:
    tree = Tree(Text(f"条款（{len(doc.clauses)} 条）"))
    nodes: dict[str, Tree] = {}
    for c in doc.clauses:  # document order: a parent comes before its children
        parent = nodes.get(c.parent_id or "", tree)
        nodes[c.id] = parent.add(Text.assemble((c.id, "cyan"), "  ", _headline(c)))
    return tree


def print_clause(clause: Clause, doc: Document, children: list[Clause]) -> None:
    console = out()
    heading = " ".join(p for p in (clause.label, clause.title) if p)
    console.print(Text.assemble((clause.id, "bold cyan"), "  ", (heading, "bold")))
    where = f"所属文件：{doc.title}（{doc.id}）"
    if clause.parent_id:
        where += f"；上级条款：{clause.parent_id}"
    console.print(Text(f"{where}；类型：{KIND_NAMES.get(clause.kind, clause.kind)}"))
    console.print()
    console.print(Text(clause.text))
    console.print()
    units = "、".join(clause.responsible_units) if clause.responsible_units else "未写明"
    console.print(Text(f"责任单位：{units}"))
    if clause.facts:
        console.print(facts_table(clause.facts))
    else:
        console.print(Text("数字：无"))
    if children:
        console.print(Text("下级条款：" + "、".join(c.id for c in children)))


def fact_value(fact: Fact) -> str:
    """``最高 1000万元``, ``40%``, ``60 工作日``: the figure as a person reads it."""
    value = _amount(fact.value, fact.unit)
    if fact.value_to is not None:
        value = f"{value}～{_amount(fact.value_to, fact.unit)}"
    prefix = BOUND_NAMES.get(fact.bound, "")
    return f"{prefix} {value}".strip()


def _amount(value: Decimal, unit: str) -> str:
    if unit == "元":
        return yuan(value)
    return f"{decimal_string(value)}{unit}"


def facts_table(facts: list[Fact]) -> Table:
    table = Table(title="条款中的数字", title_justify="left")
    for name in ("原文", "类型", "数值", "位置"):
        table.add_column(name)
    for f in facts:
        table.add_row(f.text, FACT_KIND_NAMES.get(f.kind, f.kind), fact_value(f), f"{f.start}–{f.end}")
    return table


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def snippet_text(snippet: str) -> Text:
    """The API's HTML snippet as terminal text: <mark>ed matches in bold, entities unescaped."""
    text = Text()
    pos = 0
    for m in _MARK.finditer(snippet):
        text.append(html.unescape(snippet[pos : m.start()]))
        text.append(html.unescape(m.group(1)), style="bold")
        pos = m.end()
    text.append(html.unescape(snippet[pos:]))
    return text


def _hit_heading(hit: SearchHitOut, library: Library) -> str:
    """The hit's label and title; for an untitled paragraph, those of the clause it sits in."""
    own = " ".join(p for p in (hit.label, hit.title) if p)
    if own:
        return own
    parent_id = library.clause(hit.clause_id).parent_id
    if parent_id is None:
        return ""
    return f"（属于 {parent_id} {_headline(library.clause(parent_id))}）"


def print_hits(results: SearchResults, library: Library) -> None:
    console = out()
    scope = f"（仅 {results.doc}）" if results.doc else ""
    if not results.hits:
        console.print(Text(f"没有找到与“{results.query}”相关的条款{scope}。"))
        return
    console.print(Text(f"检索“{results.query}”{scope}：{len(results.hits)} 条结果，按相关度排列"))
    for rank, hit in enumerate(results.hits, start=1):
        heading = _hit_heading(hit, library)
        console.print()
        console.print(
            Text.assemble(
                f"{rank:>2}. ",
                (hit.clause_id, "bold cyan"),
                "  ",
                heading,
                (f"  相关度 {hit.score:.2f}", "dim"),
            )
        )
        console.print(Text("    ").append_text(snippet_text(hit.snippet)))
