"""Full-text search over clauses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from biopolicy.services.library import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH
from biopolicy.services.models import SearchResults
from biopolicy.web.deps import LibraryDep
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
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"最多返回多少条（1 到 {MAX_LIMIT}）")]
Doc = Annotated[
    str | None,
    Query(max_length=MAX_ID_LENGTH, description="只检索这一文件，如 xm-2025-1", examples=["xm-2025-1"]),
]


@router.get(
    "/search",
    summary="检索条款",
    responses={
        404: {"model": ErrorBody, "description": "doc 指定的文件不存在"},
        422: {"model": ErrorBody, "description": "检索词为空或过长，或 limit 超出范围"},
    },
)
def search(library: LibraryDep, q: Q, limit: Limit = DEFAULT_LIMIT, doc: Doc = None) -> SearchResults:
    """Clauses matching ``q``, best first, each with a snippet in which the matches are in <mark>."""
    hits = library.search(q, limit=limit, doc_id=doc)
    return SearchResults.of(q, doc, limit, hits, library.clause)
