"""Finding things: the measure list and clause search narrowed by level and city, in-force status
on a day, applicant kind and achievement; results by page.

- Level and city come from the places a measure covers (``applicant.places``): 福建省 is the
  provincial level, a city or a district (a Xiamen district is in 厦门市) the city level. A
  document is at the levels of its measures; a document with none (a plan) at the level of its
  issuers (福建省… / 厦门市… / 福州市…).
- Status is a document's or a measure's window on ``as_of`` (services/status.py); 未规定有效期
  is none of in force, expired or not yet, so it only shows when no status is asked for.
- Applicant kind and achievement (event type) belong to measures; a clause search narrowed by them
  keeps the clauses those measures cite and the paragraphs below them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from biopolicy.domain import Document
from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.places import CITIES, DISTRICTS, PROVINCE
from biopolicy.rules.schema import Measure
from biopolicy.services.calculator import Calculator
from biopolicy.services.library import InvalidQuery, Library
from biopolicy.services.status import LABELS, Status, document_in_force, window_in_force

__all__ = [
    "LEVELS",
    "STATUSES",
    "Filters",
    "Page",
    "document_places",
    "event_types_for_kind",
    "filter_measures",
    "pages",
    "search_clauses",
    "sorted_documents",
]

LEVELS = {"province": "省级", "city": "市级"}
STATUSES = {s.value: LABELS[s] for s in (Status.in_force, Status.not_yet, Status.expired)}


@dataclass(frozen=True)
class Filters:
    level: str | None = None  # province / city
    city: str | None = None  # one of CITIES
    status: str | None = None  # in_force / not_yet / expired, on as_of
    as_of: date = field(default_factory=date.today)
    kind: str | None = None  # an ApplicantKind value
    event: str | None = None  # an event type of the catalogue

    @property
    def any(self) -> bool:
        return any((self.level, self.city, self.status, self.kind, self.event))

    def check(self, calculator: Calculator) -> dict[str, str]:
        """Problems with the filters, by parameter name, in Chinese."""
        errors = {}
        if self.level is not None and self.level not in LEVELS:
            errors["level"] = f"层级应为 province（省级）或 city（市级），收到“{self.level[:20]}”"
        if self.city is not None and self.city not in CITIES:
            errors["city"] = f"城市应为 {'、'.join(CITIES)} 之一，收到“{self.city[:20]}”"
        if self.status is not None and self.status not in STATUSES:
            errors["status"] = (
                f"状态应为 in_force（现行有效）、not_yet（尚未施行）或 expired（已失效），收到“{self.status[:20]}”"
            )
        if self.kind is not None and self.kind not in {k.value for k in APPLICANT_KIND_LABELS}:
            errors["kind"] = (
                f"申报主体应为 {'、'.join(k.value for k in APPLICANT_KIND_LABELS)} 之一，收到“{self.kind[:20]}”"
            )
        if self.event is not None and self.event not in calculator.catalogue.events:
            errors["event"] = f"没有这一成果类型：“{self.event[:40]}”"
        return errors


def _place_of(place: str) -> tuple[str, str | None]:
    """(level, city) of a place a measure names."""
    if place == PROVINCE:
        return "province", None
    if place in CITIES:
        return "city", place
    for city, districts in DISTRICTS.items():
        if place in districts:
            return "city", city
    return "city", None


def measure_places(m: Measure) -> set[tuple[str, str | None]]:
    return {_place_of(p) for p in m.applicant.places}


def document_places(library: Library, calculator: Calculator) -> dict[str, set[tuple[str, str | None]]]:
    """Each document's (level, city) pairs: its measures', else its issuers'."""
    out: dict[str, set[tuple[str, str | None]]] = {}
    for doc in library.documents():
        places: set[tuple[str, str | None]] = set()
        for m in calculator.measures(doc.id):
            places |= measure_places(m)
        if not places:
            for issuer in doc.issuers:
                city = next((c for c in CITIES if issuer.startswith(c)), None)
                places.add(
                    ("city", city)
                    if city
                    else ("province", None)
                    if issuer.startswith(PROVINCE)
                    else ("", None)
                )
        out[doc.id] = places
    return out


def _place_ok(places: set[tuple[str, str | None]], f: Filters) -> bool:
    return any(
        (f.level is None or level == f.level) and (f.city is None or city == f.city) for level, city in places
    )


def filter_measures(calculator: Calculator, f: Filters, doc_id: str | None = None) -> list[Measure]:
    rules = calculator.rules
    out = []
    for m in calculator.measures(doc_id):
        if (f.level or f.city) and not _place_ok(measure_places(m), f):
            continue
        if f.status and window_in_force(rules.window(m), f.as_of).status.value != f.status:
            continue
        if f.kind and f.kind not in {k.value for k in m.applicant.kinds}:
            continue
        if f.event and m.event != f.event:
            continue
        out.append(m)
    return out


def filter_documents(library: Library, calculator: Calculator, f: Filters) -> set[str]:
    places = document_places(library, calculator)
    kept = set()
    for doc in library.documents():
        if (f.level or f.city) and not _place_ok(places[doc.id], f):
            continue
        if f.status and document_in_force(doc, f.as_of).status.value != f.status:
            continue
        kept.add(doc.id)
    return kept


def event_types_for_kind(calculator: Calculator, kind: str | None) -> list[str]:
    """The achievements some measure pays an applicant of ``kind`` for (all, for no kind), in
    catalogue order: a hospital is not offered a stock-exchange listing."""
    wanted = {
        m.event for m in calculator.measures() if kind is None or kind in {k.value for k in m.applicant.kinds}
    }
    return [name for name in calculator.catalogue.events if name in wanted]


@dataclass
class Page:
    """One page of results: ``items`` of ``total`` (page ``page`` of ``pages``)."""

    total: int
    page: int
    per_page: int
    items: list

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def pages(items: list, page: int, per_page: int) -> Page:
    if page < 1:
        raise InvalidQuery(f"页码须为正整数，收到 {page}", field="page")
    return Page(len(items), page, per_page, items[(page - 1) * per_page : page * per_page])


def search_clauses(
    library: Library,
    calculator: Calculator,
    query: str,
    f: Filters,
    page: int = 1,
    per_page: int = 20,
    doc_id: str | None = None,
) -> Page:
    """A page of clauses matching ``query`` within the filters; items are SearchHits."""
    doc_ids: set[str] | None = None
    if f.level or f.city or f.status:
        doc_ids = filter_documents(library, calculator, f)
    if doc_id is not None:
        library.document(doc_id)  # an unknown document is NotFound, not an empty answer
        doc_ids = {doc_id} if doc_ids is None else doc_ids & {doc_id}
    clause_ids: set[str] | None = None
    if f.kind or f.event:
        cited = {
            c for m in filter_measures(calculator, Filters(kind=f.kind, event=f.event)) for c in m.clauses
        }
        clause_ids = {
            c.id
            for c in library.corpus.all_clauses()
            if c.id in cited or any(c.id.startswith(x + "/") for x in cited)
        }
    total, hits = library.search_page(query, page, per_page, doc_ids, clause_ids)
    return Page(total, page, per_page, hits)


def sorted_documents(documents: list[Document], as_of: date) -> list[Document]:
    """In force first, then not yet in force, then expired, then those without a window; newest
    first within each."""
    order = {Status.in_force: 0, Status.not_yet: 1, Status.expired: 2, Status.no_window: 3}
    return sorted(
        documents,
        key=lambda d: (order[document_in_force(d, as_of).status], -(d.issued or date.min).toordinal(), d.id),
    )


EXPIRY_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Expiring:
    """A document in force on ``as_of`` whose window ends within ``EXPIRY_NOTICE_DAYS``."""

    doc: Document
    end: date
    days_left: int


def expiring_documents(library: Library, as_of: date, days: int = EXPIRY_NOTICE_DAYS) -> list[Expiring]:
    """Documents in force on ``as_of`` that end within ``days`` (the last day counts), soonest first."""
    out = []
    for doc in library.documents():
        status = document_in_force(doc, as_of).status
        if status == Status.in_force and doc.in_force_to is not None:
            left = (doc.in_force_to - as_of).days
            if 0 <= left <= days:
                out.append(Expiring(doc, doc.in_force_to, left))
    return sorted(out, key=lambda e: (e.end, e.doc.id))
