"""测算单: an assessment as a file to keep, print or send: XLSX (openpyxl) and PDF (fpdf2).

Both hold the same things: the applicant, its kind and place, the day the case was assessed on
and the day the file was made, the rules version, then every entitlement that applies or may
apply (needs more facts) with its document's title and 文号, the clauses it rests on, the
achievement and its date, the amount and what kind of amount it is, and the disclaimer.

PDF: fpdf2 (pure Python; embeds the subset of the font it uses) with a CJK font from Debian
(fonts-wqy-microhei, installed by ``make browser-deps``; Noto CJK when present). WeasyPrint was
the alternative: it needs Pango and its native libraries, which are not installed here, for a
one-page table.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from biopolicy.domain.assessment import Assessment, Eligibility, Entitlement
from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.money import decimal_str, yuan
from biopolicy.services.calculator import Calculator
from biopolicy.services.library import Library

__all__ = ["DISCLAIMER", "CJK_FONTS", "ExportUnavailable", "Sheet", "sheet_of", "to_pdf", "to_xlsx"]

DISCLAIMER = "测算结果为依据政策原文给出的参考，不是承诺；能否享受及具体金额以主管部门审核为准。"

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)

KIND_WORDS = {
    "exact": "确定金额",
    "at_most": "最高可得",
    "at_least": "至少",
    "unknown": "金额无法算出",
    "waiver": "免收费用",
}
ELIGIBILITY_WORDS = {Eligibility.yes: "符合", Eligibility.unknown: "待补充信息"}
COLUMNS = ("措施", "政策文件", "文号", "条款", "成果及日期", "金额（元）", "金额说明", "状态")


class ExportUnavailable(RuntimeError):
    """The file cannot be made on this server (no CJK font for the PDF); the message is Chinese."""


@dataclass
class Line:
    measure: str
    document: str
    number: str
    clauses: str
    event: str
    amount: Decimal | None
    amount_text: str
    status: str


@dataclass
class Sheet:
    applicant: str
    kind: str
    place: str
    as_of: str
    made_on: str
    rules_version: str
    lines: list[Line]
    disclaimer: str = DISCLAIMER

    @property
    def header(self) -> list[tuple[str, str]]:
        return [
            ("申报主体", self.applicant),
            ("主体类型", self.kind),
            ("所在地", self.place),
            ("查询日", self.as_of),
            ("生成日期", self.made_on),
            ("规则版本", self.rules_version),
        ]


def _clauses(library: Library, ids: list[str]) -> str:
    names = []
    for cid in dict.fromkeys(ids):
        try:
            c = library.clause(cid)
        except LookupError:
            names.append(cid)
            continue
        if not (c.label or c.title) and c.parent_id:
            c = library.clause(c.parent_id)
        names.append(f"{c.label or ''}{c.title or ''}".strip() or cid)
    return "；".join(dict.fromkeys(names))


def _amount_text(e: Entitlement) -> str:
    a = e.amount
    word = KIND_WORDS.get(a.kind, a.kind)
    if a.value is None:
        text = word + (f"（原文上限 {yuan(a.ceiling)}）" if a.ceiling is not None else "")
    else:
        text = f"{word} {yuan(a.value)}"
    if e.overlap is not None and e.overlap.outcome == "lost":
        text += "；与同一成果的其他措施就高从优，本项不另计"
    elif e.overlap is not None and e.overlap.outcome == "unresolved":
        text += "；与其他措施是否叠加待主管部门确定，未计入合计"
    return text


def book_title(title: str) -> str:
    """《title》, a title quoted inside it in 〈〉 as Chinese typesetting has it."""
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


def sheet_of(
    case: dict[str, Any], assessment: Assessment, calculator: Calculator, library: Library, made_on: date
) -> Sheet:
    applicant = case.get("applicant", {}) if isinstance(case.get("applicant"), dict) else {}
    kind = APPLICANT_KIND_LABELS.get(applicant.get("kind"), str(applicant.get("kind", "")))  # type: ignore[call-overload]
    place = "".join(str(applicant.get(k) or "") for k in ("province", "city", "district"))
    events = calculator.catalogue.events
    case_events = {e.get("id"): e for e in case.get("events", []) if isinstance(e, dict)}
    lines = []
    for e in assessment.entitlements:
        if e.eligibility not in ELIGIBILITY_WORDS:
            continue
        doc = library.corpus.documents.get(e.doc_id)
        t = events.get(str(case_events.get(e.event_id, {}).get("type", "")))
        lines.append(
            Line(
                measure=e.measure_title,
                document=book_title(doc.title) if doc else e.doc_id,
                number=(doc.number if doc and doc.number else "原文未载明"),
                clauses=_clauses(library, e.clauses),
                event=f"{t.label if t else '成果'} {e.event_date}" + ("（计划）" if e.planned else ""),
                amount=e.amount.value,
                amount_text=_amount_text(e),
                status=ELIGIBILITY_WORDS[e.eligibility],
            )
        )
    return Sheet(
        applicant=assessment.applicant,
        kind=kind,
        place=place,
        as_of=assessment.as_of,
        made_on=made_on.isoformat(),
        rules_version=assessment.rules_version,
        lines=lines,
    )


def to_xlsx(sheet: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "测算单"
    ws.append(["政策测算单"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in sheet.header:
        ws.append([label, value])
    ws.append([])
    ws.append(list(COLUMNS))
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
    for line in sheet.lines:
        ws.append(
            [
                line.measure,
                line.document,
                line.number,
                line.clauses,
                line.event,
                # money as a number Excel can add up, from the Decimal's exact digits
                Decimal(decimal_str(line.amount)) if line.amount is not None else None,
                line.amount_text,
                line.status,
            ]
        )
        ws.cell(ws.max_row, 6).number_format = "#,##0.00"
    ws.append([])
    ws.append([sheet.disclaimer])
    for col, width in zip("ABCDEFGH", (28, 40, 20, 28, 24, 16, 36, 12), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=head_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cjk_font() -> Path | None:
    return next((p for p in CJK_FONTS if p.is_file()), None)


def to_pdf(sheet: Sheet, font: Path | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = font or cjk_font()
    if font is None:
        raise ExportUnavailable("本服务器未安装中文字体，暂不能生成 PDF；请下载 XLSX 测算单")
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title("政策测算单")
    pdf.set_creator("biopolicy")
    pdf.add_font("cjk", "", str(font))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, "政策测算单", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    for label, value in sheet.header:
        pdf.cell(0, 6, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=8)
    widths = (38, 52, 26, 40, 30, 24, 44, 18)
    with pdf.table(
        col_widths=widths, headings_style=FontFace(emphasis=None, fill_color=(230, 236, 242))
    ) as table:
        table.row(COLUMNS)
        for line in sheet.lines:
            amount = f"{Decimal(decimal_str(line.amount)):,}" if line.amount is not None else "—"
            table.row(
                (
                    line.measure,
                    line.document,
                    line.number,
                    line.clauses,
                    line.event,
                    amount,
                    line.amount_text,
                    line.status,
                )
            )
    if not sheet.lines:
        pdf.cell(0, 8, "没有可享受或可能享受的措施。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, sheet.disclaimer)
    return bytes(pdf.output())
