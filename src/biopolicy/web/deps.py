"""Dependencies shared by route functions, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from biopolicy.services.calculator import Calculator
from biopolicy.services.library import Library


def library_of(request: Request) -> Library:
    """The Library the app loaded at start-up (see ``create_app``)."""
    return request.app.state.library


LibraryDep = Annotated[Library, Depends(library_of)]


def calculator_of(request: Request) -> Calculator:
    """The Calculator the app loaded at start-up; built from the app's library when it was not."""
    state = request.app.state
    if getattr(state, "calculator", None) is None:
        state.calculator = Calculator.load(state.library.corpus)
    return state.calculator


CalculatorDep = Annotated[Calculator, Depends(calculator_of)]
