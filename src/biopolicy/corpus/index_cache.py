"""The search index kept on disk, so that a process that searches does not rebuild it.

Building the index (jieba segmentation of every clause, BM25 weights) takes about a second; loading
what a build computed takes a few milliseconds. The file lives in the cache folder
(``settings.cache_dir``, i.e. ``<data_dir>/cache``), named by a key that digests everything the
index depends on:

- every clause as parsed (id, document, parent, kind, title, text): a changed source file, a changed
  ``document.yaml`` or a changed parser gives other clauses and so another key;
- the code that builds the index (the source of ``corpus/search.py``) and the cache format;
- jieba's version (its dictionary decides the words) and the marshal format;
- the synonym table (``policies/_catalogue/synonyms.yaml``) and the code that applies it.

A file with another key is not read; a file whose payload does not match its checksum, or that
does not fit the clauses, is ignored and rebuilt (file format: ``corpus/cachefile.py``). Files of
older keys are removed when a new one is written. The cache folder belongs to this process's data
folder: it is not the shared /tmp.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from biopolicy.corpus import cachefile, search
from biopolicy.corpus import synonyms as synonyms_module
from biopolicy.corpus.search import SearchIndex
from biopolicy.corpus.synonyms import Synonyms
from biopolicy.domain import Clause

__all__ = ["FORMAT", "PREFIX", "cache_key", "cache_path", "load_or_build"]

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file layout changes
PREFIX = "search-index-"
KIND = b"search-index"


def cache_key(clauses: Iterable[Clause], synonyms: Synonyms | None = None) -> str:
    """The hex digest naming the index of these clauses built by this code."""
    h = hashlib.sha256()
    h.update(f"synonyms {synonyms.digest if synonyms and synonyms.groups else '-'}\0".encode())
    h.update(Path(synonyms_module.__file__).read_bytes())
    for part in (f"format {FORMAT}", f"marshal {marshal.version}", f"jieba {_jieba_version()}"):
        h.update(part.encode() + b"\0")
    h.update(Path(search.__file__).read_bytes())
    for c in clauses:
        for part in (c.id, c.doc_id, c.parent_id or "", c.kind.value, c.title or "", c.text):
            h.update(part.encode("utf-8") + b"\0")
        h.update(b"\1")
    return h.hexdigest()


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{PREFIX}{key[:32]}.bin"


def load_or_build(
    clauses: Iterable[Clause], cache_dir: Path | None, synonyms: Synonyms | None = None
) -> SearchIndex:
    """The index of ``clauses``: from the cache when it holds this key, else built and saved."""
    clauses = list(clauses)
    if cache_dir is None:
        return SearchIndex(clauses, synonyms)
    key = cache_key(clauses, synonyms)
    path = cache_path(cache_dir, key)
    state = _read(path, key)
    if state is not None:
        try:
            return SearchIndex.from_state(clauses, state, synonyms)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            log.warning("search index cache %s unusable (%s); rebuilding", path, exc)
    index = SearchIndex(clauses, synonyms)
    _write(path, key, index.state())
    return index


def _jieba_version() -> str:
    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:  # pragma: no cover - jieba is a dependency
        return "unknown"


def _read(path: Path, key: str) -> dict | None:
    state = cachefile.read(path, KIND, key)
    return state if isinstance(state, dict) else None


def _write(path: Path, key: str, state: dict) -> None:
    if not cachefile.write(path, KIND, key, state):
        return
    for old in path.parent.glob(PREFIX + "*.bin"):
        if old != path:
            old.unlink(missing_ok=True)
