"""The calculator's form ⇄ case, and the share link.

- ``form_specs``: what each event type's row asks for, read from the event catalogue (money as 元,
  enums with their Chinese labels, bools as 是/否/不清楚, dates, integers), plus a product for the
  types whose achievement is about a product.
- ``read_form`` / ``build_case``: submitted fields (flat names such as ``kind``, ``e0.type``,
  ``e0.attr.rd_investment``, ``a0.measure_id``) to a case dict, with every problem attached to its
  form field in Chinese; the form keeps what the user typed.
- Awards already received (已获奖励) are rows ``a{i}.*``: an encoded measure or an external
  programme (with its level), amount, date, and optionally the achievement row it rewarded
  (``a{i}.event`` = ``e{k}``, becoming ``event_id``) or the product / subject it concerns, named as
  in the achievement rows so that per-product ceilings and per-subject top-ups link up.
- ``attach_problems``: the calculator's CaseError problems ("events[0].rd_investment：…",
  not by reading its text) moved onto the row and field they are about.
- ``case_to_form``: a case (from a share link) back into the form, to edit it.
- ``encode_case`` / ``decode_case``: the share link's payload, compact JSON in base64url.

Pure functions over the catalogue: no I/O, no web framework.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import re
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.events import AttributeType, Catalogue, EventType
from biopolicy.domain.money import WAN, decimal_str
from biopolicy.domain.places import CITIES, PROVINCE, XIAMEN_DISTRICTS
from biopolicy.domain.validation import Problem

MAX_EVENTS = 50
MAX_AWARDS = 50
EXTERNAL = "_external"  # the 依据 of an award under a programme the rules do not encode
MAX_TEXT = 200  # characters in any one field
MAX_TOKEN = 60_000  # characters of a share-link payload
GENERAL = "_form"  # the key of problems that belong to no one field

# The registration classes a product row offers; the rules compare these strings. Which classes a
# product type has is data (registration_classes in the event catalogue): the calculator refuses a
# class its type does not have, and a class includes its sub-classes (1.1 is a class 1 drug).
REGISTRATION_CLASSES: tuple[tuple[str, str], ...] = (
    ("1", "1类（创新药）"),
    ("1.1", "1.1类（创新药；中药为中药复方制剂）"),
    ("1.2", "1.2类（创新药；中药为提取物及其制剂）"),
    ("1.3", "1.3类（创新药；中药为新药材及其制剂）"),
    ("1.4", "1.4类（创新型疫苗）"),
    ("2", "2类（改良型新药）"),
    ("2.1", "2.1类（改良型新药）"),
    ("2.2", "2.2类（改良型新药）"),
    ("2.3", "2.3类（改良型新药）"),
    ("2.4", "2.4类（改良型新药）"),
    ("2.5", "2.5类（改良型疫苗）"),
    ("2.6", "2.6类（改良型疫苗）"),
    ("3", "3类（仿制药；中药为古代经典名方中药复方制剂）"),
    ("3.1", "3.1类（中药古代经典名方复方制剂；生物制品为境外已上市）"),
    ("3.2", "3.2类（中药古代经典名方复方制剂；生物制品为境外已上市）"),
    ("3.3", "3.3类（生物制品：境内已上市疫苗或生物类似药）"),
    ("3.4", "3.4类（生物制品：其他）"),
    ("4", "4类（仿制药）"),
    ("5", "5类（境外上市药品境内上市）"),
    ("5.1", "5.1类"),
    ("5.2", "5.2类"),
    ("I", "第一类医疗器械"),
    ("II", "第二类医疗器械"),
    ("III", "第三类医疗器械"),
)
REGISTRATION_CLASS_VALUES = frozenset(v for v, _ in REGISTRATION_CLASSES)

SUBJECT_LABEL = "名称（人才姓名、平台或中心名称等，可不填）"
# PriorAward.level: the government level of an external programme
AWARD_LEVELS: tuple[tuple[str, str], ...] = (
    ("national", "国家级"),
    ("provincial", "省级"),
    ("city", "市级"),
    ("district", "区级"),
)
BOOL_CHOICES = (("true", "是"), ("false", "否"), ("", "不清楚"))

# The choices this form offers (a Fujian applicant; Xiamen by district): domain/places.py.


# ---------------------------------------------------------------- what a row asks for


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the attribute's name in the catalogue and in the case
    type: str  # money / decimal / int / bool / date / enum / text
    label: str
    options: tuple[tuple[str, str], ...] = ()  # enum: (value, Chinese label)
    hint: str = ""


@dataclass(frozen=True)
class EventFormSpec:
    name: str
    label: str
    description: str
    has_product: bool  # the achievement is about a drug or device: the row asks for its product
    has_subject: bool  # about a person, platform or centre: the row asks for its name
    fields: tuple[FieldSpec, ...]
    yearly: bool = False  # a figure for a year (年度): the row asks for the year, not a day


def form_specs(catalogue: Catalogue) -> dict[str, EventFormSpec]:
    """Each event type's row, in catalogue order."""
    return {name: _event_spec(t) for name, t in catalogue.events.items()}


def _event_spec(t: EventType) -> EventFormSpec:
    fields = []
    for name, a in t.attributes.items():
        options = tuple(a.values.items()) if a.type == AttributeType.enum else ()
        fields.append(
            FieldSpec(name=name, type=a.type.value, label=a.label, options=options, hint=_HINTS[a.type])
        )
    return EventFormSpec(
        name=t.name,
        label=t.label,
        description=t.description,
        # the catalogue's example shows what an event of this type is about
        has_product="product_id" in t.example,
        has_subject="product_id" not in t.example,
        fields=tuple(fields),
        yearly=is_yearly(t),
    )


def is_yearly(t: EventType) -> bool:
    """An event type that reports a year's figure (年度服务收入, 年度营业收入): its date is the
    year's last day, so the form asks for the year."""
    return "年度" in t.label


def year_of(text: str) -> date | None:
    """A year written alone (2025, 2025年) as the year's last day."""
    m = re.fullmatch(r"(\d{4})年?(度)?", text.strip())
    if not m or not 1900 <= int(m.group(1)) <= 2999:
        return None
    return date(int(m.group(1)), 12, 31)


_HINTS = {
    AttributeType.money: "以元为单位，如 30000000（即3000万元）；也可写“3000万”",
    AttributeType.decimal: "填写数字，如 1.5",
    AttributeType.int: "填写数字，如 3",
    AttributeType.bool: "",
    AttributeType.date: "",
    AttributeType.enum: "",
    AttributeType.text: "",
}


# ---------------------------------------------------------------- the form as submitted


@dataclass
class FormRow:
    """One repeated row of the form as typed: every value a string, as the user left it."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def blank(self) -> bool:
        return not any(v.strip() for v in self.values.values())


class EventRow(FormRow):
    """One achievement: type, date, product_*, subject, attr.<name>."""


class AwardRow(FormRow):
    """One award already received: measure_id, programme, level, amount, date, event,
    product_name, subject. ``event`` is ``e{k}``, the achievement row k of the form, or ``?…`` for
    a reference to a row that is no longer there."""


@dataclass
class CalculatorForm:
    kind: str = ""
    name: str = ""
    city: str = ""
    district: str = ""
    as_of: str = ""
    rows: list[EventRow] = field(default_factory=list)
    awards: list[AwardRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # form field name -> messages

    def error(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def errors_of(self, key: str) -> list[str]:
        return self.errors.get(key, [])

    @property
    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())


ROW_KEY = re.compile(
    r"^e(\d{1,4})\.(type|date|product_type|registration_class|product_name|subject|attr\.\w{1,60})$"
)
AWARD_KEY = re.compile(r"^a(\d{1,4})\.(measure_id|programme|level|amount|date|event|product_name|subject)$")
EVENT_REF = re.compile(r"^e(\d{1,4})$")
APPLICANT_KEYS = ("kind", "name", "city", "district", "as_of")


def read_form(pairs: Iterable[tuple[str, str]]) -> CalculatorForm:
    """The submitted fields as typed; rows in the order of their numbers, renumbered from 0."""
    form = CalculatorForm()
    rows: dict[int, EventRow] = {}
    awards: dict[int, AwardRow] = {}
    for key, value in pairs:
        value = value.replace("\x00", "")
        if key in APPLICANT_KEYS:
            if not getattr(form, key):
                setattr(form, key, value)
            continue
        m = AWARD_KEY.match(key)
        if m is not None:
            index = int(m.group(1))
            if index not in awards and len(awards) > MAX_AWARDS:
                form.error(GENERAL, f"最多可填写 {MAX_AWARDS} 项已获奖励，多出的未保留")
                continue
            awards.setdefault(index, AwardRow()).values.setdefault(m.group(2), value)
            continue
        m = ROW_KEY.match(key)
        if m is None:
            continue
        index = int(m.group(1))
        if index not in rows and len(rows) > MAX_EVENTS:
            form.error(GENERAL, f"最多可填写 {MAX_EVENTS} 项成果，多出的未保留")
            continue
        row = rows.setdefault(index, EventRow())
        row.values.setdefault(m.group(2), value)
    numbers = sorted(rows)
    form.rows = [rows[i] for i in numbers]
    # an award names its achievement by the row's number as submitted: follow the renumbering
    renumbered = {f"e{old}": f"e{new}" for new, old in enumerate(numbers)}
    for i in sorted(awards):
        award = awards[i]
        ref = award.get("event").strip()
        if ref and not ref.startswith("?"):
            award.values["event"] = renumbered.get(ref, f"?{ref[:MAX_TEXT]}")
        form.awards.append(award)
    return form


def remove_event_row(form: CalculatorForm, index: int) -> None:
    """Row ``index`` taken out; awards that named it keep a reference that says it is gone."""
    del form.rows[index]
    for award in form.awards:
        m = EVENT_REF.match(award.get("event").strip())
        if m is None:
            continue
        k = int(m.group(1))
        if k == index:
            award.values["event"] = f"?e{k}"
        elif k > index:
            award.values["event"] = f"e{k - 1}"


def blank_form(today: date) -> CalculatorForm:
    return CalculatorForm(as_of=today.isoformat(), rows=[EventRow()])


# ---------------------------------------------------------------- form -> case


@dataclass
class Built:
    """A case built from the form, and where each of its events and products came from."""

    case: dict[str, Any] | None
    event_rows: list[int]  # events[j] came from form row event_rows[j]
    product_rows: dict[int, list[int]]  # products[k] -> the rows that named it
    award_rows: list[int] = field(default_factory=list)  # prior_awards[j] came from award row award_rows[j]


def build_case(
    form: CalculatorForm, catalogue: Catalogue, today: date, measure_ids: Collection[str] | None = None
) -> Built:
    """The case the form describes; ``case`` is None when the form has problems (now in ``form.errors``).

    ``measure_ids``: the encoded measures an award may name; without it an unknown one is left to
    the calculator's own check."""
    specs = form_specs(catalogue)
    applicant = _applicant(form)
    as_of = _as_of(form, today)
    events: list[dict[str, Any]] = []
    products: list[dict[str, Any]] = []
    product_keys: dict[tuple[str, str, str], str] = {}
    event_rows: list[int] = []
    product_rows: dict[int, list[int]] = {}
    filled = [(i, r) for i, r in enumerate(form.rows) if not r.blank]
    if not filled:
        form.error("events", "请至少填写一项成果（选择成果类型并填写日期）")
    if len(filled) > MAX_EVENTS:
        form.error("events", f"最多可填写 {MAX_EVENTS} 项成果，收到 {len(filled)} 项；请删去一些")
        filled = []
    for i, row in filled:
        event = _event(form, i, row, specs)
        if event is None:
            continue
        spec = specs[event["type"]]
        product = _product(form, i, row) if spec.has_product else None
        if product is not None:
            key = (product["type"], product.get("registration_class", ""), product.get("name", ""))
            # rows naming the same product share it, so its per-product ceilings add up
            pid = product_keys.get(key) if key[2] else None
            if pid is None:
                pid = f"p{len(products) + 1}"
                products.append({"id": pid} | product)
                product_keys[key] = pid
            event["product_id"] = pid
            product_rows.setdefault(int(pid[1:]) - 1, []).append(i)
        events.append({"id": f"e{len(events) + 1}"} | event)
        event_rows.append(i)
    event_ids = {row: events[j]["id"] for j, row in enumerate(event_rows)}
    names = {p["name"]: p["id"] for p in products if p.get("name")}
    awards, award_rows = _awards(form, event_ids, names, {p["id"] for p in products}, measure_ids)
    if form.errors:
        return Built(None, event_rows, product_rows, award_rows)
    case = {"applicant": applicant, "products": products, "events": events, "as_of": as_of}
    if awards:
        case["prior_awards"] = awards
    return Built(case, event_rows, product_rows, award_rows)


def _awards(
    form: CalculatorForm,
    event_ids: dict[int, str],
    product_names: dict[str, str],
    product_ids: set[str],
    measure_ids: Collection[str] | None,
) -> tuple[list[dict[str, Any]], list[int]]:
    filled = [(i, a) for i, a in enumerate(form.awards) if not a.blank]
    if len(filled) > MAX_AWARDS:
        form.error("awards", f"最多可填写 {MAX_AWARDS} 项已获奖励，收到 {len(filled)} 项；请删去一些")
        return [], []
    out: list[dict[str, Any]] = []
    rows: list[int] = []
    for i, row in filled:
        award = _award(form, i, row, event_ids, product_names, product_ids, measure_ids)
        if award is not None:
            out.append(award)
            rows.append(i)
    return out, rows


def _award(
    form: CalculatorForm,
    i: int,
    row: AwardRow,
    event_ids: dict[int, str],
    product_names: dict[str, str],
    product_ids: set[str],
    measure_ids: Collection[str] | None,
) -> dict[str, Any] | None:
    where = f"a{i}"
    ok = True
    award: dict[str, Any] = {}
    basis = row.get("measure_id").strip()
    if not basis:
        form.error(f"{where}.measure_id", "请选择已获奖励的依据：已收录的措施，或“其他项目（外部）”")
        ok = False
    elif basis == EXTERNAL:
        programme = _text(form, f"{where}.programme", row.get("programme"))
        if not programme:
            form.error(f"{where}.programme", "请填写外部项目的名称，如“国家重大新药创制专项”")
            ok = False
        award["programme"] = programme
        level = row.get("level").strip()
        if level and level not in dict(AWARD_LEVELS):
            form.error(f"{where}.level", f"项目级别应为 {'、'.join(label for _, label in AWARD_LEVELS)} 之一")
            ok = False
        elif level:
            award["level"] = level
    elif measure_ids is not None and basis not in measure_ids:
        form.error(f"{where}.measure_id", "未知的措施，请从列表中选择")
        ok = False
    else:
        award["measure_id"] = basis
    raw = row.get("amount").strip()
    if not raw:
        form.error(f"{where}.amount", "请填写已获金额（元），如 3000万")
        ok = False
    elif len(raw) > MAX_TEXT:
        form.error(f"{where}.amount", f"已获金额：内容过长（最多 {MAX_TEXT} 个字）")
        ok = False
    else:
        amount, problem = parse_yuan(raw)
        if problem:
            form.error(f"{where}.amount", f"已获金额：{problem}")
            ok = False
        award["amount"] = decimal_str(amount)
    when = row.get("date").strip()
    parsed = parse_date(when) if when else None
    if not when:
        form.error(f"{where}.date", "请填写获得奖励的日期（晚于查询日的不计入）")
        ok = False
    elif parsed is None:
        form.error(f"{where}.date", "日期应写成 YYYY-MM-DD，如 2024-06-30")
        ok = False
    else:
        award["date"] = parsed.isoformat()
    ref = row.get("event").strip()
    if ref:
        m = EVENT_REF.match(ref)
        k = int(m.group(1)) if m else -1
        if m is None or k >= len(form.rows):
            form.error(f"{where}.event", "所选成果已删除或不存在，请重新选择（也可不选）")
            ok = False
        elif form.rows[k].blank:
            form.error(f"{where}.event", f"所选的成果 {k + 1} 尚未填写；请填写该成果，或不选")
            ok = False
        elif k in event_ids:
            award["event_id"] = event_ids[k]
        # else: that row has its own problems, shown on it
    product = _text(form, f"{where}.product_name", row.get("product_name"))
    if product:
        # named as in an achievement row: the same product; otherwise a product of its own,
        # which still counts towards the applicant's yearly ceilings
        pid = product_names.get(product)
        if pid is None:
            pid = product if product not in product_ids else f"{product}（已获奖励）"
        award["product_id"] = pid
    subject = _text(form, f"{where}.subject", row.get("subject"))
    if subject:
        award["subject"] = subject
    return award if ok else None


def _text(form: CalculatorForm, key: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        form.error(key, f"内容过长：最多 {MAX_TEXT} 个字，收到 {len(value)} 个字")
        return value[:MAX_TEXT]
    return value


def _applicant(form: CalculatorForm) -> dict[str, Any]:
    kind = form.kind.strip()
    if not kind:
        form.error("kind", "请选择申请人类型")
    elif kind not in {k.value for k in APPLICANT_KIND_LABELS}:
        form.error("kind", f"申请人类型应为 {'、'.join(APPLICANT_KIND_LABELS.values())} 之一")
    city = form.city.strip()
    if not city:
        form.error("city", "请选择所在城市")
    elif city not in CITIES:
        form.error("city", f"所在城市应为 {'、'.join(CITIES)} 之一")
    district = form.district.strip() if city == "厦门市" else ""
    if district and district not in XIAMEN_DISTRICTS:
        form.error("district", f"厦门市的区应为 {'、'.join(XIAMEN_DISTRICTS)} 之一")
    name = _text(form, "name", form.name) or "未填写名称的申请人"
    out: dict[str, Any] = {"kind": kind, "name": name, "province": PROVINCE, "city": city}
    if district:
        out["district"] = district
    return out


def _as_of(form: CalculatorForm, today: date) -> str:
    if not form.as_of.strip():
        form.as_of = today.isoformat()
    parsed = parse_date(form.as_of)
    if parsed is None:
        form.error("as_of", f"查询日应为日期，如 {today.isoformat()}")
        return today.isoformat()
    return parsed.isoformat()


def _event(form: CalculatorForm, i: int, row: EventRow, specs: dict[str, EventFormSpec]) -> dict | None:
    where = f"e{i}"
    type_ = row.get("type").strip()
    when = row.get("date").strip()
    spec = specs.get(type_)
    if not type_:
        form.error(f"{where}.type", "请选择成果类型")
    elif spec is None:
        form.error(f"{where}.type", "未知的成果类型，请从列表中选择")
    yearly = spec is not None and spec.yearly
    parsed = (year_of(when) or (parse_date(when) if yearly else None)) if yearly else parse_date(when)
    parsed = parsed if when else None
    if not when:
        form.error(
            f"{where}.date",
            "请填写年度，如 2025" if yearly else "请填写成果的日期（计划中的成果填预计日期）",
        )
    elif parsed is None:
        form.error(
            f"{where}.date",
            "年度应写成四位年份，如 2025"
            if yearly
            else "日期应写成 YYYY-MM-DD，如 2025-06-30（预计月份可写 2026-06）",
        )
    if spec is None:
        return None
    event: dict[str, Any] = {"type": type_, "date": parsed.isoformat() if parsed else when}
    for f in spec.fields:
        raw = row.get(f"attr.{f.name}").strip()
        if not raw:
            continue  # not known: a measure that needs it answers "unknown" and says so
        value = _attribute(form, f"{where}.attr.{f.name}", f, raw)
        if value is not None:
            event[f.name] = value
    if spec.has_subject:
        subject = _text(form, f"{where}.subject", row.get("subject"))
        if subject:
            event["subject"] = subject
    return event if parsed is not None else None


def _attribute(form: CalculatorForm, key: str, f: FieldSpec, raw: str) -> Any:
    if len(raw) > MAX_TEXT:
        form.error(key, f"{f.label}：内容过长（最多 {MAX_TEXT} 个字）")
        return None
    if f.type == "money":
        amount, problem = parse_yuan(raw)
        if problem:
            form.error(key, f"{f.label}：{problem}")
            return None
        return decimal_str(amount)
    if f.type == "int":
        if not re.fullmatch(r"\d{1,9}", raw):
            form.error(key, f"{f.label}应为非负整数，如 2")
            return None
        return int(raw)
    if f.type == "decimal":
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            form.error(key, f"{f.label}应为数字")
            return None
        return decimal_str(number) if number >= 0 else str(number)
    if f.type == "bool":
        if raw not in ("true", "false"):
            form.error(key, f"{f.label}：请选择“是”“否”或“不清楚”")
            return None
        return raw == "true"
    if f.type == "date":
        parsed = parse_date(raw)
        if parsed is None:
            form.error(key, f"{f.label}应写成 YYYY-MM-DD 格式的日期")
            return None
        return parsed.isoformat()
    if f.type == "enum":
        if raw not in dict(f.options):
            form.error(key, f"{f.label}应为 {'、'.join(label for _, label in f.options)} 之一")
            return None
        return raw
    return raw


def _product(form: CalculatorForm, i: int, row: EventRow) -> dict[str, Any] | None:
    where = f"e{i}"
    type_ = row.get("product_type").strip()
    reg = row.get("registration_class").strip()
    name = _text(form, f"{where}.product_name", row.get("product_name"))
    if reg and reg not in REGISTRATION_CLASS_VALUES:
        form.error(f"{where}.registration_class", "注册分类请从列表中选择")
        reg = ""
    if not type_:
        if reg or name:
            form.error(f"{where}.product_type", "填写了产品信息时，请选择产品类型")
        return None
    product: dict[str, Any] = {"type": type_}
    if reg:
        product["registration_class"] = reg
    if name:
        product["name"] = name
    return product


DATE_FORMS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
MONTH_FORMS = (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月$"))


def parse_date(text: str) -> date | None:
    """2025-06-30, 2025/6/30, 2025年6月30日; a month alone (2026-06) is its last day."""
    text = text.strip()
    try:
        for pattern in DATE_FORMS:
            m = pattern.match(text)
            if m:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for pattern in MONTH_FORMS:
            m = pattern.match(text)
            if m:
                year, month = int(m.group(1)), int(m.group(2))
                return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None
    return None


def parse_yuan(text: str) -> tuple[Decimal, str | None]:
    """An amount of yuan as typed: 30000000, 30,000,000元, 3000万, 3000万元; a problem in Chinese."""
    t = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    factor = Decimal(1)
    if t.endswith("元"):
        t = t[:-1]
    if t.endswith("万"):
        t, factor = t[:-1], WAN
    elif t.endswith("亿"):
        t, factor = t[:-1], WAN * WAN
    if not re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,6})?", t):
        return Decimal(0), f"金额应为数字，以元为单位，如 30000000，收到“{text[:20]}”"
    amount = Decimal(t) * factor
    if amount < 0:
        return Decimal(0), "金额不能为负数"
    return amount, None


# ---------------------------------------------------------------- CaseError -> form fields


APPLICANT_FIELDS = {
    "kind": "kind",
    "name": "name",
    "city": "city",
    "district": "district",
    "province": "city",
}
EVENT_FIELDS = {"type": "type", "date": "date", "product_id": "product_type", "subject": "subject"}
PRODUCT_FIELDS = {"type": "product_type", "registration_class": "registration_class", "name": "product_name"}
AWARD_FIELDS = {
    "measure_id": "measure_id",
    "programme": "programme",
    "level": "level",
    "amount": "amount",
    "date": "date",
    "event_id": "event",
    "product_id": "product_name",
    "subject": "subject",
}


def attach_problems(form: CalculatorForm, problems: list[Problem], built: Built) -> None:
    """Put each problem of a CaseError next to the form field it is about (by its location)."""
    for problem in problems:
        for key in _keys_for(problem.loc, form, built):
            form.error(key, problem.message)


def _keys_for(loc: tuple[str | int, ...], form: CalculatorForm, built: Built) -> list[str]:
    if not loc or loc[0] not in ("applicant", "events", "products", "prior_awards", "as_of"):
        return [GENERAL]
    root = loc[0]
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    rest = loc[2:] if index is not None else loc[1:]
    name = rest[0] if rest and isinstance(rest[0], str) else None
    if root == "as_of":
        return ["as_of"]
    if root == "applicant":
        return [APPLICANT_FIELDS.get(name or "", GENERAL)]
    if index is None:
        return {"events": ["events"], "prior_awards": ["awards"]}.get(root, [GENERAL])
    if root == "prior_awards":
        j = index
        if j >= len(built.award_rows):
            return [GENERAL]
        row = built.award_rows[j]
        return [f"a{row}.{AWARD_FIELDS[name]}" if name in AWARD_FIELDS else f"a{row}"]
    if root == "events":
        j = index
        if j >= len(built.event_rows):
            return [GENERAL]
        row = built.event_rows[j]
        if name in EVENT_FIELDS:
            return [f"e{row}.{EVENT_FIELDS[name]}"]
        if name and f"attr.{name}" in _row_attr_keys(form, row):
            return [f"e{row}.attr.{name}"]
        return [f"e{row}"]
    rows = built.product_rows.get(index, [])
    target = PRODUCT_FIELDS.get(name or "", "product_type")
    return [f"e{r}.{target}" for r in rows] or [GENERAL]


def _row_attr_keys(form: CalculatorForm, row: int) -> set[str]:
    return {k for k in form.rows[row].values if k.startswith("attr.")} if row < len(form.rows) else set()


# ---------------------------------------------------------------- case -> form (editing a shared case)


def case_to_form(case: Any) -> CalculatorForm:
    """The form a case fills in, as far as the form can show it; tolerant of any JSON."""
    form = CalculatorForm()
    if not isinstance(case, Mapping):
        return form
    applicant = case.get("applicant")
    if isinstance(applicant, Mapping):
        for key in ("kind", "name", "city", "district"):
            setattr(form, key, _str(applicant.get(key)))
    form.as_of = _str(case.get("as_of"))
    products = {}
    listed = case.get("products")
    for p in listed if isinstance(listed, list) else []:
        if isinstance(p, Mapping):
            products[_str(p.get("id"))] = p
    events = case.get("events")
    events = (events if isinstance(events, list) else [])[:MAX_EVENTS]
    awards = case.get("prior_awards")
    awards = (awards if isinstance(awards, list) else [])[:MAX_AWARDS]
    names = _product_names(products, events, awards)
    event_rows: dict[str, int] = {}
    for e in events:
        if not isinstance(e, Mapping):
            form.rows.append(EventRow())
            continue
        event_rows.setdefault(_str(e.get("id")), len(form.rows))
        row = EventRow()
        attributes = e.get("attributes") if isinstance(e.get("attributes"), Mapping) else e
        for key, value in attributes.items():
            if key not in ("id", "type", "date", "product_id", "subject", "attributes"):
                row.values[f"attr.{key}"] = _str(value)
        for key in ("type", "date", "subject"):
            if e.get(key) is not None:
                row.values[key] = _str(e.get(key))
        pid = _str(e.get("product_id"))
        product = products.get(pid)
        if product is not None:
            row.values["product_type"] = _str(product.get("type"))
            row.values["registration_class"] = _str(product.get("registration_class"))
            row.values["product_name"] = names.get(pid, "")
        form.rows.append(row)
    for a in awards:
        form.awards.append(_award_row(a, event_rows, names) if isinstance(a, Mapping) else AwardRow())
    return form


def _product_names(products: Mapping[str, Any], events: list[Any], awards: list[Any]) -> dict[str, str]:
    """The name each product goes by in the form. The form links rows by product name, so an
    unnamed product that several rows or an award share is given one (产品p1)."""
    names = {pid: _str(p.get("name")) for pid, p in products.items()}
    uses: dict[str, int] = {}
    for items, weight in ((events, 1), (awards, 2)):  # one award is enough to need a name
        for item in items:
            if isinstance(item, Mapping):
                pid = _str(item.get("product_id"))
                uses[pid] = uses.get(pid, 0) + weight
    taken = set(names.values())
    for pid in names:
        if not names[pid] and uses.get(pid, 0) > 1:
            name = f"产品{pid}"[:MAX_TEXT]
            while name in taken:
                name += "′"
            names[pid] = name
            taken.add(name)
    return names


def _award_row(a: Mapping[str, Any], event_rows: dict[str, int], names: dict[str, str]) -> AwardRow:
    row = AwardRow()
    measure, programme, level = (_str(a.get(k)) for k in ("measure_id", "programme", "level"))
    if measure:
        row.values["measure_id"] = measure
    elif programme or level:
        row.values["measure_id"] = EXTERNAL
    for key, value in (("programme", programme), ("level", level)):
        if value:
            row.values[key] = value
    for key in ("amount", "date", "subject"):
        if a.get(key) is not None:
            row.values[key] = _str(a.get(key))
    event_id = a.get("event_id")
    if event_id is not None:
        k = event_rows.get(_str(event_id))
        row.values["event"] = f"e{k}" if k is not None else f"?{_str(event_id)}"
    pid = a.get("product_id")
    if pid is not None:
        row.values["product_name"] = names.get(_str(pid)) or _str(pid)
    return row


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)[:MAX_TEXT]


# ---------------------------------------------------------------- the share link


class ShareLinkError(ValueError):
    """A share link whose payload cannot be read; the message says so in Chinese."""


TOKEN_PREFIX = "z1"  # format 1: raw DEFLATE of "<rules version>\n<canonical JSON>", base64url


def encode_case(case: Mapping[str, Any], rules_version: str = "") -> str:
    """A compact, stable token for a case: its canonical JSON (sorted keys, no spaces) with the
    rules version it was assessed under, DEFLATE-compressed, base64url without padding, after
    ``z1``. The same case gives the same token; a typical case is a few hundred characters.

    Chosen over a database row keyed by a digest: an anonymous result keeps its address without
    anything stored on the server (no table to grow, no migration beside the accounts' ones),
    and the token is never the whole case in plain base64."""
    canonical = json.dumps(case, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = packer.compress(f"{rules_version}\n{canonical}".encode()) + packer.flush()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_case(token: str) -> dict[str, Any]:
    return decode_token(token)[0]


def decode_token(token: str) -> tuple[dict[str, Any], str | None]:
    """(the case, the rules version the link was made under, or None for an old link)."""
    token = token.strip()
    if not token:
        raise ShareLinkError("链接中没有案例（参数 c 为空）")
    if len(token) > MAX_TOKEN:
        raise ShareLinkError(f"链接中的案例过长（{len(token)} 个字符，最多 {MAX_TOKEN} 个）")
    if not re.fullmatch(r"[A-Za-z0-9_-]+=*", token):
        raise ShareLinkError("链接已损坏：案例参数含有 base64url 以外的字符，请完整复制链接")
    packed = token.startswith(TOKEN_PREFIX)
    body = token[len(TOKEN_PREFIX) :] if packed else token  # links made before z1: plain base64url JSON
    try:
        raw = base64.urlsafe_b64decode(body.rstrip("=") + "=" * (-len(body.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise ShareLinkError("链接已损坏：案例参数无法按 base64url 解码，请完整复制链接") from None
    version = None
    if packed:
        unpacker = zlib.decompressobj(-15)
        try:
            raw = unpacker.decompress(raw, MAX_TOKEN * 20)  # a bomb stops at 1.2 MB
        except zlib.error:
            raise ShareLinkError("链接已损坏：案例无法解压，请完整复制链接") from None
        if unpacker.unconsumed_tail:
            raise ShareLinkError("链接中的案例过大") from None
        head, sep, raw = raw.partition(b"\n")
        if not sep:
            raise ShareLinkError("链接已损坏：缺少规则版本") from None
        version = head.decode("ascii", errors="replace") or None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ShareLinkError("链接已损坏：解码后不是 UTF-8 文本") from None
    except (json.JSONDecodeError, RecursionError):
        raise ShareLinkError("链接已损坏：解码后不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ShareLinkError("链接中的案例应为一个 JSON 对象（含 applicant、events、as_of）")
    return data, version
