"""Checks a case against the event catalogue and the rules, and types its event attributes.

Every problem is collected (not just the first) and names its field and what is expected.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from biopolicy.domain.case import Case, CaseError
from biopolicy.domain.events import AttributeSpec, AttributeType, Catalogue
from biopolicy.domain.money import parse_money
from biopolicy.domain.places import validate_location
from biopolicy.domain.validation import FieldError, Problem
from biopolicy.rules.schema import RuleSet


def check_case(case: Case, rules: RuleSet, catalogue: Catalogue) -> Case:
    """The case with typed event attributes, or CaseError listing every problem."""
    problems: list[Problem] = []
    place = validate_location(
        case.applicant.province, case.applicant.city, case.applicant.district, rules.places
    )
    if place:
        problems.append(place)
    product_ids = {p.id for p in case.products}
    products = []
    for i, product in enumerate(case.products):
        if product.type not in catalogue.product_types:
            allowed = "、".join(catalogue.product_types)
            problems.append(
                Problem(("products", i, "type"), f"未知的产品类型“{product.type}”，应为 {allowed} 之一")
            )
        elif product.registration_class is not None:
            try:
                written = catalogue.registration_class(product.type, product.registration_class)
                product = product.model_copy(update={"registration_class": written})
            except ValueError as exc:
                problems.append(Problem(("products", i, "registration_class"), str(exc)))
        products.append(product)
    if len(product_ids) != len(case.products):
        problems.append(Problem(("products",), "产品 id 不能重复"))
    events = []
    seen: set[str] = set()
    for i, event in enumerate(case.events):
        where = ("events", i)
        if event.id in seen:
            problems.append(Problem((*where, "id"), f"成果 id“{event.id}”重复，每项成果的 id 应唯一"))
        seen.add(event.id)
        if event.product_id is not None and event.product_id not in product_ids:
            problems.append(
                Problem((*where, "product_id"), f"products 中没有 id 为“{event.product_id}”的产品")
            )
        event_type = catalogue.events.get(event.type)
        if event_type is None:
            allowed = "、".join(catalogue.events)
            problems.append(Problem((*where, "type"), f"未知的成果类型“{event.type}”，应为 {allowed} 之一"))
            continue
        typed = {}
        for name, value in event.attributes.items():
            spec = event_type.attributes.get(name)
            if spec is None:
                allowed = "、".join(event_type.attributes) or "（无）"
                problems.append(
                    Problem((*where, name), f"成果类型 {event.type} 没有属性 {name}，可用属性：{allowed}")
                )
                continue
            try:
                typed[name] = _typed(value, spec, (*where, name))
            except FieldError as exc:
                problems.append(exc.problem)
        events.append(event.model_copy(update={"attributes": typed}))
    for i, award in enumerate(case.prior_awards):
        if award.measure_id is not None and award.measure_id not in rules.measures:
            problems.append(
                Problem(("prior_awards", i, "measure_id"), f"没有 id 为“{award.measure_id}”的措施")
            )
        if award.event_id is not None and award.event_id not in seen:
            problems.append(
                Problem(("prior_awards", i, "event_id"), f"events 中没有 id 为“{award.event_id}”的成果")
            )
    if problems:
        raise CaseError(problems)
    return case.model_copy(update={"products": products, "events": events})


def _typed(value: Any, spec: AttributeSpec, field: tuple[str | int, ...]) -> Any:
    t = spec.type
    if value is None:
        raise FieldError(field, f"{spec.label}不能为 null；不知道时请省略该字段")
    if t == AttributeType.money:
        return parse_money(value, field)
    if t == AttributeType.bool:
        if not isinstance(value, bool):
            raise FieldError(field, f"{spec.label}应为 true 或 false，收到 {value!r}")
        return value
    if t == AttributeType.int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FieldError(field, f"{spec.label}应为非负整数，收到 {value!r}")
        return value
    if t == AttributeType.decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise FieldError(field, f"{spec.label}应为数字，收到 {value!r}") from None
    if t == AttributeType.date:
        try:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise FieldError(field, f"{spec.label}应为 YYYY-MM-DD 格式的日期，收到 {value!r}") from None
    if t == AttributeType.enum:
        if str(value) not in spec.values:
            allowed = "、".join(f"{k}（{v}）" for k, v in spec.values.items())
            raise FieldError(field, f"{spec.label}应为 {allowed} 之一，收到 {value!r}")
        return str(value)
    return str(value)
