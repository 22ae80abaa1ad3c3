"""Plain types shared by every layer. Nothing here does I/O."""

from biopolicy.domain.corpus import (
    Clause,
    ClauseKind,
    Corpus,
    Document,
    Fact,
    FactBound,
    FactKind,
    LoadError,
    SearchHit,
)

__all__ = [
    "Clause",
    "ClauseKind",
    "Corpus",
    "Document",
    "Fact",
    "FactBound",
    "FactKind",
    "LoadError",
    "SearchHit",
]
