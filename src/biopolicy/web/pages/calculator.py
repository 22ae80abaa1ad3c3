"""政策计算器: the calculator in the browser, the twin of POST /api/v1/assess.

- GET  /calculator                 the form (``?c=`` fills it from a share link, to edit that case)
- POST /calculator                 the form submitted: 303 to the result's address (so a reload never
                                   resubmits), or the form again with every problem next to its field; ``action=add`` / ``remove:N`` /
                                   ``add-award`` / ``remove-award:N`` / ``refresh`` re-render the
                                   form (the form works without JavaScript)
- GET  /calculator/result?c=       the result's address: the case (a compact token, forms/calculator.py
                                   ``encode_case``) re-run, with a warning when the rules version
                                   the token carries is not the current one
- GET  /calculator/result.json?c=  the same JSON as POST /api/v1/assess
- GET  /calculator/result.xlsx?c=  测算单 as a spreadsheet; .pdf: the same as a PDF (services/exports.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from biopolicy.domain.assessment import (
    Assessment,
    Eligibility,
    Entitlement,
    MissingFact,
    OverlapResult,
    StepCode,
)
from biopolicy.domain.case import APPLICANT_KIND_LABELS, Case, CaseError
from biopolicy.domain.money import decimal_str, parse_money, percent
from biopolicy.services.calculator import Calculator, parse_case
from biopolicy.services.describe import fact_label
from biopolicy.services.exports import ExportUnavailable, sheet_of, to_pdf, to_xlsx
from biopolicy.services.finding import event_types_for_kind
from biopolicy.services.planning import Planning, plan
from biopolicy.services.wording import OUTCOME_WORDS, expiry_notice, kind_word, summary, yuan, yuan_parts
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.forms.calculator import (
    AWARD_LEVELS,
    BOOL_CHOICES,
    CITIES,
    EXTERNAL,
    GENERAL,
    MAX_AWARDS,
    MAX_EVENTS,
    REGISTRATION_CLASSES,
    SUBJECT_LABEL,
    XIAMEN_DISTRICTS,
    AwardRow,
    Built,
    CalculatorForm,
    EventRow,
    ShareLinkError,
    attach_problems,
    blank_form,
    build_case,
    case_to_form,
    decode_case,
    decode_token,
    encode_case,
    form_specs,
    read_form,
    remove_event_row,
)
from biopolicy.web.limits import check_case_size
from biopolicy.web.pages import templates

router = APIRouter()

MAX_BODY = 400_000  # bytes of a submitted form: 50 full rows fit many times over
MAX_FIELDS = 5_000  # fields of a submitted form: 50 full rows have about 1,000


CodeQuery = Annotated[str, Query(max_length=200_000, description="案例：紧凑 JSON 的 base64url 编码")]
VersionQuery = Annotated[str, Query(max_length=100, description="生成链接时的规则版本")]


# ---------------------------------------------------------------- routes


@router.get("/calculator", response_class=HTMLResponse)
def calculator_page(request: Request, calculator: CalculatorDep, c: CodeQuery = "") -> Response:
    if not c:
        return _form_page(request, calculator, blank_form(date.today()))
    try:
        case = decode_case(c)
    except ShareLinkError as exc:
        form = blank_form(date.today())
        form.error(GENERAL, str(exc))
        return _form_page(request, calculator, form, status_code=400)
    return _form_page(request, calculator, _editable(case_to_form(case), case))


@router.post("/calculator", response_class=HTMLResponse)
async def calculator_submit(request: Request, calculator: CalculatorDep) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY:
        form = blank_form(date.today())
        form.error(GENERAL, f"提交的内容过大（{len(body)} 字节）；最多可填写 {MAX_EVENTS} 项成果")
        return _form_page(request, calculator, form, status_code=413)
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except ValueError:  # more fields than any form of ours has
        form = blank_form(date.today())
        form.error(GENERAL, f"提交的字段过多（最多 {MAX_FIELDS} 个）；最多可填写 {MAX_EVENTS} 项成果")
        return _form_page(request, calculator, form, status_code=413)
    form = read_form(pairs)
    action = dict(pairs).get("action", "assess")
    if action in ("add", "add-award"):
        events = action == "add"
        rows, limit = (form.rows, MAX_EVENTS) if events else (form.awards, MAX_AWARDS)
        if len(rows) >= limit:
            form.error(
                "events" if events else "awards", f"最多可填写 {limit} 项{'成果' if events else '已获奖励'}"
            )
        else:
            rows.append(EventRow() if events else AwardRow())
        focus = f"e{len(rows) - 1}.type" if events else f"a{len(rows) - 1}.measure_id"
        return _form_page(request, calculator, form, focus=focus)
    kind, _, index = action.partition(":")
    if kind in ("remove", "remove-award"):
        rows = form.rows if kind == "remove" else form.awards
        if index.isdigit() and int(index) < len(rows):
            if kind == "remove":
                remove_event_row(form, int(index))  # awards that named the row are told it is gone
            else:
                del form.awards[int(index)]
        return _form_page(request, calculator, form)
    if action == "refresh":
        return _form_page(request, calculator, form)
    built = build_case(form, calculator.catalogue, date.today(), calculator.rules.measures)
    if built.case is None:
        return _form_page(request, calculator, form, status_code=422)
    try:
        check_case_size(built.case, request.app.state.settings)
        calculator.assess(built.case)
    except CaseError as exc:
        attach_problems(form, exc.problems, built)
        return _form_page(request, calculator, form, status_code=422)
    # Post/Redirect/Get: the result lives at its own address; reloading it never resubmits
    token = encode_case(built.case, calculator.rules.version)
    return RedirectResponse(f"/calculator/result?{urlencode({'c': token})}", status_code=303)


@router.get("/calculator/result", response_class=HTMLResponse)
def calculator_result(
    request: Request, calculator: CalculatorDep, c: CodeQuery = "", v: VersionQuery = ""
) -> Response:
    try:
        case, version = decode_token(c)
    except ShareLinkError as exc:
        form = blank_form(date.today())
        form.error(GENERAL, f"无法打开这个测算链接：{exc}。可以在下面重新填写。")
        return _form_page(request, calculator, form, status_code=400)
    form = _editable(case_to_form(case), case)
    built = Built(case, list(range(len(form.rows))), _product_rows(case), list(range(len(form.awards))))
    return _assess_or_form(request, calculator, form, built, link_version=version or v or None)


@router.get("/calculator/result.xlsx")
def calculator_result_xlsx(
    request: Request, calculator: CalculatorDep, library: LibraryDep, c: CodeQuery = ""
) -> Response:
    """测算单 as an XLSX workbook."""
    return _export(request, calculator, library, c, "xlsx")


@router.get("/calculator/result.pdf")
def calculator_result_pdf(
    request: Request, calculator: CalculatorDep, library: LibraryDep, c: CodeQuery = ""
) -> Response:
    """测算单 as a PDF with its Chinese font embedded."""
    return _export(request, calculator, library, c, "pdf")


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _export(request: Request, calculator: Calculator, library: Any, c: str, kind: str) -> Response:
    try:
        case = decode_case(c)
    except ShareLinkError as exc:
        return _plain_error(400, f"无法打开这个测算链接：{exc}")
    check_case_size(case, request.app.state.settings)
    try:
        assessment = calculator.assess(case)
    except CaseError as exc:
        return _plain_error(422, "；".join(exc.problems))
    sheet = sheet_of(case, assessment, calculator, library, date.today())
    try:
        body = to_xlsx(sheet) if kind == "xlsx" else to_pdf(sheet)
    except ExportUnavailable as exc:
        return _plain_error(503, str(exc))
    name = f"policy-assessment-{assessment.as_of}.{kind}"
    return Response(
        body,
        media_type=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _plain_error(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


@router.get("/calculator/result.json")
def calculator_result_json(request: Request, calculator: CalculatorDep, c: CodeQuery = "") -> Response:
    """The assessment as POST /api/v1/assess answers it; CaseError becomes the API's 422."""
    try:
        case = decode_case(c)
    except ShareLinkError as exc:
        loc = ["query", "c"]
        return JSONResponse(
            status_code=400,
            content={"detail": str(exc), "errors": [{"loc": loc, "msg": str(exc), "type": "share_link"}]},
        )
    check_case_size(case, request.app.state.settings)
    assessment = calculator.assess(case)
    return JSONResponse(
        assessment.model_dump(mode="json"),
        headers={"Content-Disposition": 'attachment; filename="assessment.json"'},
    )


# ---------------------------------------------------------------- the two pages


def _assess_or_form(
    request: Request,
    calculator: Calculator,
    form: CalculatorForm,
    built: Built,
    link_version: str | None = None,
) -> Response:
    if built.case is None:
        return _form_page(request, calculator, form, status_code=422)
    try:
        check_case_size(built.case, request.app.state.settings)
        assessment = calculator.assess(built.case)
    except CaseError as exc:
        attach_problems(form, exc.problems, built)
        return _form_page(request, calculator, form, status_code=422)
    view = result_view(calculator, built.case, assessment)
    token = encode_case(built.case, calculator.rules.version)
    query = urlencode({"c": token})
    context = {
        "title": "测算结果",
        "view": view,
        "assessment": assessment,
        "share_path": f"/calculator/result?{query}",
        # the public address from settings, never the Host header a client sent
        "share_url": f"{request.app.state.settings.base_url.rstrip('/')}/calculator/result?{query}",
        "json_path": f"/calculator/result.json?{urlencode({'c': token})}",
        "xlsx_path": f"/calculator/result.xlsx?{urlencode({'c': token})}",
        "pdf_path": f"/calculator/result.pdf?{urlencode({'c': token})}",
        "edit_path": f"/calculator?{urlencode({'c': token})}",
        "case_token": token,  # the 保存测算 button (_save_case.html)
        "stale": link_version is not None and link_version != calculator.rules.version,
        "link_version": link_version,
        "money": money_text,
        "percent": percent,
    }
    return templates.TemplateResponse(request, "calculator_result.html", context)


def _form_page(
    request: Request,
    calculator: Calculator,
    form: CalculatorForm,
    status_code: int = 200,
    focus: str | None = None,
) -> Response:
    if not form.rows:
        form.rows.append(EventRow())
    context = {
        "title": "政策计算器",
        "form": form,
        "specs": form_specs(calculator.catalogue),
        "product_types": calculator.catalogue.product_types,
        "registration_classes": REGISTRATION_CLASSES,
        "classes_by_type": classes_by_type(calculator),
        "event_kinds": event_kinds(calculator),
        "offered_events": set(event_types_for_kind(calculator, form.kind or None)),
        "kinds": [(k.value, label) for k, label in APPLICANT_KIND_LABELS.items()],
        "cities": CITIES,
        "districts": XIAMEN_DISTRICTS,
        "bool_choices": BOOL_CHOICES,
        "subject_label": SUBJECT_LABEL,
        "max_events": MAX_EVENTS,
        "max_awards": MAX_AWARDS,
        "measure_groups": measure_groups(calculator),
        "measure_ids": calculator.rules.measures,
        "award_levels": AWARD_LEVELS,
        "external": EXTERNAL,
        "event_choices": event_choices(form, calculator),
        "product_names": sorted({n for r in form.rows if (n := r.get("product_name").strip())}),
        "subjects": sorted({n for r in form.rows if (n := r.get("subject").strip())}),
        "blank_row": EventRow(),
        "blank_award": AwardRow(),
        "blank_form": CalculatorForm(),
        "general_errors": form.errors_of(GENERAL) + form.errors_of("events") + form.errors_of("awards"),
        "focus": focus,
        "rules_version": calculator.rules.version,
    }
    return templates.TemplateResponse(request, "calculator.html", context, status_code=status_code)


def classes_by_type(calculator: Calculator) -> dict[str, list[tuple[str, str]]]:
    """Each product type's registration classes as the form offers them (the catalogue's data)."""
    return {
        ptype: [(v, f"{v}类：{label}" if v[:1].isdigit() else label) for v, label in classes.items()]
        for ptype, classes in calculator.catalogue.registration_classes.items()
    }


def event_kinds(calculator: Calculator) -> dict[str, list[str]]:
    """For each achievement, the applicant kinds some measure pays for it."""
    out: dict[str, set[str]] = {}
    for m in calculator.measures():
        out.setdefault(m.event, set()).update(k.value for k in m.applicant.kinds)
    return {event: sorted(kinds) for event, kinds in out.items()}


def _editable(form: CalculatorForm, case: dict[str, Any]) -> CalculatorForm:
    """The form of a shared case, with a word when the case holds more than the form can."""
    for key, most, what in (("events", MAX_EVENTS, "成果"), ("prior_awards", MAX_AWARDS, "已获奖励")):
        listed = case.get(key)
        if isinstance(listed, list) and len(listed) > most:
            form.error(GENERAL, f"链接中的案例有 {len(listed)} 项{what}，表单只能显示前 {most} 项")
    return form


def measure_groups(calculator: Calculator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The encoded measures by document, for the 依据 of an award: (document title, [(id, label)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in calculator.measures():
        groups.setdefault(m.doc_id, []).append((m.id, f"{m.title}（{m.id}）"))
    documents = calculator.corpus.documents
    return [(documents[d].title if d in documents else d, items) for d, items in groups.items()]


def event_choices(form: CalculatorForm, calculator: Calculator) -> list[tuple[str, str]]:
    """The achievement rows an award may name: (``e{k}``, ``成果 1：临床试验阶段完成 2026-06-30``)."""
    out = []
    for k, row in enumerate(form.rows):
        out.append((f"e{k}", event_choice_label(k, row, calculator)))
    return out


def event_choice_label(k: int, row: EventRow, calculator: Calculator) -> str:
    if row.blank:
        return f"成果 {k + 1}（未填写）"
    t = calculator.catalogue.events.get(row.get("type").strip())
    label = f"成果 {k + 1}：{t.label if t is not None else '未选择类型'}"
    about = row.get("product_name").strip() or row.get("subject").strip()
    if about:
        label += f"（{about[:40]}）"
    when = row.get("date").strip()
    return label + (f" {when[:20]}" if when else "")


def _product_rows(case: dict[str, Any]) -> dict[int, list[int]]:
    products = case.get("products") if isinstance(case.get("products"), list) else []
    events = case.get("events") if isinstance(case.get("events"), list) else []
    out: dict[int, list[int]] = {}
    for k, p in enumerate(products):
        pid = p.get("id") if isinstance(p, dict) else None
        out[k] = [
            j for j, e in enumerate(events) if isinstance(e, dict) and pid and e.get("product_id") == pid
        ]
    return out


# ---------------------------------------------------------------- the result, ready to show


@dataclass
class Shown:
    """One entitlement with its amount worded for the page."""

    e: Entitlement
    kind_word: str
    wan: str | None  # "1200万元"
    yuan: str | None  # "12,000,000元"
    cut: str | None  # what the ceilings and overlaps took off
    ceiling: str | None
    missing: list[tuple[str, str | None]]  # (the fact's label, the form field to fill it in)
    outcome: str | None
    window_to: date | None
    expiry: str | None = None  # the document has ended or ends within 90 days of the query date

    @property
    def counts(self) -> bool:
        return self.e.eligibility == Eligibility.yes and (
            self.e.overlap is None or self.e.overlap.outcome != "lost"
        )


@dataclass
class EventView:
    id: str
    type_label: str
    date: str
    planned: bool
    product: str | None
    subject: str | None
    facts: list[tuple[str, str]]
    applies: list[Shown] = field(default_factory=list)
    maybe: list[Shown] = field(default_factory=list)
    expired: list[Shown] = field(default_factory=list)
    other: list[Shown] = field(default_factory=list)


@dataclass
class YearRow:
    label: str
    exact: str
    max_obtainable: str
    max_wan: str
    at_least: str | None
    unknown: list[str]
    unresolved: list[str]


@dataclass
class AwardView:
    """One award already received, as the result page lists it."""

    measure_id: str | None
    basis: str  # the measure's title, or the programme with its level
    wan: str | None
    yuan: str | None
    date: str
    counted: bool  # False: dated after 查询日, so not taken into account
    event: tuple[str, str] | None  # (the event's id on the page, its words)
    product: str | None
    subject: str | None


@dataclass
class ResultView:
    applicant: str
    kind: str
    place: str
    as_of: str
    events: list[EventView]
    years: list[YearRow]
    total: YearRow | None
    deadlines: list[tuple[Shown, EventView]]  # planned events: measures that must be met before they end
    expired: list[tuple[Shown, EventView]]  # planned events: measures no longer in force by then
    planned_count: int
    awards: list[AwardView] = field(default_factory=list)
    summary: str = ""  # one sentence: what is certain, the most, what is still open

    @property
    def awards_counted(self) -> list[AwardView]:
        return [a for a in self.awards if a.counted]

    @property
    def awards_ignored(self) -> list[AwardView]:
        return [a for a in self.awards if not a.counted]


def money_pair(value: Decimal | str | None) -> tuple[str | None, str | None]:
    """(``1200万元``, ``12,000,000元``): the halves of the one written form (services/wording.py),
    set large and small on the page; below 1万元 only the first (``5,000元``, None)."""
    if value is None:
        return None, None
    return yuan_parts(Decimal(decimal_str(Decimal(value))))


def money_text(value: Decimal | str | None) -> str | None:
    """The one written form: ``1200万元（12,000,000元）``; ``5,000元`` below 1万元."""
    return None if value is None else yuan(Decimal(decimal_str(Decimal(value))))


def result_view(calculator: Calculator, case: dict[str, Any], a: Assessment) -> ResultView:
    applicant = case.get("applicant", {})
    kind = APPLICANT_KIND_LABELS.get(applicant.get("kind"), applicant.get("kind", ""))  # type: ignore[call-overload]
    place = "".join(applicant.get(k) or "" for k in ("province", "city", "district"))
    products = {p.get("id"): p for p in case.get("products", [])}
    typed = parse_case(case)  # the case passed the calculator's checks, so this reads as it did there
    timing = plan(calculator, typed, a)
    by_event: dict[str, list[Entitlement]] = {}
    for e in a.entitlements:
        by_event.setdefault(e.event_id, []).append(e)
    rows = {e.get("id"): i for i, e in enumerate(case.get("events", []))}
    views = []
    for ev in sorted(case.get("events", []), key=lambda e: (str(e.get("date")), str(e.get("id")))):
        view = _event_view(calculator, ev, products.get(ev.get("product_id")), timing)
        for e in by_event.get(view.id, []):
            shown = _shown(calculator, e, timing, date.fromisoformat(a.as_of), rows.get(view.id))
            if e.eligibility == Eligibility.yes:
                view.applies.append(shown)
            elif e.eligibility == Eligibility.unknown:
                view.maybe.append(shown)
            elif timing.is_expired(view.id, e.measure_id):
                view.expired.append(shown)
            else:
                view.other.append(shown)
        views.append(view)
    years = [_year_row(t, calculator) for t in a.totals if t.year is not None]
    total = next((_year_row(t, calculator) for t in a.totals if t.year is None), None)
    due = {(d.event_id, d.measure_id) for d in timing.deadlines}
    planned = [v for v in views if v.planned]
    deadlines = [(s, v) for v in planned for s in v.applies + v.maybe if (v.id, s.e.measure_id) in due]
    expired = [(s, v) for v in planned for s in v.expired]
    return ResultView(
        applicant=a.applicant,
        kind=kind,
        place=place,
        as_of=a.as_of,
        events=views,
        years=years,
        total=total,
        deadlines=deadlines,
        expired=expired,
        planned_count=len(timing.planned_events),
        awards=_award_views(calculator, typed, views, timing),
        summary=_summary(a, views),
    )


def _summary(a: Assessment, views: list[EventView]) -> str:
    total = next((t for t in a.totals if t.year is None), None)
    if total is None:
        return ""
    pending = sum(len(v.maybe) for v in views)
    return summary(total, total.unknown_measures, pending, len(total.unresolved_overlaps))


def _award_views(
    calculator: Calculator, typed: Case, events: list[EventView], timing: Planning
) -> list[AwardView]:
    """The case's prior awards, read as the calculator read them."""
    levels = dict(AWARD_LEVELS)
    products = {p.id: p for p in typed.products}
    by_id = {v.id: v for v in events}
    out = []
    for award, counted in zip(typed.prior_awards, timing.awards_counted, strict=True):
        measure = calculator.rules.measures.get(award.measure_id or "")
        if measure is not None:
            basis = measure.title
        else:
            level = levels.get(award.level or "", award.level)
            basis = f"{award.programme or award.measure_id}" + (f"（{level}）" if level else "")
        w, y = money_pair(award.amount)
        event = by_id.get(award.event_id or "")
        product = products.get(award.product_id or "")
        out.append(
            AwardView(
                measure_id=measure.id if measure is not None else None,
                basis=basis,
                wan=w,
                yuan=y,
                date=award.date.isoformat(),
                counted=counted,
                event=(event.id, f"{event.type_label} {event.date}") if event is not None else None,
                product=(product.name or f"产品{product.id}") if product is not None else award.product_id,
                subject=award.subject,
            )
        )
    return out


def _event_view(
    calculator: Calculator, ev: dict[str, Any], product: dict | None, timing: Planning
) -> EventView:
    catalogue = calculator.catalogue
    t = catalogue.events.get(ev.get("type", ""))
    facts = []
    if t is not None:
        for name, spec in t.attributes.items():
            if name not in ev:
                continue
            value = ev[name]
            if spec.type.value == "money":
                # the case passed the calculator's checks, so this parses as it did there
                amount = parse_money(value, name)
                shown = money_text(amount)
            elif spec.type.value == "bool":
                shown = "是" if value else "否"
            elif spec.type.value == "enum":
                shown = spec.values.get(str(value), str(value))
            else:
                shown = str(value)
            facts.append((spec.label, shown))
    product_text = None
    if product is not None:
        parts = [catalogue.product_types.get(product.get("type", ""), product.get("type", ""))]
        reg = product.get("registration_class")
        if reg:
            parts.append(dict(REGISTRATION_CLASSES).get(reg, f"{reg}类"))
        kind = "，".join(parts)
        product_text = f"{product['name']}（{kind}）" if product.get("name") else kind
    return EventView(
        id=ev.get("id", ""),
        type_label=t.label if t is not None else str(ev.get("type")),
        date=str(ev.get("date"))[:10],
        planned=timing.is_planned(ev.get("id", "")),
        product=product_text,
        subject=ev.get("subject"),
        facts=facts,
    )


def _shown(
    calculator: Calculator, e: Entitlement, timing: Planning, as_of: date, row: int | None = None
) -> Shown:
    amount = e.amount
    w, y = money_pair(amount.value)
    cut = None
    if amount.before_caps is not None and amount.value is not None and amount.before_caps != amount.value:
        before_w, _ = money_pair(amount.before_caps)
        cut = f"{'；'.join(_cut_reasons(e)) or '受上限或重叠影响'}，由 {before_w} 减为 {w}"
    ceiling = None
    if amount.ceiling is not None and (amount.value is None or amount.ceiling != amount.value):
        ceiling = money_text(amount.ceiling)
    return Shown(
        e=e,
        kind_word=kind_word(amount.kind),
        wan=w,
        yuan=y,
        cut=cut,
        ceiling=ceiling,
        missing=[(missing_label(calculator, e, m), missing_field(m, row)) for m in e.missing],
        outcome=OUTCOME_WORDS.get(e.overlap.outcome) if e.overlap else None,
        window_to=timing.window_ends.get(e.measure_id),
        expiry=_expiry(calculator, e, as_of),
    )


def _cut_reasons(e: Entitlement) -> list[str]:
    """Why an amount was cut (issue 15 §1): the shared ceiling and what it already holds, or the overlap."""
    out = []
    for st in e.steps:
        if st.code is StepCode.cap_cut:
            taken = yuan(Decimal(st.values.get("taken", "0")))
            used_up = "，已用完" if Decimal(st.values.get("to", "1")) == 0 else ""
            out.append(f"{st.values.get('label', '共同上限')}此前已计 {taken}{used_up}")
    if e.overlap and e.overlap.outcome in (OverlapResult.lost, OverlapResult.excluded):
        out.append(OUTCOME_WORDS[e.overlap.outcome])
    return out


def _expiry(calculator: Calculator, e: Entitlement, as_of: date) -> str | None:
    """The measure's document has ended, or ends within 90 days of the query date: say so, with the date."""
    doc = calculator.corpus.documents.get(e.doc_id)
    measure = calculator.rules.measures.get(e.measure_id)
    end = calculator.rules.window(measure).to if measure is not None else None
    return expiry_notice(end or (doc.in_force_to if doc else None), as_of)


def missing_field(missing: MissingFact, row: int | None) -> str | None:
    """The form field where a missing fact is filled in, e.g. ``e0.attr.rd_investment``."""
    root, _, name = missing.path.partition(".")
    if root == "applicant" and name in ("city", "district", "kind"):
        return name
    if row is None:
        return None
    if root == "event" and name not in ("date", "id", "type", "product_id"):
        return f"e{row}.subject" if name == "subject" else f"e{row}.attr.{name}"
    if root == "product" and name in ("type", "registration_class"):
        return {"type": f"e{row}.product_type", "registration_class": f"e{row}.registration_class"}[name]
    return None


def missing_label(calculator: Calculator, e: Entitlement, missing: MissingFact) -> str:
    """The form field's label of a missing fact (``event.rd_investment`` -> ``该阶段研发投入（元）``)."""
    root, _, name = missing.path.partition(".")
    if root == "event":
        measure = calculator.rules.measures.get(e.measure_id)
        t = calculator.catalogue.events.get(measure.event) if measure is not None else None
        if t is not None and name in t.attributes:
            return t.attributes[name].label
        return {"date": "成果日期", "subject": "名称"}.get(name, missing.label)
    label = fact_label(calculator.catalogue, "", missing.path)
    return label if label != missing.path else missing.label


def _year_row(t: Any, calculator: Calculator) -> YearRow:
    def title(measure_id: str) -> str:
        m = calculator.rules.measures.get(measure_id)
        return m.title if m is not None else measure_id

    w, y = money_pair(t.max_obtainable)
    return YearRow(
        label="合计" if t.year is None else f"{t.year}年",
        exact=money_text(t.exact) or "0元",
        max_obtainable=y or "",
        max_wan=w or "0元",
        at_least=money_text(t.at_least) if t.at_least else None,
        unknown=[title(m) for m in t.unknown_measures],
        unresolved=[_overlap_words(o, calculator, title) for o in t.unresolved_overlaps],
    )


def _overlap_words(overlap_id: str, calculator: Calculator, title: Any) -> str:
    o = next((o for o in calculator.rules.overlaps if o.id == overlap_id), None)
    if o is None:
        return overlap_id
    return f"{'与'.join(title(m) for m in o.measures)}（{o.excerpt}）"
