"""Full-text search over clauses, by page, narrowed by level, city, status, applicant kind and
achievement (services/finding.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from biopolicy.domain.dates import IsoDate
from biopolicy.services.finding import Filters, search_clauses
from biopolicy.services.library import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH, InvalidQuery
from biopolicy.services.models import SearchResults
from biopolicy.web.deps import LibraryDep, calculator_of
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import MAX_ID_LENGTH

router = APIRouter(tags=["检索"])

# q is checked by the search index (empty, too long), so its message is the same in the CLI and here.
# the length is checked by the index (its message names q as 查询词); the schema states it
Q = Annotated[
    str,
    Query(
        description=f"检索词，1 到 {MAX_QUERY_LENGTH} 个字符",
        examples=["伦理"],
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_LENGTH},
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"每页条数（1 到 {MAX_LIMIT}）")]
PageNo = Annotated[int, Query(ge=1, le=10_000, description="页码，从 1 起")]
Doc = Annotated[
    str | None,
    Query(max_length=MAX_ID_LENGTH, description="只检索这一文件，如 xm-2025-1", examples=["xm-2025-1"]),
]
Level = Annotated[str | None, Query(max_length=20, description="层级：province（省级）或 city（市级）")]
City = Annotated[str | None, Query(max_length=20, description="城市，如 厦门市")]
StatusQ = Annotated[
    str | None,
    Query(
        max_length=20, description="有效状态：in_force（现行有效）、not_yet（尚未施行）、expired（已失效）"
    ),
]
AsOf = Annotated[IsoDate | None, Query(description="有效状态的查询日（YYYY-MM-DD），默认今天")]
Kind = Annotated[str | None, Query(max_length=40, description="申报主体：enterprise、medical_institution 等")]
Event = Annotated[
    str | None, Query(max_length=MAX_ID_LENGTH, description="成果类型，如 clinical_stage_completed")
]


def read_filters(
    request: Request,
    level: str | None,
    city: str | None,
    status: str | None,
    as_of: dt.date | None,
    kind: str | None,
    event: str | None,
) -> Filters:
    """The filters, checked (InvalidQuery naming the first bad one: a 422)."""
    f = Filters(
        level or None, city or None, status or None, as_of or dt.date.today(), kind or None, event or None
    )
    if f.any:
        errors = f.check(calculator_of(request))
        for name, message in errors.items():
            raise InvalidQuery(message, field=name)
    return f


@router.get(
    "/search",
    summary="检索条款",
    responses={
        404: {"model": ErrorBody, "description": "doc 指定的文件不存在"},
        422: {
            "model": ErrorBody,
            "description": "检索词为空或过长，limit 或 page 超出范围，或筛选条件不认识",
        },
    },
)
def search(
    request: Request,
    library: LibraryDep,
    q: Q,
    limit: Limit = DEFAULT_LIMIT,
    doc: Doc = None,
    page: PageNo = 1,
    level: Level = None,
    city: City = None,
    status: StatusQ = None,
    as_of: AsOf = None,
    kind: Kind = None,
    event: Event = None,
) -> SearchResults:
    """Clauses matching ``q``, best first, one page at a time, each with a snippet in which the
    matches are in <mark>. Searches understand the same thing written differently (三期 / Ⅲ期,
    GCP / 药物临床试验机构, 省药监局 / 福建省药品监督管理局: policies/_catalogue/synonyms.yaml)."""
    f = read_filters(request, level, city, status, as_of, kind, event)
    calculator = calculator_of(request) if f.any else None
    found = search_clauses(library, calculator, q, f, page=page, per_page=limit, doc_id=doc)  # type: ignore[arg-type]
    return SearchResults.of(q, doc, limit, found.items, library.clause, page=page, total=found.total)
