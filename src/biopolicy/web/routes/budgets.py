"""Budgets as JSON (services/budgets.py): finance sets them; finance, auditors and administrators read
committed, paid, remaining and queued per budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from biopolicy.services import budgets
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.routes.fulfilment import AUTH, WRITE, IdempotencyKey, guarded
from biopolicy.web.session import uow_for

router = APIRouter(tags=["预算"])


class BudgetChange(BaseModel):
    measure_id: str = Field(min_length=1, max_length=120, description="措施编号")
    fiscal_year: int = Field(ge=budgets.FIRST_YEAR, le=budgets.LAST_YEAR, description="预算年度")
    level: Literal["national", "province", "city", "district"] = Field(description="出资层级")
    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2, description="预算金额（元）")
    note: str = Field(default="", max_length=500, description="说明（如预算文号）")


class BudgetSet(BaseModel):
    budget_id: int
    amount: str
    released: list[int] = Field(description="因预算增加而依次放行的排队申报")
    replayed: bool


@router.get("/budgets", summary="预算：已承诺、已支付、余额、排队", responses=AUTH)
def overview(request: Request, calculator: CalculatorDep) -> list[budgets.BudgetView]:
    with uow_for(request) as uow:
        return guarded(request, lambda: budgets.overview(uow, request.state.principal, calculator))


@router.post("/budgets", summary="设定或调整一项预算（财务）；增加时排队项目依次放行", responses=WRITE)
def set_budget(
    request: Request, body: BudgetChange, key: IdempotencyKey, calculator: CalculatorDep
) -> BudgetSet:
    with uow_for(request) as uow:
        return guarded(
            request,
            lambda: budgets.set_budget(
                uow,
                request.state.principal,
                calculator,
                body.measure_id,
                body.fiscal_year,
                body.level,
                body.amount,
                key,
                note=body.note,
            ),
        )
