"""Import products and milestones onto the watch list from a CSV (UTF-8 or GB18030) or XLSX file.

One row per milestone; the product columns repeat on each of its rows (a row with no milestone only
puts the product on the list). Columns (header row, Chinese or English):

    统一社会信用代码 (credit_code), 产品名称 (product), 产品类型 (type), 注册分类 (registration_class),
    重点企业 (key_enterprise: 是/否), 重点产品 (key_product: 是/否), 里程碑 (kind: code or Chinese label),
    计划日期 (planned_on), 开始日期 (started_on), 完成日期 (completed_on), 办理程序 (procedure),
    对象 (subject: the hospital), 备注 (note)

Every row is checked as ``add_milestone`` checks (the rows before it in the file count as the
product's milestones); problems are reported by line, the good rows written in one transaction, or
none when ``all_or_nothing`` and any row is bad. The regulator's (administrators, 省药监局).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from biopolicy.services import watchlist as wl
from biopolicy.services.accounts import Principal
from biopolicy.services.organisations import ImportProblem, ImportReport, OrganisationError, read_table
from biopolicy.storage.models import Organisation, Product
from biopolicy.storage.uow import UnitOfWork
from biopolicy.storage.watch import Milestone

MAX_ROWS = 20000
HEADERS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "credit_code", "信用代码"),
    "product": ("产品名称", "product", "产品"),
    "type": ("产品类型", "type", "类型"),
    "registration_class": ("注册分类", "registration_class"),
    "key_enterprise": ("重点企业", "key_enterprise"),
    "key_product": ("重点产品", "key_product"),
    "kind": ("里程碑", "kind", "milestone"),
    "planned_on": ("计划日期", "planned_on"),
    "started_on": ("开始日期", "started_on"),
    "completed_on": ("完成日期", "completed_on"),
    "procedure": ("办理程序", "procedure"),
    "subject": ("对象", "subject", "医院"),
    "note": ("备注", "note"),
}
REQUIRED = ("credit_code", "product", "type")
COLUMN_WORDS = {field: names[0] for field, names in HEADERS.items()}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"", "否", "n", "no", "false", "0"}
LABEL_TO_KIND = {k.label: k.code for k in wl.MILESTONE_KINDS.values()}


def _flag(value: str, field: str, problems: list[str]) -> bool:
    v = value.strip().lower()
    if v in YES:
        return True
    if v not in NO:
        problems.append(f"{COLUMN_WORDS[field]}：应填“是”或“否”，收到“{value}”")
    return False


def _named(problems: list[str]) -> str:
    out = []
    for p in problems:
        field, sep, rest = p.partition("：")
        out.append(f"{COLUMN_WORDS.get(field, field)}{sep}{rest}" if sep else p)
    return "；".join(out)


def import_rows(
    uow: UnitOfWork, principal: Principal, table: Any, *, file: str, all_or_nothing: bool, today: dt.date,
    clock: wl.Clock | None = None,
) -> ImportReport:  # fmt: skip
    if not wl.is_regulator(principal):
        raise wl.WatchlistForbidden("只有省药监局审核人员和管理员可以导入在研在审清单")
    clock = clock or wl.get_clock()
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        raise OrganisationError([f"{file}：文件是空的"])
    aliases = {a.strip().lower(): f for f, names in HEADERS.items() for a in names}
    columns: dict[int, str] = {}
    for i, title in enumerate(first[1]):
        f = aliases.get((title or "").strip().lower())
        if f is not None and f not in columns.values():
            columns[i] = f
    missing = [HEADERS[f][0] for f in REQUIRED if f not in columns.values()]
    if missing:
        raise OrganisationError([f"{file} 第{first[0]}行（表头）：缺少列 {'、'.join(missing)}"])

    problems: list[ImportProblem] = []
    orgs: dict[str, int | None] = {}
    pending: dict[int, list[Milestone]] = {}
    count = imported = 0
    for line, cells in rows:
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise OrganisationError([f"{file}：一次最多导入 {MAX_ROWS} 行，请分批导入"])
        v = {f: (cells[i] if i < len(cells) else "").strip() for i, f in columns.items()}
        row_problems: list[str] = []
        code = v.get("credit_code", "").upper()
        if code not in orgs:
            orgs[code] = uow.session.scalar(select(Organisation.id).where(Organisation.credit_code == code))
        org_id = orgs[code]
        if org_id is None:
            row_problems.append(f"credit_code：没有统一社会信用代码为“{code}”的机构（请先导入机构）")
        key_e = _flag(v.get("key_enterprise", ""), "key_enterprise", row_problems)
        key_p = _flag(v.get("key_product", ""), "key_product", row_problems)
        if row_problems:
            problems.append(ImportProblem(line=line, message=_named(row_problems)))
            continue
        assert org_id is not None
        try:
            with uow.session.begin_nested():
                product_id = wl.watch_product(
                    uow, principal, org_id, v.get("product", ""), v.get("type", ""),
                    v.get("registration_class") or None, key_enterprise=key_e, key_product=key_p, commit=False,
                )  # fmt: skip
                kind = v.get("kind", "")
                if kind:
                    product = uow.session.get(Product, product_id)
                    assert product is not None
                    if product_id not in pending:
                        pending[product_id] = list(
                            uow.session.scalars(select(Milestone).where(Milestone.product_id == product_id))
                        )
                    data = {
                        k: v.get(k)
                        for k in ("planned_on", "started_on", "completed_on", "procedure", "subject", "note")
                    }
                    data["kind"] = LABEL_TO_KIND.get(kind, kind)
                    m = wl.check_milestone(uow, product, data, today, clock, existing=pending[product_id])
                    uow.session.add(m)
                    uow.session.flush()
                    pending[product_id].append(m)
        except wl.WatchlistError as exc:
            problems.append(ImportProblem(line=line, message=_named(exc.problems)))
            continue
        imported += 1
    if problems and all_or_nothing:
        uow.rollback()
        imported = 0
    elif imported:
        uow.commit()
    return ImportReport(
        file=file, rows=count, imported=imported, all_or_nothing=all_or_nothing, problems=problems
    )


def import_file(
    uow: UnitOfWork, principal: Principal, path: Path, *, today: dt.date, all_or_nothing: bool = False,
    content: bytes | None = None,
) -> ImportReport:  # fmt: skip
    return import_rows(
        uow, principal, read_table(path, content), file=path.name, all_or_nothing=all_or_nothing, today=today
    )
