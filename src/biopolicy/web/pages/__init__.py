"""HTML pages. Each page is the twin of a JSON handler: it calls the same service and renders the
model that handler returns, so the page and /api/v1 can never disagree.

Add a page module with a ``router`` and list it in ``PAGE_ROUTERS`` in web/app.py.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
