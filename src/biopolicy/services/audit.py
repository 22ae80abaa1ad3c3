"""The audit trail as a use case: verify its chain (``biopolicy audit verify``)."""

from __future__ import annotations

from biopolicy.services.database import unit_of_work
from biopolicy.storage.audit import ChainReport

__all__ = ["ChainReport", "verify"]


def verify(url: str | None = None) -> ChainReport:
    """Recompute the hash chain; the report names the first row that does not fit."""
    with unit_of_work(url=url, read_only=True) as uow:
        return uow.audit.verify()
