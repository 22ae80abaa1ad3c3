"""A population held in columns: organisations, products, events and prior awards as numpy arrays.

Codes instead of strings: every enum, text and bool value is a code of one shared vocabulary
(``Vocab``), so a condition ``event.stage in [phase_2, phase_3]`` becomes ``isin`` over small
integers. Money and decimals are integer fen (×100), dates are day numbers (``date.toordinal``).
Every attribute column has a ``present`` mask: a missing fact is unknown, never zero.

Events are sorted once by (organisation, date, id): an event's index is its place in the order
the per-case engine works in, so ceilings are group-wise cumulative sums over that index.

``from_cases`` builds a population from checked cases (tests, the database later); ``case(org)``
rebuilds one organisation's case from the columns, for the per-case engine to word an opened row
or to take over an organisation the columnar path does not handle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from biopolicy.domain.case import Applicant, ApplicantKind, Case, Event, PriorAward, Product
from biopolicy.domain.events import AttributeType, Catalogue

NUMERIC = (AttributeType.money, AttributeType.decimal, AttributeType.int)
CENTS = 100  # numeric facts are stored ×100: money in fen, counts and decimals with two places


class Vocab:
    """Codes for every coded value: ``("s", "phase_2")``, ``("b", True)``. One per population."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, Any], int] = {}
        self.values: list[Any] = []

    @staticmethod
    def key(value: Any) -> tuple[str, Any]:
        return ("b", value) if isinstance(value, bool) else ("s", str(value))

    def code(self, value: Any) -> int:
        k = self.key(value)
        c = self.codes.get(k)
        if c is None:
            c = self.codes[k] = len(self.values)
            self.values.append(value if isinstance(value, bool) else str(value))
        return c

    def find(self, value: Any) -> int:
        """The code of a value a rule names; -2 (matches nothing) when no row holds it."""
        return self.codes.get(self.key(value), -2)

    def codes_of(self, values: np.ndarray) -> np.ndarray:
        return np.fromiter((self.code(v) for v in values), dtype=np.int32, count=len(values))


@dataclass
class Column:
    """One fact over rows: ``values`` where ``present``; storage ``code``, ``num`` (×100) or ``day``."""

    storage: str
    values: np.ndarray
    present: np.ndarray


@dataclass
class Population:
    vocab: Vocab
    as_of: date
    # organisations
    org_name: list[str]
    org_kind: np.ndarray  # codes of ApplicantKind values
    org_province: np.ndarray  # codes, -1: none
    org_city: np.ndarray
    org_district: np.ndarray
    # products (global index; each belongs to one organisation)
    product_org: np.ndarray
    product_ids: list[str]
    product_type: np.ndarray  # codes
    product_class: np.ndarray  # codes, -1: none
    # events, sorted by (org, date, id)
    event_org: np.ndarray
    event_ids: list[str] | None  # None: "e<index>", generated when a row is opened
    event_type: np.ndarray  # codes of event type names
    event_day: np.ndarray  # date ordinals
    event_product: np.ndarray  # product index, -1: none
    event_subject_given: np.ndarray  # codes of the subject as written, -1: none
    event_subject: np.ndarray  # the subject key: subject, else product, else the event itself (org-unique)
    attributes: dict[str, Column]  # by attribute name (with ":storage" when names clash across types)
    # prior awards
    prior_org: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prior_measure: list[str | None] = field(default_factory=list)
    prior_programme: list[str | None] = field(default_factory=list)
    prior_amount: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # fen
    prior_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prior_product: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # as written, -1
    prior_subject_given: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # codes, -1
    prior_event: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # event index, -1
    # what a prior award counts against: its product (else its event's) and subject key (else its event's)
    prior_bproduct: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prior_subject: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # organisations the columns cannot hold exactly (e.g. money below the fen): the per-case engine takes them
    inexact: np.ndarray | None = None
    subject_keys: list[tuple[int, str]] = field(default_factory=list)  # subject code -> (org, key)
    sources: list[Case] | None = None  # the cases it was built from, when it was (exact to the last digit)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # derived columns, made once

    def org_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """(first event, number of events) of each organisation with events, in order; made once."""
        if "org_runs" not in self._cache:
            counts = np.bincount(self.event_org, minlength=self.n_orgs)  # events are in organisation order
            starts = np.cumsum(counts)
            starts -= counts
            some = counts > 0
            self._cache["org_runs"] = (starts, counts) if some.all() else (starts[some], counts[some])
        return self._cache["org_runs"]

    @property
    def n_orgs(self) -> int:
        return len(self.org_kind)

    @property
    def n_events(self) -> int:
        return len(self.event_org)

    def event_id(self, i: int) -> str:
        return self.event_ids[i] if self.event_ids is not None else f"e{int(i):08d}"

    def column(self, name: str, storage: str) -> Column | None:
        col = self.attributes.get(name)
        if col is not None and col.storage == storage:
            return col
        return self.attributes.get(f"{name}:{storage}")

    # ---------------------------------------------------------------- back to a case

    def case(self, org: int, catalogue: Catalogue) -> Case:
        """One organisation's case: the one it was built from, else rebuilt from the columns."""
        if self.sources is not None:
            return self.sources[org]
        return self.rebuild(org, catalogue)

    def rebuild(self, org: int, catalogue: Catalogue) -> Case:
        """One organisation's case from the columns (money to the fen)."""
        v = self.vocab.values

        def text(code: int) -> str | None:
            return None if code < 0 else v[code]

        applicant = Applicant(
            kind=ApplicantKind(v[self.org_kind[org]]),
            name=self.org_name[org],
            province=text(self.org_province[org]),
            city=text(self.org_city[org]),
            district=text(self.org_district[org]),
        )
        pids = _span(self.product_org, org)
        products = [
            Product(
                id=self.product_ids[p],
                type=v[self.product_type[p]],
                registration_class=text(self.product_class[p]),
            )
            for p in pids
        ]
        events = []
        for e in _span(self.event_org, org):
            etype = v[self.event_type[e]]
            attrs = {}
            for name, spec in catalogue.events[etype].attributes.items():
                col = self.column(name, storage_of(spec.type))
                if col is None or not col.present[e]:
                    continue
                attrs[name] = _decode(col, e, spec.type, v)
            product = int(self.event_product[e])
            events.append(
                Event(
                    id=self.event_id(e),
                    type=etype,
                    date=date.fromordinal(int(self.event_day[e])),
                    product_id=self.product_ids[product] if product >= 0 else None,
                    subject=text(self.event_subject_given[e]),
                    attributes=attrs,
                )
            )
        priors = []
        for a in _span(self.prior_org, org):
            product, event = int(self.prior_product[a]), int(self.prior_event[a])
            priors.append(
                PriorAward(
                    measure_id=self.prior_measure[a],
                    programme=self.prior_programme[a],
                    amount=Decimal(int(self.prior_amount[a])) / CENTS,
                    date=date.fromordinal(int(self.prior_day[a])),
                    event_id=self.event_id(event) if event >= 0 else None,
                    product_id=self.product_ids[product] if product >= 0 else None,
                    subject=text(self.prior_subject_given[a]),
                )
            )
        return Case(
            applicant=applicant, products=products, events=events, prior_awards=priors, as_of=self.as_of
        )


def _span(owner: np.ndarray, org: int) -> np.ndarray:
    """The indices owned by ``org`` in an array sorted by owner (products, events and prior awards are)."""
    lo, hi = np.searchsorted(owner, [org, org + 1])
    return np.arange(lo, hi)


def storage_of(t: AttributeType) -> str:
    if t in NUMERIC:
        return "num"
    if t == AttributeType.date:
        return "day"
    return "code"


def _decode(col: Column, i: int, t: AttributeType, v: list) -> Any:
    x = col.values[i]
    if col.storage == "code":
        return v[x]
    if col.storage == "day":
        return date.fromordinal(int(x))
    if t == AttributeType.int:
        return int(x) // CENTS
    return Decimal(int(x)) / CENTS


def _cents(value: Any) -> tuple[int, bool]:
    """Numeric fact ×100 as an int, and whether that is exact."""
    d = Decimal(str(value)) * CENTS
    return int(d), d == d.to_integral_value()


def from_cases(cases: list[Case], catalogue: Catalogue, as_of: date) -> Population:
    """Columns from checked cases (``engine.check.check_case``), all assessed on ``as_of``."""
    vocab = Vocab()
    n = len(cases)
    inexact = np.zeros(n, dtype=bool)
    org_kind = np.array([vocab.code(c.applicant.kind.value) for c in cases], dtype=np.int32)

    def opt(value: str | None) -> int:
        return -1 if value is None else vocab.code(value)

    province = np.array([opt(c.applicant.province) for c in cases], dtype=np.int32)
    city = np.array([opt(c.applicant.city) for c in cases], dtype=np.int32)
    district = np.array([opt(c.applicant.district) for c in cases], dtype=np.int32)
    product_org, product_ids, product_type, product_class = [], [], [], []
    product_index: dict[tuple[int, str], int] = {}
    for o, c in enumerate(cases):
        for p in c.products:
            product_index[(o, p.id)] = len(product_ids)
            product_org.append(o)
            product_ids.append(p.id)
            product_type.append(vocab.code(p.type))
            product_class.append(opt(p.registration_class))
    ordered = [(o, e) for o, c in enumerate(cases) for e in sorted(c.events, key=lambda e: (e.date, e.id))]
    m = len(ordered)
    subjects: dict[tuple[int, str], int] = {}

    def subject(o: int, key: str) -> int:
        return subjects.setdefault((o, key), len(subjects))

    event_index = {(o, e.id): i for i, (o, e) in enumerate(ordered)}
    cols: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
    storages: dict[str, set[str]] = {}
    for spec_type in catalogue.events.values():
        for name, spec in spec_type.attributes.items():
            storages.setdefault(name, set()).add(storage_of(spec.type))
    for name, kinds in storages.items():
        for s in kinds:
            key = name if len(kinds) == 1 else f"{name}:{s}"
            cols[key] = (s, np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool))
    for i, (o, e) in enumerate(ordered):
        spec_type = catalogue.events[e.type]
        for name, value in e.attributes.items():
            t = spec_type.attributes[name].type
            s = storage_of(t)
            s_, values, present = cols[name if len(storages[name]) == 1 else f"{name}:{s}"]
            present[i] = True
            if s == "code":
                values[i] = vocab.code(value)
            elif s == "day":
                values[i] = value.toordinal()
            else:
                values[i], exact = _cents(value)
                inexact[o] |= not exact or abs(values[i]) > 10**13
    events_org = np.array([o for o, _ in ordered], dtype=np.int64)
    prior_rows = [(o, a) for o, c in enumerate(cases) for a in c.prior_awards if a.date <= as_of]
    prior_amount = []
    for o, a in prior_rows:
        cents, exact = _cents(a.amount)
        inexact[o] |= not exact or cents > 10**13
        prior_amount.append(cents)

    def pidx(o: int, pid: str | None) -> int:
        return -1 if pid is None else product_index[(o, pid)]

    by_id = {(o, e.id): e for o, e in ordered}
    prior_bproduct, prior_subject = [], []
    for o, a in prior_rows:
        event = by_id.get((o, a.event_id)) if a.event_id else None
        prior_bproduct.append(pidx(o, a.product_id or (event.product_id if event else None)))
        key = a.subject_key or (event.subject_key if event else None)
        prior_subject.append(-1 if key is None else subject(o, key))
    pop = Population(
        vocab=vocab,
        as_of=as_of,
        org_name=[c.applicant.name for c in cases],
        org_kind=org_kind,
        org_province=province,
        org_city=city,
        org_district=district,
        product_org=np.array(product_org, dtype=np.int64),
        product_ids=product_ids,
        product_type=np.array(product_type, dtype=np.int32),
        product_class=np.array(product_class, dtype=np.int32),
        event_org=events_org,
        event_ids=[e.id for _, e in ordered],
        event_type=np.array([vocab.code(e.type) for _, e in ordered], dtype=np.int32),
        event_day=np.array([e.date.toordinal() for _, e in ordered], dtype=np.int64),
        event_product=np.array([pidx(o, e.product_id) for o, e in ordered], dtype=np.int64),
        event_subject_given=np.array([opt(e.subject) for _, e in ordered], dtype=np.int64),
        event_subject=np.array([subject(o, e.subject_key) for o, e in ordered], dtype=np.int64),
        attributes={k: Column(s, v, p) for k, (s, v, p) in cols.items()},
        prior_org=np.array([o for o, _ in prior_rows], dtype=np.int64),
        prior_measure=[a.measure_id for _, a in prior_rows],
        prior_programme=[a.programme for _, a in prior_rows],
        prior_amount=np.array(prior_amount, dtype=np.int64),
        prior_day=np.array([a.date.toordinal() for _, a in prior_rows], dtype=np.int64),
        prior_product=np.array([pidx(o, a.product_id) for o, a in prior_rows], dtype=np.int64),
        prior_subject_given=np.array([opt(a.subject) for _, a in prior_rows], dtype=np.int64),
        prior_event=np.array(
            [event_index[(o, a.event_id)] if a.event_id else -1 for o, a in prior_rows], dtype=np.int64
        ),
        prior_bproduct=np.array(prior_bproduct, dtype=np.int64),
        prior_subject=np.array(prior_subject, dtype=np.int64),
        inexact=inexact,
        sources=list(cases),
    )
    pop.subject_keys = [k for k, _ in sorted(subjects.items(), key=lambda kv: kv[1])]
    return pop
