"""The calculator: a case in, every entitlement with its amount, ceilings, overlaps and trace out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from biopolicy.domain.assessment import Assessment
from biopolicy.domain.dates import IsoDate
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import check_case_size
from biopolicy.web.work import run_while_connected

router = APIRouter(tags=["测算"])

EXAMPLE = {
    "applicant": {"kind": "enterprise", "name": "厦门某药业有限公司", "city": "厦门市", "district": "海沧区"},
    "products": [{"id": "p1", "name": "某单抗", "type": "biologic", "registration_class": "1"}],
    "events": [
        {
            "id": "e1",
            "type": "clinical_stage_completed",
            "date": "2026-03-01",
            "product_id": "p1",
            "stage": "phase_2",
            "rd_investment": "30000000",
            "transferred_city": "厦门市",
        }
    ],
    "as_of": "2026-03-02",
}


@router.post(
    "/assess",
    summary="测算一个案例可享受的政策",
    responses={422: {"model": ErrorBody, "description": "案例有误：每条说明指出字段及应填写的内容"}},
)
async def assess_case(
    request: Request,
    calculator: CalculatorDep,
    case: Annotated[
        dict[str, Any], Body(description="案例：申请人、产品、成果、已获奖励、查询日", examples=[EXAMPLE])
    ],
    as_of: Annotated[IsoDate | None, Query(description="查询日，覆盖案例中的 as_of（YYYY-MM-DD）")] = None,
) -> Assessment:
    # the case is validated by the service, so every message names its field in Chinese (the
    # OpenAPI document declares the Case schema: web/openapi.py); the work stops if the client goes
    check_case_size(case, request.app.state.settings)
    return await run_while_connected(request, calculator.assess, case, as_of)
