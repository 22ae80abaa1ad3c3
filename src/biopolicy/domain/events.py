"""The event catalogue's types: which achievements exist and which typed attributes each has."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from biopolicy.domain.registration import normalise_class


class AttributeType(StrEnum):
    money = "money"
    decimal = "decimal"
    int = "int"
    bool = "bool"
    date = "date"
    enum = "enum"
    text = "text"


class AttributeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: AttributeType
    label: str
    values: dict[str, str] = Field(default_factory=dict)  # enum: value -> Chinese label


class EventType(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    label: str
    description: str
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)
    example: dict = Field(default_factory=dict)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_types: dict[str, str]
    # per product type: registration class -> Chinese label; a type not listed has no class
    registration_classes: dict[str, dict[str, str]] = Field(default_factory=dict)
    events: dict[str, EventType]

    def model_post_init(self, _context: object) -> None:
        for name, event_type in self.events.items():
            event_type.name = name
        unknown = sorted(set(self.registration_classes) - set(self.product_types))
        if unknown:
            raise ValueError(f"registration_classes 中的产品类型 {'、'.join(unknown)} 不在 product_types 中")

    def registration_class(self, product_type: str, written: object) -> str:
        """The catalogue's value of a registration class as written, or ValueError listing the accepted ones."""
        label = self.product_types.get(product_type, product_type)
        classes = self.registration_classes.get(product_type, {})
        return normalise_class(written, classes, label)

    @property
    def all_registration_classes(self) -> set[str]:
        return {c for classes in self.registration_classes.values() for c in classes}
