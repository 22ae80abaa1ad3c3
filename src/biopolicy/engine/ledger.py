"""What has been paid: prior awards and the awards made earlier in this case, indexed for look-up.

The engine records every award that takes from a ceiling or counts for an overlap, a top-up or a
once-per rule here, in date order. Each index answers one question in constant time, so assessing
a case stays linear in its events:
- what a ceiling's bucket (cap id, bucket key) already holds, as a running sum, and whether every
  award in it is an exact figure;
- the awards for one subject, one event, one product, and one measure for one product or subject.
Later, the database ledger fills the same record from stored awards (``PaidLedger.add``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import Situation
from biopolicy.rules.schema import Cap, CapScope

Bucket = tuple  # the key of one ceiling's bucket: (product,), (subject,), (subject, year), (year,) or ()


@dataclass(frozen=True)
class PaidAward:
    """An award that takes from ceilings and counts for overlaps: prior, or earlier in this case."""

    measure_id: str | None
    programme: str | None
    subject: str | None
    product_id: str | None
    event_id: str | None
    year: int
    value: Decimal
    exact: bool
    situation: Situation | None = None  # None for prior awards: their event's facts are unknown
    paid_on: date | None = None  # the award's date (prior) or its event's date
    seq: int = 0  # the order it was recorded in, set by the ledger

    @property
    def name(self) -> str:
        return self.measure_id or self.programme or ""

    @property
    def prior(self) -> bool:
        return self.situation is None


def bucket_key(cap: Cap, year: int, product_id: str | None, subject: str | None) -> Bucket | None:
    """The bucket of ``cap`` an award of that year, product and subject falls in; None: no bucket."""
    scope = cap.scope
    if scope == CapScope.product:
        return (product_id,) if product_id else None
    if scope == CapScope.subject:
        return (subject,) if subject else None
    if scope == CapScope.subject_year:
        return (subject, year) if subject else None
    if scope == CapScope.applicant_year:
        return (year,)
    return ()


def cap_covers(cap: Cap, s: Situation | None, measure_id: str | None) -> bool:
    """Whether ``cap`` counts an award of ``measure_id`` in situation ``s`` (unknown facts: it does)."""
    if measure_id not in cap.measures:
        return False
    if cap.when is None or s is None:
        return True
    return evaluate(cap.when, s, {}).holds is not False


class PaidLedger:
    """Every award paid so far, with the indexes the engine asks."""

    def __init__(self, caps: list[Cap]):
        self.caps_by_measure: dict[str, list[Cap]] = defaultdict(list)
        for cap in caps:
            for measure_id in cap.measures:
                self.caps_by_measure[measure_id].append(cap)
        self.awards: list[PaidAward] = []
        self._sums: dict[tuple[str, Bucket], Decimal] = {}
        self._inexact: set[tuple[str, Bucket]] = set()
        self._holders: dict[tuple[str, Bucket], list[PaidAward]] = defaultdict(list)
        self._by_subject: dict[str | None, list[PaidAward]] = defaultdict(list)
        self._by_event: dict[str | None, list[PaidAward]] = defaultdict(list)
        self._by_product: dict[str | None, list[PaidAward]] = defaultdict(list)
        self._by_measure_product: dict[tuple[str | None, str], list[PaidAward]] = defaultdict(list)
        self._by_measure_subject: dict[tuple[str | None, str], list[PaidAward]] = defaultdict(list)
        self._programmes_by_subject: dict[str, list[PaidAward]] = defaultdict(list)

    def caps_for(self, measure_id: str | None) -> list[Cap]:
        return self.caps_by_measure.get(measure_id, []) if measure_id else []

    def add(self, award: PaidAward) -> PaidAward:
        award = replace(award, seq=len(self.awards))
        self.awards.append(award)
        for cap in self.caps_for(award.measure_id):
            if not cap_covers(cap, award.situation, award.measure_id):
                continue
            key = bucket_key(cap, award.year, award.product_id, award.subject)
            if key is None:
                continue
            slot = (cap.id, key)
            self._sums[slot] = self._sums.get(slot, Decimal(0)) + award.value
            self._holders[slot].append(award)
            if not award.exact:
                self._inexact.add(slot)
        self._by_subject[award.subject].append(award)
        self._by_event[award.event_id].append(award)
        if award.product_id:
            self._by_product[award.product_id].append(award)
            self._by_measure_product[(award.measure_id, award.product_id)].append(award)
        if award.subject:
            self._by_measure_subject[(award.measure_id, award.subject)].append(award)
            if award.programme:
                self._programmes_by_subject[award.subject].append(award)
        return award

    def taken(self, cap: Cap, key: Bucket) -> Decimal:
        """What the bucket ``key`` of ``cap`` already holds."""
        return self._sums.get((cap.id, key), Decimal(0))

    def holders(self, cap: Cap, key: Bucket) -> list[PaidAward]:
        """The awards in the bucket, in the order they were recorded: who took the room."""
        return self._holders.get((cap.id, key), [])

    def all_exact(self, cap: Cap, key: Bucket) -> bool:
        """Whether every award in the bucket is an exact figure (none is only a maximum)."""
        return (cap.id, key) not in self._inexact

    def for_subject(self, subject: str | None) -> list[PaidAward]:
        return self._by_subject.get(subject, [])

    def for_event(self, event_id: str | None) -> list[PaidAward]:
        return self._by_event.get(event_id, []) if event_id else []

    def for_product(self, product_id: str | None) -> list[PaidAward]:
        return self._by_product.get(product_id, []) if product_id else []

    def for_measure_product(self, measure_id: str, product_id: str | None) -> list[PaidAward]:
        return self._by_measure_product.get((measure_id, product_id), []) if product_id else []

    def for_measure_subject(self, measure_id: str, subject: str | None) -> list[PaidAward]:
        return self._by_measure_subject.get((measure_id, subject), []) if subject else []

    def for_subject_under(
        self, subject: str | None, measure_ids: list[str], programmes: bool = False
    ) -> list[PaidAward]:
        """The awards for ``subject`` under the given measures (and external programmes), in order."""
        if not subject:
            return []
        found = {p.seq: p for m in measure_ids for p in self.for_measure_subject(m, subject)}
        if programmes:
            found |= {p.seq: p for p in self._programmes_by_subject.get(subject, [])}
        return [found[seq] for seq in sorted(found)]
