"""Dependencies shared by route functions, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from biopolicy.services.library import Library


def library_of(request: Request) -> Library:
    """The Library the app loaded at start-up (see ``create_app``)."""
    return request.app.state.library


LibraryDep = Annotated[Library, Depends(library_of)]
