"""The search index kept on disk, so that a process that searches does not rebuild it.

Building the index (jieba segmentation of every clause, BM25 weights) takes about a second; loading
what a build computed takes a few milliseconds. The file lives in the cache folder
(``settings.cache_dir``, i.e. ``<data_dir>/cache``), named by a key that digests everything the
index depends on:

- every clause as parsed (id, document, parent, kind, title, text): a changed source file, a changed
  ``document.yaml`` or a changed parser gives other clauses and so another key;
- the code that builds the index (the source of ``corpus/search.py``) and the cache format;
- jieba's version (its dictionary decides the words) and the marshal format.

A file with another key is not read; a file whose payload does not match its checksum, or that
does not fit the clauses, is ignored and rebuilt. The payload is ``marshal`` data (plain lists,
dicts, strings and numbers: nothing in it can run code); writes go to a temporary file renamed
into place, so a reader never sees half a file. Files of older keys are removed when a new one
is written. The cache folder belongs to this process's data folder: it is not the shared /tmp.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from biopolicy.corpus import search
from biopolicy.corpus.search import SearchIndex
from biopolicy.domain import Clause

__all__ = ["FORMAT", "PREFIX", "cache_key", "cache_path", "load_or_build"]

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file layout changes
PREFIX = "search-index-"
MAGIC = b"biopolicy-search-index\n"


def cache_key(clauses: Iterable[Clause]) -> str:
    """The hex digest naming the index of these clauses built by this code."""
    h = hashlib.sha256()
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


def load_or_build(clauses: Iterable[Clause], cache_dir: Path | None) -> SearchIndex:
    """The index of ``clauses``: from the cache when it holds this key, else built and saved."""
    clauses = list(clauses)
    if cache_dir is None:
        return SearchIndex(clauses)
    key = cache_key(clauses)
    path = cache_path(cache_dir, key)
    state = _read(path, key)
    if state is not None:
        try:
            return SearchIndex.from_state(clauses, state)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            log.warning("search index cache %s unusable (%s); rebuilding", path, exc)
    index = SearchIndex(clauses)
    _write(path, key, index.state())
    return index


def _jieba_version() -> str:
    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:  # pragma: no cover - jieba is a dependency
        return "unknown"


def _read(path: Path, key: str) -> dict | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("search index cache %s unreadable (%s); rebuilding", path, exc)
        return None
    head = MAGIC + key.encode("ascii") + b"\n"
    digest_end = len(head) + 32
    if not data.startswith(head) or len(data) < digest_end:
        log.warning("search index cache %s is not for this corpus or is damaged; rebuilding", path)
        return None
    payload = data[digest_end:]
    if hashlib.sha256(payload).digest() != data[len(head) : digest_end]:
        log.warning("search index cache %s is damaged (checksum); rebuilding", path)
        return None
    try:
        state = marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        log.warning("search index cache %s is damaged (%s); rebuilding", path, exc)
        return None
    return state if isinstance(state, dict) else None


def _write(path: Path, key: str, state: dict) -> None:
    payload = marshal.dumps(state)
    data = MAGIC + key.encode("ascii") + b"\n" + hashlib.sha256(payload).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-" + PREFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read-only or full disk: search still works, it just rebuilds next time
        log.warning("search index cache %s not written (%s)", path, exc)
        return
    for old in path.parent.glob(PREFIX + "*.bin"):
        if old != path:
            old.unlink(missing_ok=True)
