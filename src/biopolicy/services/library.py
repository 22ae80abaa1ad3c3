"""The policy library as a use case: list, look up and search documents and clauses.

One ``Library`` is built per process from the loaded corpus and its search index
(``get_library()``); the CLI and the web app are thin shells around it and never touch the
corpus themselves.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Protocol

from biopolicy.corpus.loader import load_corpus
from biopolicy.corpus.search import QueryError, SearchIndex
from biopolicy.domain import Clause, Corpus, Document, LoadError, SearchHit

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "InvalidQuery",
    "Library",
    "NotFound",
    "get_library",
    "load_library",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100  # more hits than this is a dump of the corpus, not an answer


class NotFound(LookupError):
    """No document or clause has this id."""

    def __init__(self, ident: str) -> None:
        self.ident = ident
        super().__init__(f"未找到文件或条款：{ident}")

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return self.args[0]


class InvalidQuery(QueryError):
    """A search the user asked for that cannot be run; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "q") -> None:
        self.field = field
        super().__init__(message)


class Index(Protocol):
    def search(
        self, query: str, limit: int = DEFAULT_LIMIT, doc_id: str | None = None
    ) -> list[SearchHit]: ...


class Library:
    """Documents, clauses and search over one loaded corpus."""

    def __init__(self, corpus: Corpus, index: Index) -> None:
        self._corpus = corpus
        self._index = index
        self._children: dict[str | None, list[Clause]] = defaultdict(list)
        for clause in corpus.all_clauses():
            self._children[clause.parent_id].append(clause)

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> Library:
        return cls(corpus, SearchIndex(corpus.all_clauses()))

    @property
    def corpus(self) -> Corpus:
        """The loaded corpus, for the services built on it (the calculator validates rules against it)."""
        return self._corpus

    def documents(self) -> list[Document]:
        return list(self._corpus.documents.values())

    def errors(self) -> list[LoadError]:
        return list(self._corpus.errors)

    def document(self, doc_id: str) -> Document:
        doc = self._corpus.documents.get(doc_id)
        if doc is None:
            raise NotFound(doc_id)
        return doc

    def clause(self, clause_id: str) -> Clause:
        clause = self._corpus.clause(clause_id)
        if clause is None:
            raise NotFound(clause_id)
        return clause

    def get(self, ident: str) -> Document | Clause:
        """The document or the clause with this id (``xm-2023`` or ``xm-2023/m16``)."""
        doc = self._corpus.documents.get(ident)
        return doc if doc is not None else self.clause(ident)

    def children(self, clause_id: str) -> list[Clause]:
        """The clauses directly below ``clause_id``, in document order."""
        self.clause(clause_id)
        return list(self._children.get(clause_id, []))

    def search(self, query: str, limit: int = DEFAULT_LIMIT, doc_id: str | None = None) -> list[SearchHit]:
        """Clauses matching ``query``, best first; ``doc_id`` keeps one document's clauses."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidQuery(f"返回条数须在 1 到 {MAX_LIMIT} 之间，收到 {limit}", field="limit")
        if doc_id is not None:
            self.document(doc_id)  # an unknown filter is an error, not an empty answer
        try:
            return self._index.search(query, limit=limit, doc_id=doc_id)
        except InvalidQuery:
            raise
        except QueryError as exc:
            raise InvalidQuery(str(exc), field="q") from exc


def load_library(policies_dir: Path | None = None) -> Library:
    """Load the corpus from ``policies_dir`` (default: $BIOPOLICY_POLICIES, else the repository's
    ``policies/``) and index it."""
    return Library.from_corpus(load_corpus(policies_dir))


@cache
def get_library() -> Library:
    """The process's one Library, loaded on first use and kept: the corpus does not change while running."""
    return load_library()
