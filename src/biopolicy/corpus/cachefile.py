"""Cache files of our own: a header naming what the file is for, a checksum, a marshal payload.

``marshal`` holds plain lists, dicts, strings and numbers, and loads them fast; nothing in a
payload can run code. A file whose header or checksum does not match is ignored (``None``), so a
damaged or stale file costs a rebuild, never a wrong answer. Writes go to a temporary file
renamed into place, so a reader never sees half a file; a write that fails (read-only or full
disk) is logged and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["read", "write"]

log = logging.getLogger(__name__)


def _head(kind: bytes, key: str) -> bytes:
    return b"biopolicy-" + kind + b"\n" + key.encode("ascii") + b"\n"


def read(path: Path, kind: bytes, key: str) -> Any | None:
    """The payload saved under ``kind`` and ``key``, or None when missing, stale or damaged."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cache file %s unreadable (%s); rebuilding", path, exc)
        return None
    head = _head(kind, key)
    body = len(head) + 32
    if not data.startswith(head) or len(data) < body:
        log.warning("cache file %s is stale or damaged; rebuilding", path)
        return None
    payload = memoryview(data)[body:]
    if hashlib.sha256(payload).digest() != data[len(head) : body]:
        log.warning("cache file %s is damaged (checksum); rebuilding", path)
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        log.warning("cache file %s is damaged (%s); rebuilding", path, exc)
        return None


def write(path: Path, kind: bytes, key: str, value: Any) -> bool:
    """Save ``value`` under ``kind`` and ``key``; False when it could not be written."""
    payload = marshal.dumps(value)
    data = _head(kind, key) + hashlib.sha256(payload).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-" + path.name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("cache file %s not written (%s)", path, exc)
        return False
    return True
