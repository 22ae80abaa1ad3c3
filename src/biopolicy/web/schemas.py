"""HTTP-specific JSON shapes: the error bodies of the API. The result shapes live in
``biopolicy.services.models`` (shared by the API, the pages and the CLI)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str = Field(description="给用户看的中文说明")


class FieldErrorOut(BaseModel):
    loc: list[str | int] = Field(description='出错的位置，如 ["query", "limit"]')
    msg: str = Field(description="中文说明：该字段应当是什么")
    type: str


class ValidationErrorOut(BaseModel):
    detail: str = Field(description="所有字段错误合成的一句中文说明")
    errors: list[FieldErrorOut]
