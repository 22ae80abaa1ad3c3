"""Where a rule's fact paths (``event.stage``, ``product.type``, ``applicant.city``) get their values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from biopolicy.domain.case import Applicant, Event, Product
from biopolicy.domain.events import Catalogue

MISSING = object()


@dataclass(frozen=True)
class Situation:
    """The facts one measure is judged on: the applicant, the event and its product."""

    applicant: Applicant
    event: Event
    product: Product | None
    catalogue: Catalogue

    def get(self, path: str) -> Any:
        root, _, name = path.partition(".")
        if root == "event":
            if name in ("date", "id", "type", "product_id", "subject"):
                return getattr(self.event, name)
            return self.event.attributes.get(name, MISSING)
        if root == "product":
            if self.product is None:
                return MISSING
            value = getattr(self.product, name, MISSING)
            return MISSING if value is None else value
        if root == "applicant":
            value = getattr(self.applicant, name, MISSING)
            return MISSING if value is None else value
        return MISSING

    def label(self, path: str) -> str:
        return self.labels.label(path)

    def value_label(self, path: str, value: Any) -> str:
        return self.labels.value_label(path, value)

    @property
    def labels(self) -> FactLabels:
        return FactLabels(self.catalogue, self.event.type)


@dataclass(frozen=True)
class FactLabels:
    """The Chinese names of the facts a measure reads, for one event type: for traces and pages."""

    catalogue: Catalogue
    event_type: str

    def _spec(self, name: str):
        event = self.catalogue.events.get(self.event_type)
        return event.attributes.get(name) if event is not None else None

    def label(self, path: str) -> str:
        root, _, name = path.partition(".")
        if root == "event":
            spec = self._spec(name)
            if spec is not None:
                return spec.label
            return {"date": "成果日期", "subject": "事项"}.get(name, name)
        return FIXED_LABELS.get(path, path)

    def value_label(self, path: str, value: Any) -> str:
        root, _, name = path.partition(".")
        if root == "event":
            spec = self._spec(name)
            if spec is not None and spec.values:
                return spec.values.get(str(value), str(value))
        if path == "product.type":
            return self.catalogue.product_types.get(str(value), str(value))
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)


FIXED_LABELS = {
    "product.type": "产品类型",
    "product.registration_class": "注册分类",
    "applicant.kind": "申请人类型",
    "applicant.city": "所在城市",
    "applicant.district": "所在区",
}
