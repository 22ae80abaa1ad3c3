"""Organisations the platform knows: who they are and the facts the calculator needs.

An organisation is an enterprise, a medical institution, a platform or an association (the kinds
of applicant a measure names, ``ApplicantKind``, minus the person). Its place and its products are
what fills the applicant part of a calculator case. Pure types: storage keeps them, services move
them between the two.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from biopolicy.domain.case import APPLICANT_KIND_LABELS, ApplicantKind
from biopolicy.domain.credit_code import validate_credit_code
from biopolicy.domain.places import PROVINCE


class OrganisationKind(StrEnum):
    """The applicant kinds an organisation can be; values equal ``ApplicantKind``'s."""

    enterprise = ApplicantKind.enterprise.value
    medical_institution = ApplicantKind.medical_institution.value
    platform = ApplicantKind.platform.value
    association = ApplicantKind.association.value

    @property
    def label(self) -> str:
        return APPLICANT_KIND_LABELS[ApplicantKind(self.value)]

    @property
    def applicant_kind(self) -> ApplicantKind:
        return ApplicantKind(self.value)


ORGANISATION_KIND_LABELS = {k: k.label for k in OrganisationKind}


class ProductFacts(BaseModel):
    """A product as the calculator sees it: its type (catalogue key) and registration class."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=40)
    registration_class: str | None = Field(default=None, max_length=20)


class OrganisationFacts(BaseModel):
    """What a new organisation must state; the credit code is checked (GB 32100-2015)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    credit_code: str
    kind: OrganisationKind
    province: str | None = Field(default=PROVINCE, max_length=40)
    city: str | None = Field(default=None, max_length=40)
    district: str | None = Field(default=None, max_length=40)
    products: list[ProductFacts] = Field(default_factory=list)

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        return validate_credit_code(value)

    @field_validator("province", "city", "district")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None
