"""免申即享: records the government already holds become proposed awards the organisation confirms.

An administrator imports a CSV or XLSX file (``import_file``; CLI ``biopolicy proactive import FILE``;
``POST /api/v1/proactive/imports``) of records: registrations, trial completions, platform
acceptances, sales. Columns (docs/proactive.md): 统一社会信用代码, 记录类型 (an event type of
policies/_catalogue/events.yaml, by code or by its Chinese name), 日期, 产品 (a product name of the
organisation's profile, optional), 数据 (the event's figures, ``名称=值`` pairs separated by ``;``).
The file is read as organisations are imported (services/organisations.read_table).

Each row is matched to an organisation by credit code and keyed by the hash of its normalised content
(credit code, type, date, product, figures). A row matching no organisation, a row repeating an earlier
row of the same file or of an earlier import, or a row the calculator cannot read, is reported by its
line and not stored. Every good row is stored with the import, and the calculator runs on the
organisation's facts (its profile's applicant and products) with the row's event: every measure that
may reward it (eligible, or eligible once a missing fact is known) becomes a proposal, with the
calculator's figure and explanation.

The organisation's staff see their proposals (``proposals``) and confirm one (``confirm``: the item
enters review as a submitted application, with the credit commitment) or correct it (``correct``: the
corrected figures, with at least one evidence file attached to the proposal first, then submitted the
same way; the evidence moves to the application). Applying twice for the same event and measure is
refused as in services/applications.start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.domain.assessment import AmountKind, Eligibility
from biopolicy.domain.case import CaseError
from biopolicy.services import organisations as orgs
from biopolicy.services.accounts import Principal, Role
from biopolicy.services.applications import (
    ApplicationError,
    ApplicationForbidden,
    DuplicateApplication,
    _act,
    _event_key,
    _facts,
    _once,
    _yuan,
    responsible_departments,
)
from biopolicy.services.calculator import Calculator
from biopolicy.storage.fulfilment_models import Evidence, ProactiveImport, ProactiveRecord, Proposal
from biopolicy.storage.ledger_models import Application
from biopolicy.storage.models import Organisation, utcnow
from biopolicy.storage.uow import UnitOfWork

HEADERS = {
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "record_type": ("记录类型", "事项类型", "record_type"),
    "date": ("日期", "发生日期", "date"),
    "product": ("产品", "产品名称", "product"),
    "figures": ("数据", "数值", "figures"),
}
REQUIRED = ("credit_code", "record_type", "date")
MAX_ROWS = 5000
PROPOSAL_WORDS = {"proposed": "待确认", "confirmed": "已确认，进入审核", "corrected": "已更正，进入审核"}


class ImportLine(BaseModel):
    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}"


class ProactiveReport(BaseModel):
    file: str
    import_id: int | None
    rows: int
    stored: int
    proposals: int
    unmatched: list[ImportLine]
    repeated: list[ImportLine]
    problems: list[ImportLine]

    def summary(self) -> str:
        return (
            f"{self.file}：共 {self.rows} 行，新记录 {self.stored} 行，生成免申即享建议 {self.proposals} 条；"
            f"未匹配机构 {len(self.unmatched)} 行，重复 {len(self.repeated)} 行，有问题 {len(self.problems)} 行"
        )


class ProposalView(BaseModel):
    id: int
    organisation_id: int
    organisation: str
    measure_id: str
    measure_title: str
    record_type: str
    record_label: str
    on: dt.date
    product: str
    figures: dict[str, Any]
    figure_lines: list[str]  # the figures as a user reads them: "阶段=Ⅲ期临床试验"
    amount: Decimal | None
    explanation: str
    status: str
    status_label: str
    application_id: int | None
    evidence: int  # how many evidence files are attached to the proposal


# -- reading the file -----------------------------------------------------------------------------


def _header_map(header: list[str]) -> tuple[dict[int, str], list[str]]:
    aliases = {alias.strip().lower(): field for field, names in HEADERS.items() for alias in names}
    columns: dict[int, str] = {}
    for i, title in enumerate(header):
        field = aliases.get((title or "").strip().lower())
        if field is not None and field not in columns.values():
            columns[i] = field
    return columns, [HEADERS[f][0] for f in REQUIRED if f not in columns.values()]


def _event_type(calculator: Calculator, value: str) -> str | None:
    events = calculator.catalogue.events
    if value in events:
        return value
    return next((code for code, t in events.items() if t.label == value), None)


def _figures(calculator: Calculator, event_type: str, cell: str) -> tuple[dict[str, Any], list[str]]:
    """``名称=值`` pairs (code or Chinese name; enum values by code or label)."""
    spec = calculator.catalogue.events[event_type].attributes
    by_label = {a.label: code for code, a in spec.items()}
    out: dict[str, Any] = {}
    problems = []
    text = cell.replace("；", ";").replace("＝", "=").replace("\n", ";")
    for pair in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, value = (s.strip() for s in pair.partition("="))
        code = name if name in spec else by_label.get(name)
        if not sep or code is None:
            names = "、".join(spec) or "（此类事项没有数据项）"
            problems.append(f"数据：“{pair}”应为“名称=值”，名称为 {names} 之一")
            continue
        a = spec[code]
        if a.values and value not in a.values:
            value = next((k for k, label in a.values.items() if label == value), value)
        if a.type == "bool":
            value = {"是": True, "true": True, "否": False, "false": False}.get(value.lower(), value)
        out[code] = value
    return out, problems


def _row_hash(credit_code: str, record_type: str, on: dt.date, product: str, figures: dict[str, Any]) -> str:
    body = json.dumps(
        [credit_code, record_type, on.isoformat(), product, figures], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _case_for(
    uow: UnitOfWork, org: Organisation, event: dict[str, Any], product: str
) -> tuple[dict[str, Any], str | None]:
    start = orgs.case_start(uow, org.id)
    products = [p.model_dump(mode="json", exclude_none=True) for p in start.products]
    product_id = next((p["id"] for p in products if product and p.get("name") == product), None)
    if product_id:
        event["product_id"] = product_id
    elif product:
        event["subject"] = product
    case = {
        "applicant": start.applicant.model_dump(mode="json", exclude_none=True),
        "products": products,
        "events": [event],
        "as_of": max(dt.date.today(), dt.date.fromisoformat(event["date"])).isoformat(),
    }
    return case, product_id


def _propose(
    calculator: Calculator, case: dict[str, Any], event_id: str
) -> list[tuple[str, Decimal | None, str]]:
    """(measure, figure, explanation) for every measure that may reward the event."""
    assessment = calculator.assess(case)
    out = []
    for e in assessment.entitlements:
        if e.event_id != event_id or e.eligibility == Eligibility.no:
            continue
        if e.overlap is not None and e.overlap.outcome in ("lost", "excluded"):
            continue
        amount = (
            e.amount.value if e.amount.kind in (AmountKind.exact, AmountKind.at_most) else e.amount.ceiling
        )
        if e.eligibility == Eligibility.unknown:
            why = f"可能符合《{e.measure_title}》，尚缺：{'、'.join(m.label for m in e.missing)}"
        elif amount is not None:
            word = "确定金额" if e.amount.kind == AmountKind.exact else "最高可得"
            why = f"符合《{e.measure_title}》，测算{word} {_yuan(amount)}"
        else:
            why = f"符合《{e.measure_title}》，金额按有关规定确定"
        out.append((e.measure_id, amount, why))
    return out


def import_rows(
    uow: UnitOfWork, calculator: Calculator, table: Any, *, file: str, actor: str, commit: bool = True
) -> ProactiveReport:
    """Check, match and store the rows, and propose their awards, in one transaction."""
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        raise ApplicationError([f"{file}：文件是空的"])
    columns, missing = _header_map(first[1])
    if missing:
        raise ApplicationError([f"{file} 第{first[0]}行（表头）：缺少列 {'、'.join(missing)}"])
    unmatched: list[ImportLine] = []
    repeated: list[ImportLine] = []
    problems: list[ImportLine] = []
    good: list[tuple[int, Organisation, str, dt.date, str, dict[str, Any], str]] = []
    seen: dict[str, int] = {}
    count = 0
    for line, cells in rows:
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ApplicationError([f"{file}：一次最多导入 {MAX_ROWS} 行，请分批导入"])
        values = {field: cells[i] if i < len(cells) else "" for i, field in columns.items()}
        code = values.get("credit_code", "").strip().upper()
        wrong = []
        event_type = _event_type(calculator, values.get("record_type", "").strip())
        if event_type is None:
            wrong.append(
                f"记录类型：“{values.get('record_type', '')}”不是事项目录中的类型（见 docs/proactive.md）"
            )
        try:
            on = dt.date.fromisoformat(values.get("date", "").strip()[:10])
        except ValueError:
            wrong.append(f"日期：应为 YYYY-MM-DD 格式的日期，收到 {values.get('date', '')!r}")
        figures: dict[str, Any] = {}
        if event_type is not None:
            figures, bad = _figures(calculator, event_type, values.get("figures", ""))
            wrong += bad
        if len(code) != 18:
            wrong.append(f"统一社会信用代码：应为 18 位，收到 {code!r}")
        if wrong:
            problems.append(ImportLine(line=line, message="；".join(wrong)))
            continue
        org = uow.session.scalar(select(Organisation).where(Organisation.credit_code == code))
        if org is None:
            unmatched.append(ImportLine(line=line, message=f"统一社会信用代码 {code} 没有对应的已登记机构"))
            continue
        product = values.get("product", "").strip()
        digest = _row_hash(code, event_type, on, product, figures)
        if digest in seen:
            repeated.append(ImportLine(line=line, message=f"与本文件第{seen[digest]}行重复"))
            continue
        earlier = uow.session.scalar(select(ProactiveRecord).where(ProactiveRecord.row_hash == digest))
        if earlier is not None:
            repeated.append(
                ImportLine(
                    line=line,
                    message=f"与第 {earlier.import_id} 次导入的第{earlier.line}行重复，未重复登记",
                )
            )
            continue
        seen[digest] = line
        good.append((line, org, event_type, on, product, figures, digest))

    batch = ProactiveImport(file_name=file[:200], rows=count, created_by=actor, created_at=utcnow())
    uow.session.add(batch)
    uow.session.flush()
    stored = proposed = 0
    for line, org, event_type, on, product, figures, digest in good:
        event_id = f"i{batch.id}-{line}"
        event = {"id": event_id, "type": event_type, "date": on.isoformat(), **figures}
        case, _ = _case_for(uow, org, event, product)
        try:
            found = _propose(calculator, case, event_id)
        except CaseError as exc:
            problems.append(ImportLine(line=line, message="；".join(exc.problems)))
            continue
        record = ProactiveRecord(
            import_id=batch.id,
            line=line,
            row_hash=digest,
            credit_code=org.credit_code,
            organisation_id=org.id,
            record_type=event_type,
            on=on,
            product=product,
            figures=figures,
        )
        uow.session.add(record)
        uow.session.flush()
        stored += 1
        for measure_id, amount, why in found:
            uow.session.add(
                Proposal(
                    record_id=record.id,
                    organisation_id=org.id,
                    measure_id=measure_id,
                    case=case,
                    event_id=event_id,
                    amount=amount,
                    explanation=why,
                    status="proposed",
                    created_at=utcnow(),
                )
            )
            proposed += 1
    problems.sort(key=lambda p: p.line)
    if commit:
        uow.commit()
    return ProactiveReport(
        file=file,
        import_id=batch.id,
        rows=count,
        stored=stored,
        proposals=proposed,
        unmatched=unmatched,
        repeated=repeated,
        problems=problems,
    )


def import_file(
    uow: UnitOfWork,
    principal: Principal | None,
    calculator: Calculator,
    path: Path,
    *,
    content: bytes | None = None,
    actor: str | None = None,
    key: str | None = None,
) -> ProactiveReport:
    """An administrator's import (``principal`` None: the command line, which is the administrator).

    Importing a file again stores nothing twice (every row is known by its hash); with ``key`` (the web
    route's Idempotency-Key) a retried request also answers the first report."""
    if principal is not None and not principal.has(Role.administrator):
        raise ApplicationForbidden("只有管理员可以导入免申即享数据")
    data = content if content is not None else Path(path).read_bytes()
    try:
        table = list(orgs.read_table(path, data))
    except orgs.OrganisationError as exc:
        raise ApplicationError(exc.problems) from None
    who = actor or (principal.actor if principal is not None else "cli")
    if key is None:
        return import_rows(uow, calculator, table, file=path.name, actor=who)
    request = {"file": path.name, "sha256": hashlib.sha256(data).hexdigest()}

    def work() -> dict[str, Any]:
        report = import_rows(uow, calculator, table, file=path.name, actor=who, commit=False)
        return report.model_dump(mode="json")

    answer = _once(uow, key, "proactive_import", None, request, work)
    answer.pop("replayed", None)
    return ProactiveReport.model_validate(answer)


# -- the organisation -----------------------------------------------------------------------------


def _view(
    uow: UnitOfWork, calculator: Calculator, p: Proposal, record: ProactiveRecord, org: Organisation
) -> ProposalView:
    measure = calculator.rules.measures.get(p.measure_id)
    event_type = calculator.catalogue.events.get(record.record_type)
    n = len(uow.session.scalars(select(Evidence.id).where(Evidence.proposal_id == p.id)).all())
    return ProposalView(
        id=p.id,
        organisation_id=p.organisation_id,
        organisation=org.name,
        measure_id=p.measure_id,
        measure_title=measure.title if measure is not None else p.measure_id,
        record_type=record.record_type,
        record_label=event_type.label if event_type is not None else record.record_type,
        on=record.on,
        product=record.product,
        figures=record.figures,
        figure_lines=_figure_lines(calculator, record.record_type, record.figures),
        amount=p.amount,
        explanation=p.explanation,
        status=p.status,
        status_label=PROPOSAL_WORDS[p.status],
        application_id=p.application_id,
        evidence=n,
    )


def _figure_lines(calculator: Calculator, record_type: str, figures: dict[str, Any]) -> list[str]:
    event_type = calculator.catalogue.events.get(record_type)
    spec = event_type.attributes if event_type is not None else {}
    lines = []
    for code, value in figures.items():
        a = spec.get(code)
        if a is None:
            lines.append(f"{code}={value}")
            continue
        shown = (
            {True: "是", False: "否"}.get(value, value)
            if isinstance(value, bool)
            else a.values.get(value, value)
        )
        lines.append(f"{a.label}={shown}")
    return lines


def proposals(uow: UnitOfWork, principal: Principal, calculator: Calculator) -> list[ProposalView]:
    """The organisation's proposals (its staff); every proposal (administrators, auditors)."""
    stmt = (
        select(Proposal, ProactiveRecord, Organisation)
        .join(ProactiveRecord, ProactiveRecord.id == Proposal.record_id)
        .join(Organisation, Organisation.id == Proposal.organisation_id)
        .order_by(Proposal.id.desc())
    )
    if principal.has(Role.administrator, Role.auditor):
        pass
    elif principal.has(Role.applicant) and principal.organisation_id is not None:
        stmt = stmt.where(Proposal.organisation_id == principal.organisation_id)
    else:
        raise ApplicationForbidden("只有申报单位工作人员、管理员和审计人员可以查看免申即享建议")
    return [_view(uow, calculator, p, r, o) for p, r, o in uow.session.execute(stmt).all()]


def _enter_review(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    proposal_id: int,
    credit_commitment: bool,
    key: str,
    corrections: dict[str, Any] | None,
) -> dict[str, Any]:
    p = uow.session.get(Proposal, proposal_id)
    if p is None:
        raise ApplicationError([f"proposal_id：没有免申即享建议 {proposal_id}"])
    if not (principal.has(Role.applicant) and principal.organisation_id == p.organisation_id):
        raise ApplicationForbidden("只有本机构的工作人员可以确认或更正本机构的免申即享建议")
    operation = "proposal_correct" if corrections is not None else "proposal_confirm"
    request = {"id": proposal_id, "credit_commitment": credit_commitment, "facts": corrections}

    def work() -> dict[str, Any]:
        row = uow.session.get(Proposal, proposal_id, populate_existing=True)
        if row.status != "proposed":
            raise ApplicationError(
                [
                    f"proposal_id：建议 {row.id} 已处理（{PROPOSAL_WORDS[row.status]}，申报编号 {row.application_id}）"
                ]
            )
        if credit_commitment is not True:
            raise ApplicationError(
                ["credit_commitment：提交前须签署信用承诺书（勾选“本单位承诺所填信息真实”）"]
            )
        case = json.loads(json.dumps(row.case))
        event = next(ev for ev in case["events"] if ev.get("id") == row.event_id)
        files = uow.session.scalars(select(Evidence).where(Evidence.proposal_id == row.id)).all()
        if corrections is not None:
            if not isinstance(corrections, dict) or not corrections:
                raise ApplicationError(["facts：更正须写明要改的数据（“名称: 值”）"])
            protected = {"id", "type", "date", "product_id", "subject"} & set(corrections)
            if protected:
                raise ApplicationError([f"facts：{'、'.join(sorted(protected))} 来自政府数据，不能在此更正"])
            if not files:
                raise ApplicationError(["evidence：更正数据须先上传至少一份证明材料（PDF、PNG 或 JPEG）"])
            event.update(corrections)
            try:
                calculator.assess(case)
            except CaseError as exc:
                raise ApplicationError([f"facts：{p}" for p in exc.problems]) from None
        measure = calculator.rules.measures.get(row.measure_id)
        if measure is None:
            raise ApplicationError([f"measure_id：措施 {row.measure_id} 已不在现行规则中，请联系管理员"])
        event_key = _event_key(event)
        existing = uow.session.scalar(
            select(Application.id).where(
                Application.organisation_id == row.organisation_id,
                Application.measure_id == row.measure_id,
                Application.event_key == event_key,
            )
        )
        if existing is not None:
            raise DuplicateApplication(existing, row.measure_id)
        app = Application(
            organisation_id=row.organisation_id,
            case_id=None,
            case_version=None,
            measure_id=row.measure_id,
            event={**event, "_case": case},
            event_key=event_key,
            product_id=event.get("product_id"),
            subject=event.get("subject") or event.get("product_id") or event.get("id"),
            department="、".join(responsible_departments(calculator.corpus, measure)),
            status="submitted",
            submitted_facts=_facts(event),
            credit_commitment=True,
            created_by=principal.user_id,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        uow.session.add(app)
        uow.session.flush()
        for f in files:
            f.application_id = app.id
        row.status = "corrected" if corrections is not None else "confirmed"
        row.application_id = app.id
        detail = {"proposal_id": row.id, "corrected": sorted(corrections) if corrections else []}
        _act(uow, app, principal, "start", detail=detail)
        _act(uow, app, principal, "submit")
        return {"application_id": app.id, "status": app.status, "proposal_id": row.id}

    return _once(uow, key, operation, p.organisation_id, request, work)


def _parse_corrections(
    uow: UnitOfWork, calculator: Calculator, proposal_id: int, text: str
) -> dict[str, Any]:
    record_type = uow.session.scalar(
        select(ProactiveRecord.record_type)
        .join(Proposal, Proposal.record_id == ProactiveRecord.id)
        .where(Proposal.id == proposal_id)
    )
    if record_type is None or record_type not in calculator.catalogue.events:
        raise ApplicationError([f"proposal_id：没有免申即享建议 {proposal_id}"])
    parsed, problems = _figures(calculator, record_type, text)
    if problems:
        raise ApplicationError([p.replace("数据：", "facts：", 1) for p in problems])
    return parsed


def confirm(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    proposal_id: int,
    credit_commitment: bool,
    key: str,
) -> dict[str, Any]:
    """The organisation confirms a proposal as it stands: it enters review as a submitted application."""
    return _enter_review(uow, principal, calculator, proposal_id, credit_commitment, key, None)


def correct(
    uow: UnitOfWork,
    principal: Principal,
    calculator: Calculator,
    proposal_id: int,
    facts: dict[str, Any] | str,
    credit_commitment: bool,
    key: str,
) -> dict[str, Any]:
    """The organisation corrects figures (with evidence attached to the proposal first), then submits.

    ``facts``: ``{name: value}``, or the page's text, ``名称=值`` per line (as the import's 数据 column)."""
    if isinstance(facts, str):
        facts = _parse_corrections(uow, calculator, proposal_id, facts)
    return _enter_review(
        uow, principal, calculator, proposal_id, credit_commitment, key, facts if facts is not None else {}
    )
