"""Rendering helpers shared by the library, measure and overview pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from biopolicy.web.pages import templates


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``template`` with ``context``; ``title`` names the page in the browser tab."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def not_found_page(request: Request, message: str, back: tuple[str, str] = ("/", "返回首页")) -> HTMLResponse:
    """A 404 in Chinese, as a page: what was not found and where to go instead."""
    return render(request, "error.html", status_code=404, title="未找到", message=message, back=back)
