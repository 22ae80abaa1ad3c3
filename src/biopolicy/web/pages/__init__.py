"""HTML pages. Each page is the twin of a JSON handler: it calls the same service and renders the
model that handler returns, so the page and /api/v1 can never disagree.

Add a page module with a ``router`` and list it in ``PAGE_ROUTERS`` in web/app.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates

from biopolicy.web.assets import asset_version

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@jinja2.pass_context
def _path_for(context: Any, name: str, /, **path_params: Any) -> str:
    """``url_for`` in templates gives a path (``/static/app.css``), never an absolute URL: an
    absolute one would be built from the Host header a client sent."""
    path = str(context["request"].app.url_path_for(name, **path_params))
    if name == "static":  # versioned by content: cached for good, a new address when it changes
        version = asset_version(STATIC_DIR, path_params.get("path", ""))
        if version is not None:
            path += f"?v={version}"
    return path


templates.env.globals["url_for"] = _path_for
