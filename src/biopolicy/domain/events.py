"""The event catalogue's types: which achievements exist and which typed attributes each has."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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
    events: dict[str, EventType]

    def model_post_init(self, _context: object) -> None:
        for name, event_type in self.events.items():
            event_type.name = name
