"""The policy library as a use case: list, look up and search documents and clauses.

One ``Library`` is built per process from the loaded corpus (``get_library()``); the CLI and the
web app are thin shells around it and never touch the corpus themselves. The search index is
built (or loaded from the cache folder) the first time something searches, not before: listing
documents, reading a clause or assessing a case never pays for it. ``prepare_search()`` does it
ahead of time (the web app calls it in the background after start); a search that comes first
waits for it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Protocol

from biopolicy.corpus.index_cache import load_or_build
from biopolicy.corpus.loader import default_policies_dir, load_corpus
from biopolicy.corpus.search import MAX_QUERY_LENGTH, QueryError, use_jieba_cache_dir
from biopolicy.corpus.synonyms import Synonyms, load_synonyms
from biopolicy.domain import Clause, Corpus, Document, LoadError, SearchHit
from biopolicy.settings import get_settings

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_QUERY_LENGTH",
    "InvalidQuery",
    "Library",
    "NotFound",
    "QueryError",
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

    def search_page(
        self, query: str, offset: int, limit: int, doc_ids: object = None, clause_ids: object = None
    ) -> tuple[int, list[SearchHit]]: ...


class Library:
    """Documents, clauses and search over one loaded corpus."""

    def __init__(
        self,
        corpus: Corpus,
        index: Index | None = None,
        *,
        cache_dir: Path | None = None,
        synonyms: Synonyms | None = None,
    ) -> None:
        """``index``: the search index to use; else it is built on first search, kept in
        ``cache_dir`` when one is given, with ``synonyms`` (ways of writing the same thing)."""
        self._corpus = corpus
        self._synonyms = synonyms
        self._index = index
        self._cache_dir = cache_dir
        self._index_lock = threading.Lock()
        self._children: dict[str | None, list[Clause]] = defaultdict(list)
        for clause in corpus.all_clauses():
            self._children[clause.parent_id].append(clause)

    @classmethod
    def from_corpus(
        cls, corpus: Corpus, cache_dir: Path | None = None, synonyms: Synonyms | None = None
    ) -> Library:
        return cls(corpus, cache_dir=cache_dir, synonyms=synonyms)

    @property
    def search_ready(self) -> bool:
        """Whether the search index is built (a search now does not wait for it)."""
        return self._index is not None

    def _search_index(self) -> Index:
        if self._index is None:
            with self._index_lock:  # one build; concurrent searches wait for it
                if self._index is None:
                    self._index = load_or_build(self._corpus.all_clauses(), self._cache_dir, self._synonyms)
        return self._index

    def prepare_search(self) -> None:
        """Build or load the search index and load the word dictionary now, not on first search."""
        index = self._search_index()
        warm = getattr(index, "warm", None)
        if warm is not None:
            warm()

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
            return self._search_index().search(query, limit=limit, doc_id=doc_id)
        except InvalidQuery:
            raise
        except QueryError as exc:
            raise InvalidQuery(str(exc), field="q") from exc

    def search_page(
        self,
        query: str,
        page: int = 1,
        per_page: int = DEFAULT_LIMIT,
        doc_ids: set[str] | None = None,
        clause_ids: set[str] | None = None,
    ) -> tuple[int, list[SearchHit]]:
        """(how many clauses match, those of page ``page``, 1-based); ``doc_ids`` / ``clause_ids``
        keep only those documents' clauses / those clauses."""
        if not 1 <= per_page <= MAX_LIMIT:
            raise InvalidQuery(f"每页条数须在 1 到 {MAX_LIMIT} 之间，收到 {per_page}", field="limit")
        if page < 1:
            raise InvalidQuery(f"页码须为正整数，收到 {page}", field="page")
        index = self._search_index()
        try:
            return index.search_page(query, (page - 1) * per_page, per_page, doc_ids, clause_ids)
        except InvalidQuery:
            raise
        except QueryError as exc:
            raise InvalidQuery(str(exc), field="q") from exc


def load_library(policies_dir: Path | None = None, cache_dir: Path | None = None) -> Library:
    """Load the corpus from ``policies_dir`` (default: settings.policies, $BIOPOLICY_POLICIES, else the repository's
    ``policies/``); its search index, when first needed, is kept in ``cache_dir`` (default: the
    settings' cache folder), and so is jieba's dictionary cache."""
    settings = get_settings()
    policies_dir = policies_dir or settings.policies
    cache_dir = cache_dir or settings.cache_dir
    use_jieba_cache_dir(cache_dir)
    synonyms, errors = load_synonyms(Path(policies_dir) if policies_dir else default_policies_dir())
    corpus = load_corpus(policies_dir)
    corpus.errors.extend(errors)  # reported with the documents that failed to load
    return Library.from_corpus(corpus, cache_dir=cache_dir, synonyms=synonyms)


@cache
def get_library() -> Library:
    """The process's one Library, loaded on first use and kept: the corpus does not change while running."""
    return load_library()
