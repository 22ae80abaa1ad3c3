"""Static files as a browser should get them: compressed, cached, and addressed by content.

- Every page names an asset with ``url_for('static', path=...)``, which appends ``?v=<digest>`` of
  the file's bytes (``asset_version``). A request that carries the file's current digest is answered
  with ``Cache-Control: public, max-age=31536000, immutable``: the address changes whenever the file
  does, so a browser never asks again. Any other request (no ``v``, an old one) gets a short
  ``max-age`` and the ETag that Starlette sets, so it revalidates cheaply (304).
- Compression is the app's GZipMiddleware (web/app.py): ECharts goes out at about a third of its
  size; responses under 500 bytes are left as they are.
- ``/favicon.ico`` serves the app's own icon (static/favicon.ico; static/favicon.svg for browsers
  that take SVG, linked from base.html).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"  # unversioned: five minutes, then a conditional request


@cache
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_version(directory: Path, relative: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256 (cached per path, modification time and size)."""
    path = (directory / relative).resolve()
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


class CachedStaticFiles(StaticFiles):
    """StaticFiles whose answers say how long they may be kept (see the module docstring)."""

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        wanted = Request(scope).query_params.get("v")
        current = _digest(str(Path(full_path).resolve()), stat_result.st_mtime_ns, stat_result.st_size)
        response.headers["cache-control"] = IMMUTABLE if wanted == current else REVALIDATE
        return response


def favicon_route(static_dir: Path):
    icon = static_dir / "favicon.ico"

    def favicon() -> FileResponse:
        return FileResponse(
            icon, media_type="image/x-icon", headers={"cache-control": "public, max-age=86400"}
        )

    return favicon
