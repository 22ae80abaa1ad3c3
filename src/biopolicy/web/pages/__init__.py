"""HTML pages. Each page is the twin of a JSON handler: it calls the same service and renders the
model that handler returns, so the page and /api/v1 can never disagree.

Add a page module with a ``router`` and list it in ``PAGE_ROUTERS`` in web/app.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates

from biopolicy.services.guides import guide_view
from biopolicy.services.wording import amount_text, kind_word, yuan
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


def _names():
    from biopolicy.services.calculator import get_calculator

    return get_calculator().names


def clause_name(clause_id: str) -> str:
    """A clause as users name it: the document's short name and the clause's label."""
    return _names().clause(clause_id)


def clause_title(clause_id: str) -> str:
    """The hover of a clause name: the document's full title and 文号."""
    return _names().document_title(clause_id.split("/", 1)[0])


def distinct_clauses(ids: list[str]) -> list[str]:
    """The clauses of a list with distinct names, the first of each kept: two paragraphs of one item
    read alike ("厦门市2023年若干措施（一）") and are named once (issue 15 §1)."""
    seen: set[str] = set()
    return [c for c in ids if not (clause_name(c) in seen or seen.add(clause_name(c)))]


def clause_key(ids: list[str]) -> list[str]:
    """What a reader sees of a list of clauses: its names, in order; a card shows each such list once."""
    return sorted({clause_name(c) for c in ids})


# the words of amounts and clauses, written once in services/wording.py
templates.env.globals["distinct_clauses"] = distinct_clauses
templates.env.globals["clause_key"] = clause_key
templates.env.globals["clause_name"] = clause_name
templates.env.globals["clause_title"] = clause_title
templates.env.globals["kind_word"] = kind_word
templates.env.filters["kind_word"] = kind_word
templates.env.filters["amount_text"] = amount_text


def china_time(value: Any) -> str:
    """A stored (UTC) time as people here read it: Beijing time, to the minute."""
    from biopolicy.services.accounts import CHINA

    if value is None:
        return ""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def unread_count(request: Any) -> int:
    """The account nav's count of unread notifications (pages/notifications.py)."""
    from biopolicy.web.pages.notifications import unread_count as count

    return count(request)


templates.env.filters["china_time"] = china_time
templates.env.globals["unread_count"] = unread_count
templates.env.globals["yuan"] = yuan
templates.env.globals["yuan_of"] = lambda text: yuan(Decimal(text))  # an amount written as a string
# 申兑指南 of a measure (services/guides.py): the measure page and each entitlement of the calculator
templates.env.globals["guide_of"] = guide_view
