"""A simulation as an XLSX workbook (openpyxl): the page's tables, Chinese headers, money as numbers.

Sheets: 说明 (what was run, how to read the figures, the grant-rate assumption), 按年份, 按措施,
按城市, 按出资层级, 预算需求, 措施明细 (measure × year). Money cells are numbers Excel can add up,
written from the Decimals' digits and rounded to the fen.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

from biopolicy.domain.money import decimal_str
from biopolicy.services.simulate import CostLine, Simulation

FEN = Decimal("0.01")
MONEY_FORMAT = "#,##0.00"


def _money(v: Decimal | None) -> Decimal | None:
    return None if v is None else Decimal(decimal_str(v.quantize(FEN, rounding=ROUND_HALF_UP)))


def cost_headers(sim: Simulation, what: str) -> list[str]:
    rate = f"{decimal_str(sim.grant_rate)}%"
    return [
        what,
        "现行规则（元，上限）",
        "改革方案（元，上限）",
        "差额（元）",
        f"现行规则（元，按核定比例{rate}，本平台假设）",
        f"改革方案（元，按核定比例{rate}，本平台假设）",
        f"差额（元，按核定比例{rate}）",
        "现行规则“不少于”部分（元，下限）",
        "改革方案“不少于”部分（元，下限）",
    ]


def cost_cells(line: CostLine) -> list:
    return [
        line.label,
        *(
            _money(v)
            for v in (
                line.baseline,
                line.reform,
                line.difference,
                line.baseline_granted,
                line.reform_granted,
                line.granted_difference,
                line.baseline_at_least,
                line.reform_at_least,
            )
        ),
    ]


def to_xlsx(sim: Simulation) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    info = wb.active
    info.title = "说明"
    info.append(["费用测算"])
    info["A1"].font = Font(bold=True, size=14)
    compared = sim.reform_title or "不对比（只看现行规则）"
    for label, value in (
        ("改革方案", compared),
        ("改革依据", sim.reform_basis or ""),
        ("测算年份", f"{sim.years[0]}–{sim.years[1]}年"),
        ("人口", sim.population_label),
        ("机构数", sim.firms),
        ("成果数", sim.events),
        ("随机种子", sim.seed if sim.population == "seed" else "（不适用）"),
        ("核定比例（本平台假设，不是政策规定）", f"{decimal_str(sim.grant_rate)}%"),
        ("第二个数的算法", sim.grant_note),
        ("如何读这些数", sim.assumption),
    ):
        info.append([label, value])
    for line in sim.population_assumption_lines:
        info.append(["合成人口的假设（本平台假设）", line])
    for note in sim.skipped:
        info.append(["未计入", note])
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 100
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, headers: list[str], rows: list[list], money_from: int = 2, widths=None) -> None:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for values in rows:
            ws.append(values)
            for col in range(money_from, len(values) + 1):
                if isinstance(values[col - 1], Decimal):
                    ws.cell(ws.max_row, col).number_format = MONEY_FORMAT
        ws.freeze_panes = "B2"
        for i, width in enumerate(widths or [36] + [20] * (len(headers) - 1)):
            ws.column_dimensions[chr(ord("A") + i)].width = width

    totals = [cost_cells(sim.totals)] if sim.totals else []
    sheet("按年份", cost_headers(sim, "年份"), [cost_cells(x) for x in sim.by_year] + totals)
    sheet(
        "按措施",
        cost_headers(sim, "措施"),
        [cost_cells(x) for x in sim.by_measure] + totals,
        widths=[48] + [20] * 8,
    )
    sheet("按城市", cost_headers(sim, "城市"), [cost_cells(x) for x in sim.by_city] + totals)
    sheet("按出资层级", cost_headers(sim, "出资层级"), [cost_cells(x) for x in sim.by_level] + totals)
    rate = f"{decimal_str(sim.grant_rate)}%"
    sheet(
        "预算需求",
        [
            "措施",
            "年份",
            "出资层级",
            "现行规则所需（元，上限）",
            "改革方案所需（元，上限）",
            f"改革方案所需（元，按核定比例{rate}，本平台假设）",
            "已设预算（元）",
            "与预算比较",
        ],
        [
            [
                b.title,
                b.year,
                b.level_label,
                _money(b.baseline),
                _money(b.reform),
                _money(b.reform_granted),
                _money(b.budget) if b.budget is not None else "未设预算",
                b.status,
            ]
            for b in sim.budgets
        ],
        money_from=4,
        widths=[48, 8, 12, 20, 20, 24, 16, 40],
    )
    sheet(
        "措施明细",
        ["措施", "年份", "现行规则（元，上限）", "改革方案（元，上限）", "差额（元）"],
        [[r.title, r.year, _money(r.baseline), _money(r.reform), _money(r.difference)] for r in sim.rows],
        money_from=3,
        widths=[48, 8, 20, 20, 20],
    )
    levels = wb.create_sheet("出资层级依据")
    levels.append(["措施", "出资层级", "依据"])
    for cell in levels[1]:
        cell.font = Font(bold=True)
    titles = {r.measure_id: r.title for r in sim.rows}
    for mid, bases in sim.levels.items():
        for b in bases:
            levels.append([titles.get(mid, mid), b.level_label, b.basis])
    for col, width in zip("ABC", (48, 12, 80), strict=True):
        levels.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
