"""A population split by organisation, and the results of the parts put back together.

Every rule the engine applies works within one organisation (ceilings, overlaps, once-per,
exclusions, top-ups: their buckets are an organisation's, a product's or a subject's, and products
and subjects belong to one organisation), so parts made of whole organisations are evaluated
independently and their results add up to the whole population's, exactly. This is what lets the
same ``evaluate`` run on a cluster (services/batch_cluster.py, dask.distributed): the population is
cut into contiguous ranges of organisations of about equal numbers of events, each part is
evaluated where it lands, and ``Summary.merge`` adds the parts' sums (int64 micro-yuan, no floats).
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from biopolicy.engine.batch.population import Column, Population
from biopolicy.engine.batch.run import BatchResult


def split(pop: Population, parts: int) -> list[tuple[int, Population]]:
    """``parts`` populations of whole organisations (contiguous ranges, about equal events each),
    each with the index of its first organisation in ``pop``. Empty ranges are left out."""
    n_orgs = pop.n_orgs
    parts = max(1, min(parts, n_orgs or 1))
    # organisation boundaries that cut the events into about equal shares
    cuts = np.linspace(0, pop.n_events, parts + 1)[1:-1].astype(np.int64)
    cut_orgs = pop.event_org[np.minimum(cuts, pop.n_events - 1)].tolist() if pop.n_events else []
    bounds = sorted({0, n_orgs, *(int(o) for o in cut_orgs)})
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi > lo:
            out.append((lo, subset(pop, lo, hi)))
    return out


def _span(owner: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    a, b = np.searchsorted(owner, [lo, hi])
    return int(a), int(b)


def _local(index: np.ndarray, offset: int) -> np.ndarray:
    """Global indices (-1: none) made local to a part starting at ``offset``."""
    return np.where(index >= 0, index - offset, -1)


def subset(pop: Population, lo: int, hi: int) -> Population:
    """The organisations ``lo`` .. ``hi - 1`` of ``pop`` with their products, events and prior awards."""
    p0, p1 = _span(pop.product_org, lo, hi)
    e0, e1 = _span(pop.event_org, lo, hi)
    a0, a1 = _span(pop.prior_org, lo, hi)
    ev = slice(e0, e1)
    pr = slice(a0, a1)
    event_ids = pop.event_ids[ev] if pop.event_ids is not None else None  # None: "e<local index>"
    return Population(
        vocab=pop.vocab,
        as_of=pop.as_of,
        org_name=pop.org_name[lo:hi],
        org_kind=pop.org_kind[lo:hi],
        org_province=pop.org_province[lo:hi],
        org_city=pop.org_city[lo:hi],
        org_district=pop.org_district[lo:hi],
        product_org=pop.product_org[p0:p1] - lo,
        product_ids=pop.product_ids[p0:p1],
        product_type=pop.product_type[p0:p1],
        product_class=pop.product_class[p0:p1],
        event_org=pop.event_org[ev] - lo,
        event_ids=event_ids,
        event_type=np.ascontiguousarray(pop.event_type[ev]),
        event_day=np.ascontiguousarray(pop.event_day[ev]),
        event_product=_local(pop.event_product[ev], p0),
        event_subject_given=np.ascontiguousarray(pop.event_subject_given[ev]),
        event_subject=np.ascontiguousarray(pop.event_subject[ev]),  # keys: unique per organisation already
        attributes={
            k: Column(c.storage, np.ascontiguousarray(c.values[ev]), np.ascontiguousarray(c.present[ev]))
            for k, c in pop.attributes.items()
        },
        prior_org=pop.prior_org[pr] - lo,
        prior_measure=pop.prior_measure[pr],
        prior_programme=pop.prior_programme[pr],
        prior_amount=pop.prior_amount[pr],
        prior_day=pop.prior_day[pr],
        prior_product=_local(pop.prior_product[pr], p0),
        prior_subject_given=pop.prior_subject_given[pr],
        prior_event=_local(pop.prior_event[pr], e0),
        prior_bproduct=_local(pop.prior_bproduct[pr], p0),
        prior_subject=pop.prior_subject[pr],
        inexact=None if pop.inexact is None else pop.inexact[lo:hi],
        subject_keys=pop.subject_keys,
        sources=None if pop.sources is None else pop.sources[lo:hi],
    )


@dataclass
class Summary:
    """What a run adds up to, in micro-yuan: per measure and year, per organisation (and year), overall.

    Made from a ``BatchResult`` of a part (``of``), moved between processes (small: no row arrays),
    and merged; the merge of the parts equals the summary of the whole population's run.
    """

    by_measure_year: dict[tuple[str, int], tuple[int, int, int]]
    totals: dict[tuple[int, int | None], tuple[int, int, int]]  # (organisation, year or None overall)
    max_by_org: np.ndarray
    events: int
    rows: int
    fallback_orgs: int
    fallback_rows: int
    reasons: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, result: BatchResult, first_org: int = 0) -> Summary:
        return cls(
            by_measure_year=result.by_measure_year(),
            totals={(o + first_org, y): v for (o, y), v in result.totals().items()},
            max_by_org=result.max_obtainable_by_org(),
            events=result.pop.n_events,
            rows=len(result.event),
            fallback_orgs=int(result.fallback.sum()),
            fallback_rows=result.fallback_rows,
            reasons=dict(result.reasons),
        )

    @classmethod
    def merge(cls, parts: list[Summary]) -> Summary:
        by_measure_year: dict[tuple[str, int], list[int]] = {}
        totals: dict[tuple[int, int | None], tuple[int, int, int]] = {}
        reasons: dict[str, int] = {}
        for s in parts:
            for k, v in s.by_measure_year.items():
                acc = by_measure_year.setdefault(k, [0, 0, 0])
                for i in range(3):
                    acc[i] += v[i]
            totals.update(s.totals)  # organisations are in one part only
            for k, v in s.reasons.items():
                reasons[k] = reasons.get(k, 0) + v
        return cls(
            by_measure_year={k: tuple(v) for k, v in by_measure_year.items()},
            totals=totals,
            max_by_org=np.concatenate([s.max_by_org for s in parts]) if parts else np.zeros(0, np.int64),
            events=sum(s.events for s in parts),
            rows=sum(s.rows for s in parts),
            fallback_orgs=sum(s.fallback_orgs for s in parts),
            fallback_rows=sum(s.fallback_rows for s in parts),
            reasons=reasons,
        )
