"""Documents and their clauses.

Each route function calls the service and returns a schema model, nothing else: an HTML page can
later call the same function and render the model it returns.
"""

from __future__ import annotations

from fastapi import APIRouter, Path

from biopolicy.services.models import ClauseOut, DocumentList, DocumentOut
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import MAX_ID_LENGTH

router = APIRouter(tags=["文件与条款"])

_NOT_FOUND = {404: {"model": ErrorBody, "description": "没有这个编号的文件或条款"}}


@router.get("/documents", summary="文件列表")
def list_documents(library: LibraryDep, calculator: CalculatorDep) -> DocumentList:
    """Every loaded document without its clauses, the documents that failed to load, and those
    whose measures failed to load (their assessments are off; the others keep working)."""
    return DocumentList.of(library.documents(), library.errors(), calculator.skipped)


@router.get("/documents/{doc_id}", summary="一份文件及其条款树", responses=_NOT_FOUND)
def get_document(
    library: LibraryDep,
    doc_id: str = Path(max_length=MAX_ID_LENGTH, description="文件编号，如 xm-2023", examples=["xm-2023"]),
) -> DocumentOut:
    return DocumentOut.of(library.document(doc_id))


@router.get("/clauses/{clause_id:path}", summary="一个条款", responses=_NOT_FOUND)
def get_clause(
    library: LibraryDep,
    clause_id: str = Path(
        max_length=MAX_ID_LENGTH,
        description="条款编号，如 xm-2023/m16 或 xm-2023/m10/p2",
        examples=["xm-2023/m16"],
    ),
) -> ClauseOut:
    return ClauseOut.of(library.clause(clause_id), library.children(clause_id))
