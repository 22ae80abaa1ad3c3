"""The case: who asks, about which products and achievements, with which awards already paid.

A case is what the calculator, a reviewer's check and a batch run all feed the engine. Events after
``as_of`` are planned (what-if); prior awards after ``as_of`` are ignored.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from biopolicy.domain.dates import IsoDate
from biopolicy.domain.money import parse_money
from biopolicy.domain.validation import Problem

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class ApplicantKind(StrEnum):
    enterprise = "enterprise"
    medical_institution = "medical_institution"
    platform = "platform"
    association = "association"
    person = "person"


APPLICANT_KIND_LABELS = {
    ApplicantKind.enterprise: "企业",
    ApplicantKind.medical_institution: "医疗机构",
    ApplicantKind.platform: "平台",
    ApplicantKind.association: "行业协会",
    ApplicantKind.person: "个人",
}


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ApplicantKind
    name: str = Field(min_length=1)
    credit_code: str | None = None  # 统一社会信用代码
    province: str | None = "福建省"
    city: str | None = None
    district: str | None = None

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        if value is not None and not CREDIT_CODE.match(value):
            raise ValueError("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）")
        return value


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    name: str = ""
    type: str  # a product type of the catalogue: chemical, biologic, tcm, device, ...
    registration_class: str | None = None  # drugs "1", "2", "3.1", ...; devices "II", "III"


class Event(BaseModel):
    """An achievement on a date; its typed attributes are listed flat beside id, type and date."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    type: str
    date: IsoDate
    product_id: str | None = None
    subject: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather_attributes(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attributes" not in data:
            fixed = {"id", "type", "date", "product_id", "subject"}
            data = {k: v for k, v in data.items() if k in fixed} | {
                "attributes": {k: v for k, v in data.items() if k not in fixed}
            }
        return data

    @model_serializer(mode="wrap")
    def _flatten(self, handler: Any) -> dict[str, Any]:
        out = handler(self)
        attributes = out.pop("attributes", {}) or {}
        return {k: v for k, v in out.items() if v is not None} | attributes

    @property
    def subject_key(self) -> str:
        """What the achievement is about: a named subject, else the product, else the event."""
        return self.subject or self.product_id or self.id


class PriorAward(BaseModel):
    """An award already paid: under an encoded measure, or under an external programme."""

    model_config = ConfigDict(extra="forbid")

    measure_id: str | None = None
    programme: str | None = None  # e.g. 国家重大新药创制专项
    level: str | None = None  # national / provincial / city / district
    amount: Decimal
    date: IsoDate
    event_id: str | None = None  # the achievement it rewarded, when it is among the case's events
    product_id: str | None = None
    subject: str | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        return parse_money(value, "amount")

    @model_validator(mode="after")
    def _named(self) -> PriorAward:
        if not self.measure_id and not self.programme:
            raise ValueError("应写明 measure_id（已编码的措施）或 programme（外部项目名称）之一")
        return self

    @property
    def subject_key(self) -> str | None:
        return self.subject or self.product_id


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applicant: Applicant
    products: list[Product] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    prior_awards: list[PriorAward] = Field(default_factory=list)
    as_of: IsoDate

    def product(self, product_id: str | None) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)


class CaseError(ValueError):
    """A case that cannot be assessed as written; each problem names its field and what is expected."""

    def __init__(self, problems: list[Problem]):
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        """Each problem as one "field：message" line, for text output."""
        return [str(p) for p in self.problems]
