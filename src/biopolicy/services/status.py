"""In-force status of a document or a measure on a given day.

A window may be open at either end: a text that says only 执行至2025-12-31 is in force up to that
day; a text that states no window at all is 未规定有效期, never "in force" by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from biopolicy.domain import Document
from biopolicy.rules.schema import Window


class Status(StrEnum):
    in_force = "in_force"
    expired = "expired"
    not_yet = "not_yet"
    no_window = "no_window"


LABELS = {
    Status.in_force: "现行有效",
    Status.expired: "已失效",
    Status.not_yet: "尚未施行",
    Status.no_window: "未规定有效期",
}

ORDER = (Status.in_force, Status.not_yet, Status.expired, Status.no_window)


@dataclass(frozen=True)
class InForce:
    """A window and what it means on ``as_of``."""

    start: date | None
    end: date | None
    as_of: date
    status: Status

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def window_text(self) -> str:
        """The window in words: 2023-11-20 至 2026-12-31, 至 2025-12-31, 自 2025-08-07 起（未规定截止日）, 未规定有效期."""
        if self.start and self.end:
            return f"{self.start.isoformat()} 至 {self.end.isoformat()}"
        if self.end:
            return f"至 {self.end.isoformat()}"
        if self.start:
            return f"自 {self.start.isoformat()} 起（未规定截止日）"
        return LABELS[Status.no_window]


def status_on(start: date | None, end: date | None, as_of: date) -> Status:
    if start is None and end is None:
        return Status.no_window
    if start is not None and as_of < start:
        return Status.not_yet
    if end is not None and as_of > end:
        return Status.expired
    return Status.in_force


def in_force(start: date | None, end: date | None, as_of: date) -> InForce:
    return InForce(start, end, as_of, status_on(start, end, as_of))


def document_in_force(doc: Document, as_of: date) -> InForce:
    return in_force(doc.in_force_from, doc.in_force_to, as_of)


def window_in_force(window: Window, as_of: date) -> InForce:
    """A measure's effective window (``RuleSet.window(measure)``) on ``as_of``."""
    return in_force(window.from_, window.to, as_of)
