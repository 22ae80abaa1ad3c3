"""Evaluate the whole rule set over a population, in columns, with the per-case engine's answers.

Stages, in the per-case engine's order (engine/assess.py):
1. judge every measure over the events of its type at once: applicant kind and place, in-force
   window, conditions as three-valued masks, amount clauses and tables as selections;
2. ``once_per``: group-wise first paid row per (measure, product or subject);
3. 就高从优 (highest_only) between the rows of one event, and shared ceilings as group-wise
   cumulative sums in (date, id, rule) order. The two depend on each other (an overlap compares
   figures after the ceilings earlier events left, and only the winner takes from the ceiling), so
   they are solved together by iterating to the fixed point: the sequential answer is the only
   one (row i depends only on rows before it), and after k rounds the first k events of every
   group are settled, so the fixed point is reached and is exact;
4. exact figures cut by a ceiling that holds a maximum become maxima (again to a fixed point);
5. organisations with what the columns do not express (top-ups, 不重复享受 exclusions, measures
   of a ``together`` side both present, awards prior to an event netted against its overlap, money
   below the micro-yuan) are assessed by the per-case engine, and their rows replaced; the result
   says how many.
Money is int64 micro-yuan (compile.MICRO). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

import numpy as np

from biopolicy.domain.assessment import (
    AmountKind,
    AmountResult,
    Eligibility,
    Entitlement,
    Instalment,
    OverlapKind,
    OverlapOutcome,
    OverlapResult,
    YearTotal,
)
from biopolicy.domain.events import Catalogue
from biopolicy.domain.places import covers
from biopolicy.engine.amounts import change_days, in_force
from biopolicy.engine.batch.compile import (
    KINDS,
    MICRO,
    Raw,
    Rows,
    Unsupported,
    condition,
    micro,
    rate_e4,
    spec_amount,
)
from biopolicy.engine.batch.compile import K as KIND
from biopolicy.engine.batch.groups import (
    all_true,
    among,
    any_true,
    constant,
    first_of_runs,
    group_sums,
    indices,
    lookup,
    one_value,
    run_starts_pair,
    runs,
    span,
    sum_before,
    writable,
)
from biopolicy.engine.batch.population import Population
from biopolicy.engine.totals import totals
from biopolicy.rules.schema import AmountTable, CapScope, Measure, OncePer, RuleSet

NO, YES, UNKNOWN = 0, 1, 2
ELIGIBILITY = [Eligibility.no, Eligibility.yes, Eligibility.unknown]
NONE, WON, LOST, UNRESOLVED, EXCLUDED = 0, 1, 2, 3, 4
OUTCOMES = [None, OverlapResult.won, OverlapResult.lost, OverlapResult.unresolved, OverlapResult.excluded]
BIG = np.int64(2**62)
MAX_ROUNDS = 200


@dataclass
class CompiledMeasure:
    index: int
    measure: Measure
    conditions: object | None
    table: list[tuple[object, object]] | None  # (row condition, spec)
    error: str | None = None


@dataclass
class Compiled:
    """The rule set compiled once per run (or once per process and reused)."""

    rules: RuleSet
    catalogue: Catalogue
    measures: list[CompiledMeasure]
    index: dict[str, int]
    cap_when: dict[str, object]
    windows: list = field(default_factory=list)  # each measure's in-force window, by index


def compile_rules(rules: RuleSet, catalogue: Catalogue) -> Compiled:
    out = []
    for i, m in enumerate(rules.measures.values()):
        cm = CompiledMeasure(i, m, None, None)
        try:
            cm.conditions = condition(m.conditions, m.categories) if m.conditions is not None else None
            if isinstance(m.amount, AmountTable):
                cm.table = [(condition(r.when, m.categories), r.amount) for r in m.amount.table]
            for spec in m.amount_specs():
                if spec.cap_raise is not None or spec.net_of_facts:
                    raise Unsupported("a raised ceiling or a top-up net of facts")
                if spec.kind == AmountKind.top_up and (spec.to is None or m.changes):
                    raise Unsupported("a top-up to a share of a base")
                for v in (spec.value, spec.cap, spec.to):
                    if v is not None:
                        micro(v)
                if spec.effective_rate is not None:
                    rate_e4(spec.effective_rate)
            for change in m.changes:  # dated values (a reform's too): the figures must fit as well
                for v in (change.value, change.cap, change.to):
                    if v is not None:
                        micro(v)
                if change.rate is not None:
                    rate_e4(change.rate)
            if m.instalments:
                for share in m.instalments.shares:
                    rate_e4(share)
        except Unsupported as exc:
            cm.error = str(exc)
        out.append(cm)
    cap_when = {c.id: condition(c.when, {}) for c in rules.caps if c.when is not None}
    windows = [rules.window(cm.measure) for cm in out]
    return Compiled(
        rules, catalogue, out, {mid: i for i, mid in enumerate(rules.measures)}, cap_when, windows
    )


@dataclass
class BatchResult:
    """One row per (event, measure of its type) of the covered organisations, in processing order."""

    pop: Population
    compiled: Compiled
    event: np.ndarray
    measure: np.ndarray
    eligibility: np.ndarray  # NO / YES / UNKNOWN
    kind: np.ndarray  # index in compile.KINDS
    _value: np.ndarray | None  # micro-yuan; meaningful where has (read ``value``: made when first read)
    has: np.ndarray
    outcome: np.ndarray  # NONE / WON / LOST / UNRESOLVED / EXCLUDED
    covered: np.ndarray  # per organisation
    fallback: np.ndarray  # per organisation: assessed by the per-case engine
    overlap_of: np.ndarray | None = None  # per row: index of the overlap its outcome comes from, -1
    # per row of an unresolved 就高从优 group: the side it belongs to (the lowest measure index of its
    # ``together`` side); None: every row is a side of its own (only a fallback organisation has more)
    side_of: np.ndarray | None = None
    fallback_rows: int = 0
    rounds: int = 0
    exact_values: dict[int, Decimal] = field(default_factory=dict)  # fallback rows finer than micro-yuan
    reasons: dict[str, int] = field(default_factory=dict)  # why organisations were handed over: how many
    case_totals: dict[int, list] = field(default_factory=dict)  # fallback organisations: the per-case totals
    identity: bool = False  # one row per event, every event in order: row i is event i
    _org_sums: tuple | None = None  # (first row, sum of the figures) per organisation, when the run knew them
    _org: np.ndarray | None = None
    _pending: Callable[[], np.ndarray] | None = None  # makes the rows' figures when first read

    @property
    def value(self) -> np.ndarray:
        """Each row's figure after ceilings and overlaps, micro-yuan (meaningful where ``has``).

        When a run could add up each organisation's total without them (one ceiling over every row,
        nothing else at work), the rows' figures are worked out here, the first time they are read:
        a total does not wait for figures no one opens.
        """
        if self._pending is not None:
            self._value, self._pending = self._pending(), None
        return self._value

    @value.setter
    def value(self, v: np.ndarray) -> None:
        self._value, self._pending = v, None

    def writable(self) -> None:
        """Give the row columns memory of their own (columns of one value are read-only broadcasts)."""
        self.eligibility, self.kind, self.has = (
            writable(self.eligibility),
            writable(self.kind),
            writable(self.has),
        )
        self.outcome, self.value = writable(self.outcome), writable(self.value)
        if self.overlap_of is not None:
            self.overlap_of = writable(self.overlap_of)

    @property
    def org(self) -> np.ndarray:
        if self._org is None:
            self._org = self.pop.event_org if self.identity else self.pop.event_org[self.event]
        return self._org

    def amount(self, row: int) -> Decimal | None:
        if not self.has[row]:
            return None
        if row in self.exact_values:
            return self.exact_values[row]
        return Decimal(int(self.value[row])) / MICRO

    def rows_of(self, org: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.org, [org, org + 1])
        return np.arange(lo, hi)

    def explain(self, row: int, per_case) -> Entitlement:
        """One opened row in words: the per-case engine on its organisation's case, that row's entitlement.

        The batch keeps codes; the trace's Chinese sentences are made only here, for a row someone opens.
        """
        case = self.pop.case(int(self.org[row]), self.compiled.catalogue)
        event_id = self.pop.event_id(self.event[row])
        measure_id = self.compiled.measures[self.measure[row]].measure.id
        found = per_case(case).entitlements
        return next(e for e in found if e.event_id == event_id and e.measure_id == measure_id)

    def org_totals(self, org: int) -> list[YearTotal]:
        """One organisation's totals with the measures left open, worded as the per-case engine words them.

        For an organisation someone opens: its rows become entitlements (codes only, no steps) and
        ``engine.totals`` adds them up; a fallback organisation keeps the per-case engine's totals.
        """
        if org in self.case_totals:
            return self.case_totals[org]
        measures, overlaps = self.compiled.measures, self.compiled.rules.overlaps
        entitlements = []
        for r in self.rows_of(org).tolist():
            m = measures[self.measure[r]].measure
            value = self.amount(r)
            outcome = OUTCOMES[self.outcome[r]]
            overlap = None
            if outcome is not None:
                o = overlaps[self.overlap_of[r]]
                overlap = OverlapOutcome(
                    overlap_id=o.id, kind=o.kind, outcome=outcome, reason="", with_measures=[], clauses=[]
                )
            day = date.fromordinal(int(self.pop.event_day[self.event[r]]))
            instalments = []
            if m.instalments and self.eligibility[r] != NO:
                instalments = [
                    Instalment(
                        year=day.year + i, share=share, amount=None if value is None else value * share
                    )
                    for i, share in enumerate(m.instalments.shares)
                ]
            entitlements.append(
                Entitlement(
                    measure_id=m.id,
                    measure_title=m.title,
                    doc_id=m.doc_id,
                    event_id=self.pop.event_id(self.event[r]),
                    event_date=day.isoformat(),
                    planned=day > self.pop.as_of,
                    eligibility=ELIGIBILITY[self.eligibility[r]],
                    amount=AmountResult(kind=KINDS[self.kind[r]], value=value),
                    clauses=m.clauses,
                    steps=[],
                    overlap=overlap,
                    instalments=instalments,
                )
            )
        return totals(entitlements)

    def contributions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row, year, exact, max_obtainable, at_least) in micro-yuan: what each row adds to each year.

        As engine/totals.py: lost and excluded sides add nothing; an unresolved 就高从优 group adds one
        side (its highest maximum and highest exact figure; with a side without maximum, the highest
        exact figure, and the rest of the highest floor as at least), attributed to the row with the
        highest maximum. Instalments spread an award over their years.
        """
        yes = (self.eligibility == YES) & ~among(self.outcome, (LOST, EXCLUDED))
        rows = np.nonzero(yes & self.has)[0]
        years = _years(self.pop.event_day[self.event[rows]])
        parts_r, parts_y, parts_v = [], [], []
        plain = np.ones(len(rows), dtype=bool)
        for cm in self.compiled.measures:
            if cm.measure.instalments is None:
                continue
            sel = self.measure[rows] == cm.index
            plain &= ~sel
            for i, share in enumerate(cm.measure.instalments.shares):
                parts_r.append(rows[sel])
                parts_y.append(years[sel] + i)
                parts_v.append(self.value[rows[sel]] * rate_e4(share) // 10_000)
        parts_r.append(rows[plain])
        parts_y.append(years[plain])
        parts_v.append(self.value[rows[plain]])
        r, y, v = np.concatenate(parts_r), np.concatenate(parts_y), np.concatenate(parts_v)
        kind = self.kind[r]
        is_exact = among(kind, (KIND[AmountKind.exact], KIND[AmountKind.waiver]))
        least = kind == KIND[AmountKind.at_least]
        unknown = kind == KIND[AmountKind.unknown]
        grouped = self.outcome[r] == UNRESOLVED
        keep = ~grouped & ~unknown
        out_r, out_y = [r[keep]], [y[keep]]
        out_e = [np.where(is_exact, v, 0)[keep]]
        out_m = [np.where(least, 0, v)[keep]]
        out_l = [np.where(least, v, 0)[keep]]
        # unresolved groups, per (overlap, event, year); unknown-amount sides arrive without a value
        g_rows = np.nonzero(yes & (self.outcome == UNRESOLVED) & ~self.has)[0]
        g_r = np.concatenate([r[grouped], g_rows])
        if len(g_r):
            g_y = np.concatenate([y[grouped], _years(self.pop.event_day[self.event[g_rows]])])
            g_v = np.concatenate([v[grouped], np.zeros(len(g_rows), dtype=np.int64)])
            # an instalment measure without a value is open in every instalment year: its first year suffices
            g_k = self.kind[g_r]
            no_max = ~self.has[g_r] | among(g_k, (KIND[AmountKind.unknown], KIND[AmountKind.at_least]))
            g_exact = self.has[g_r] & among(g_k, (KIND[AmountKind.exact], KIND[AmountKind.waiver]))
            top = np.where(no_max, 0, g_v)
            sure = np.where(g_exact, g_v, 0)
            floor = np.where(g_exact | (self.has[g_r] & (g_k == KIND[AmountKind.at_least])), g_v, 0)
            key = (
                self.overlap_of[g_r].astype(np.int64) * (len(self.pop.event_day) + 1) + self.event[g_r]
            ) * 10_000 + g_y
            # a side is one measure, or the measures declared ``together`` (engine/totals.py): its
            # figures add up first (a side with a row without maximum has none), then sides compete
            side = self.measure[g_r] if self.side_of is None else self.side_of[g_r]
            order = np.lexsort((-top, side, key))
            key, side, g_r, g_y = key[order], side[order], g_r[order], g_y[order]
            top, sure, floor, no_max = top[order], sure[order], floor[order], no_max[order]
            s_heads = np.nonzero(run_starts_pair(key, side) == np.arange(len(key)))[0]
            side_open = np.logical_or.reduceat(no_max, s_heads)
            top = np.where(side_open, -1, np.add.reduceat(top, s_heads))
            sure = np.add.reduceat(sure, s_heads)
            floor = np.add.reduceat(floor, s_heads)
            no_max = side_open
            key, g_r, g_y = key[s_heads], g_r[s_heads], g_y[s_heads]  # a side's row: its highest figure
            order = np.lexsort((-top, key))
            key, g_r, g_y = key[order], g_r[order], g_y[order]
            top, sure, floor, no_max = top[order], sure[order], floor[order], no_max[order]
            heads = np.nonzero(first_of_runs(key))[0]
            max_top = np.maximum.reduceat(top, heads)
            max_sure = np.maximum.reduceat(sure, heads)
            max_floor = np.maximum.reduceat(floor, heads)
            open_ = np.logical_or.reduceat(no_max, heads)
            out_r.append(g_r[heads])
            out_y.append(g_y[heads])
            out_e.append(max_sure)
            out_m.append(np.where(open_, max_sure, max_top))
            out_l.append(np.where(open_, np.maximum(max_floor - max_sure, 0), 0))
        return (
            np.concatenate(out_r),
            np.concatenate(out_y),
            np.concatenate(out_e),
            np.concatenate(out_m),
            np.concatenate(out_l),
        )

    def max_obtainable_by_org(self) -> np.ndarray:
        """Each organisation's most obtainable over all years, micro-yuan, int64."""
        simple = not any(cm.measure.instalments for cm in self.compiled.measures) and not self.outcome.any()
        if simple:  # every row adds its own figure (no instalment, no overlap): one group-wise sum per org
            open_kinds = (KIND[AmountKind.at_least], KIND[AmountKind.unknown])
            e, h, k = one_value(self.eligibility), one_value(self.has), one_value(self.kind)
            if e is not None and h is not None and k is not None:  # columns of one value: no pass
                every = bool(e == YES and h and k not in open_kinds)
                counts = None
            else:
                counts = (self.eligibility == YES) & self.has & ~among(self.kind, open_kinds)
                every = bool(counts.all())
            if every and self._org_sums is not None and self.fallback_rows == 0:
                starts, sums = self._org_sums  # the run's own per-organisation sums: no second pass
                if len(starts) == self.pop.n_orgs:  # every organisation has rows: the sums are in order
                    return sums.copy()
                out = np.zeros(self.pop.n_orgs, dtype=np.int64)
                out[self.org[starts]] = sums
                return out
            out = np.zeros(self.pop.n_orgs, dtype=np.int64)
            m = self.value if every else self.value * counts
            if self.identity:  # row i is event i: the population's runs of organisations
                starts, _ = self.pop.org_runs()
                if len(starts):
                    out[self.org[starts]] = np.add.reduceat(m, starts)
                return out
            keys, sums = group_sums(self.org, m)  # rows are in organisation order: no sort
            out[keys] = sums
            return out
        r, _, _, m, _ = self.contributions()
        out = np.zeros(self.pop.n_orgs, dtype=np.int64)
        keys, sums = group_sums(self.org[r], m)
        out[keys] = sums
        return out

    def by_measure_year(self) -> dict[tuple[str, int], tuple[int, int, int]]:
        """(measure id, year) -> (exact, max_obtainable, at_least) in micro-yuan: what each measure costs a year."""
        r, y, e, m, least = self.contributions()
        key = self.measure[r] * 10_000 + y
        out: dict[tuple[str, int], list[int]] = {}
        for slot, values in ((0, e), (1, m), (2, least)):
            keys, sums = group_sums(key, values)
            for k, total in zip(keys.tolist(), sums.tolist(), strict=True):
                mi, year = divmod(k, 10_000)
                out.setdefault((self.compiled.measures[mi].measure.id, year), [0, 0, 0])[slot] = total
        return {k: tuple(v) for k, v in out.items()}

    def totals(self) -> dict[tuple[int, int | None], tuple[int, int, int]]:
        """(org, year; None overall) -> (exact, max_obtainable, at_least) in micro-yuan, group-wise sums.

        The overall total is the sum of the years (instalments included), as engine/totals.py's is
        of whole awards: the same money.
        """
        r, y, e, m, least = self.contributions()
        out: dict[tuple[int, int | None], list[int]] = {}
        org = self.org[r]
        for per_year in (True, False):
            key = org * 10_000 + (y if per_year else 0)
            for slot, values in ((0, e), (1, m), (2, least)):
                keys, sums = group_sums(key, values)
                for k, total in zip(keys.tolist(), sums.tolist(), strict=True):
                    o, year = divmod(k, 10_000)
                    out.setdefault((o, year if per_year else None), [0, 0, 0])[slot] = total
        return {k: tuple(v) for k, v in out.items()}


# ---------------------------------------------------------------- evaluation


Progress = Callable[[float, str], None]  # (share done, 0..1; stage code: measures, ceilings, fallback, done)


def evaluate(
    pop: Population, compiled: Compiled, per_case=None, progress: Progress | None = None
) -> BatchResult:
    """Every measure over every event of ``pop``; ``per_case(case)`` assesses a fallback organisation.

    ``progress(share, stage)``, when given, is called as the run goes (a progress bar on the CLI and
    the page): ``measures`` while judging the measures (to 60%), ``ceilings`` while settling
    ceilings and overlaps (to 80%), ``fallback`` while the per-case engine takes organisations, and
    ``done``.
    """
    rules, catalogue = compiled.rules, compiled.catalogue
    report = progress or (lambda share, stage: None)
    covered_by = _places(pop, compiled)
    covered = np.zeros(pop.n_orgs, dtype=bool)
    for mask in covered_by.values():
        covered |= mask
    fallback = np.zeros(pop.n_orgs, dtype=bool) if pop.inexact is None else pop.inexact.copy()
    reasons = {"inexact_money": int(fallback.sum())}

    def hand_over(orgs: np.ndarray, reason: str) -> None:
        """Hand organisations to the per-case engine, counting the new ones under ``reason``."""
        orgs = np.unique(orgs)
        fresh = orgs[~fallback[orgs]]
        if len(fresh):
            reasons[reason] = reasons.get(reason, 0) + len(fresh)
            fallback[fresh] = True

    parts = []
    all_covered = bool(covered.all())
    for cm in compiled.measures:
        report(0.6 * cm.index / max(len(compiled.measures), 1), "measures")
        code = pop.vocab.find(cm.measure.event)
        one_type = one_value(pop.event_type)  # every event of one type: no comparison per row
        if one_type is not None and one_type != code:
            continue
        of_type = pop.event_type == code if one_type is None else None
        whole = all_covered and (of_type is None or bool(of_type.all()))
        if whole:
            events = indices(pop.n_events)  # read only: row i is event i
        else:
            events = np.nonzero(of_type)[0] if of_type is not None else indices(pop.n_events)
            if not all_covered:
                events = events[covered[pop.event_org[events]]]
        if len(events) == 0:
            continue
        rows = Rows(pop, catalogue, cm.measure.event, events, whole=whole)
        if cm.error is None:
            try:
                parts.append((cm.index, events, *_judge(cm, rows, covered_by[cm.measure.id], compiled)))
                continue
            except Unsupported as exc:
                cm.error = str(exc)
        hand_over(pop.event_org[events], "unsupported_measure")
        n = len(events)
        z = np.zeros(n, dtype=bool)
        parts.append(
            (cm.index, events, np.zeros(n, np.int8), np.zeros(n, np.int8), np.zeros(n, np.int64), z, z)
        )
    if not parts:
        return _empty(pop, compiled, covered, fallback)
    present_measures = {p[0] for p in parts}
    if len(parts) == 1:  # one measure: its rows are in processing order already
        _, event, elig, kind, value, has, ceiling_only = parts[0]
        measure = np.broadcast_to(np.int64(parts[0][0]), len(event))  # one value, read only
    else:
        measure = np.concatenate([np.full(len(p[1]), p[0], dtype=np.int64) for p in parts])
        event = np.concatenate([p[1] for p in parts])
        # processing order: events in order, then measures in rule order (parts are in rule order already)
        order = np.argsort(event, kind="stable")
        measure, event = measure[order], event[order]
        elig = np.concatenate([p[2] for p in parts])[order]
        kind = np.concatenate([p[3] for p in parts])[order]
        value = np.concatenate([p[4] for p in parts])[order]
        has = np.concatenate([p[5] for p in parts])[order]
        ceiling_only = np.concatenate([p[6] for p in parts])[order]
    # every event once, in order: event columns are read without a gather
    identity = len(parts) == 1 and len(event) == pop.n_events  # sorted, unique: 0 .. n_events - 1
    org = pop.event_org if identity else pop.event_org[event]
    n = len(event)
    any_once = any(cm.measure.once_per is not None for cm in compiled.measures)
    top_ups = any(cm.measure.amount_specs()[0].kind == AmountKind.top_up for cm in compiled.measures)
    if any_once or top_ups or rules.overlaps:  # the steps below write into the rows: memory of their own
        elig, kind, value, has = writable(elig), writable(kind), writable(value), writable(has)
    one = one_value(elig)
    candidate = elig != NO if one is None else constant(one != NO, n, bool)

    # organisations the columns do not take: together sides, awards prior to an event netted in its overlap
    prior_midx = np.array([compiled.index.get(m, -1) if m else -1 for m in pop.prior_measure], dtype=np.int64)
    plain, plain_top = _plain(compiled)  # in no ceiling, no 就高从优, not once-per (not a top-up)
    for o in rules.overlaps:
        if o.kind == OverlapKind.excludes:
            continue
        members = np.array([compiled.index[m] for m in o.measures])
        for group in o.together:
            gm = np.array([compiled.index[m] for m in group])
            sel = candidate & np.isin(measure, gm)
            ev, cnt = np.unique(event[sel], return_counts=True)
            hand_over(pop.event_org[ev[cnt >= 2]], "together")
        netted = (pop.prior_event >= 0) & np.isin(prior_midx, members)
        hand_over(pop.prior_org[netted], "prior_netted")

    # once per product / subject: the first row that pays leaves nothing to the later ones
    once_first = np.zeros(n if any_once else 0, dtype=bool)  # the row a later one depends on having been paid
    for cm in compiled.measures:
        scope = cm.measure.once_per
        if scope is None:
            continue
        sel = np.nonzero(candidate & (measure == cm.index))[0]
        if scope == OncePer.product:
            key = pop.event_product[event[sel]]
            sel, key = sel[key >= 0], key[key >= 0]
            pmask = (prior_midx == cm.index) & (pop.prior_bproduct >= 0)
            prior_keys = pop.prior_bproduct[pmask]
        else:
            key = pop.event_subject[event[sel]]
            pmask = (prior_midx == cm.index) & (pop.prior_subject >= 0)
            prior_keys = pop.prior_subject[pmask]
        if len(sel) == 0:
            continue
        sel, key = _by_key(sel, key)
        adder = (elig[sel] == YES) & has[sel]
        heads = first_of_runs(key)
        first_pos = np.minimum.reduceat(np.where(adder, sel, BIG), np.nonzero(heads)[0])
        first_pos = first_pos[np.cumsum(heads) - 1]
        later = sel > first_pos
        fails = later | np.isin(key, prior_keys)
        gone = sel[fails]
        elig[gone] = NO
        kind[gone] = KIND[AmountKind.unknown]
        has[gone] = False
        value[gone] = 0
        with_later = np.unique(first_pos[later])
        once_first[sel[(sel == first_pos) & np.isin(first_pos, with_later)]] = True
    if any_once:
        candidate = elig != NO

    # 不重复享受 (excludes) between two plain measures: per subject, the first paid wins
    outcome = np.zeros(n, dtype=np.int8)
    # the overlap a row's outcome comes from (-1: none); one byte a row while there are few overlaps
    overlap_dtype = np.int8 if len(rules.overlaps) < 127 else np.int16
    overlap_of = np.full(n, -1, dtype=overlap_dtype) if rules.overlaps else constant(-1, n, overlap_dtype)
    subject = pop.event_subject if identity else pop.event_subject[event]
    for oi, o in enumerate(rules.overlaps):
        if o.kind != OverlapKind.excludes:
            continue
        members = np.array([compiled.index[m] for m in o.measures])
        sel = np.nonzero(candidate & among(measure, members))[0]
        if len(o.measures) != 2 or not all(m in plain for m in o.measures):
            hits = np.concatenate([org[sel], pop.prior_org[np.isin(prior_midx, members)]])
            ids, counts = np.unique(hits, return_counts=True)
            hand_over(ids[counts >= 2], "excludes")
            continue
        if len(sel) == 0:
            continue
        key = subject[sel]
        sel, key = _by_key(sel, key)
        # measures already paid to the subject before any row: prior awards
        prior_sel = np.isin(prior_midx, members) & (pop.prior_subject >= 0)
        prior_pairs = {
            (k, mi)
            for k, mi in zip(
                pop.prior_subject[prior_sel].tolist(), prior_midx[prior_sel].tolist(), strict=True
            )
        }
        other = {int(members[0]): int(members[1]), int(members[1]): int(members[0])}
        by_prior = np.array(
            [
                (k, other[mi]) in prior_pairs
                for k, mi in zip(key.tolist(), measure[sel].tolist(), strict=True)
            ],
            dtype=bool,
        )
        entering = (elig[sel] == YES) & has[sel] & ~by_prior
        heads = first_of_runs(key)
        first = np.minimum.reduceat(np.where(entering, sel, BIG), np.nonzero(heads)[0])
        first = first[np.cumsum(heads) - 1]
        first_measure = np.where(first < BIG, measure[np.minimum(first, n - 1)], -1)
        excluded = by_prior | ((sel > first) & (measure[sel] != first_measure))
        gone = sel[excluded]
        outcome[gone] = EXCLUDED
        overlap_of[gone] = oi
        value[gone] = 0

    # 补足至 (top-up) net of plain measures: what the subject was paid under them before this event
    for cm in compiled.measures:
        spec = cm.measure.amount_specs()[0]
        if spec.kind != AmountKind.top_up:
            continue
        mine = np.nonzero(candidate & (measure == cm.index))[0]
        if len(mine) == 0:
            continue
        if cm.measure.id not in plain_top or not all(m in plain for m in spec.net_of):
            hand_over(org[mine], "top_up")
            continue
        net = np.array([compiled.index[m] for m in spec.net_of if m in compiled.index], dtype=np.int64)
        counted = (elig == YES) & has & (outcome != EXCLUDED) & np.isin(measure, net)
        sel = np.union1d(mine, np.nonzero(counted)[0])  # ascending: processing order
        key = subject[sel]
        sel, key = _by_key(sel, key)
        x = np.where(counted[sel], value[sel], 0)
        inexact_entry = (
            counted[sel] & ~np.isin(kind[sel], [KIND[AmountKind.exact], KIND[AmountKind.waiver]])
        ).astype(np.int64)
        at_event = run_starts_pair(key, event[sel])  # the ledger as it stood before this event
        before = sum_before(key, x)[at_event]
        inexact_before = sum_before(key, inexact_entry)[at_event]
        psel = np.isin(prior_midx, net) | (
            np.array([p is not None for p in pop.prior_programme], dtype=bool) & spec.net_of_programmes
        )
        psel &= pop.prior_subject >= 0
        pk, ps = group_sums(pop.prior_subject[psel], pop.prior_amount[psel] * (MICRO // 100))
        paid = before + lookup(pk, ps, key)
        is_mine = np.isin(sel, mine)
        value[sel[is_mine]] = np.maximum(micro(spec.to) - paid[is_mine], 0)
        has[sel[is_mine]] = True
        kind[sel[is_mine]] = np.where(
            inexact_before[is_mine] > 0, KIND[AmountKind.at_least], KIND[AmountKind.exact]
        )

    # 就高从优: the events where two sides of one overlap meet
    contests = []  # (rows of the contest, contest id per row, overlap member index per row, static unresolved)
    for oi, o in enumerate(rules.overlaps):
        if o.kind != OverlapKind.highest_only:
            continue
        members = [compiled.index[m] for m in o.measures]
        in_o = np.nonzero(candidate & among(measure, members))[0]
        if len(in_o) == 0:
            continue
        ev, cnt = np.unique(event[in_o], return_counts=True)
        contested = in_o[np.isin(event[in_o], ev[cnt >= 2])]
        sides = contested[elig[contested] == YES]
        if len(sides) == 0:
            continue
        cid = event[sides]
        hand_over(
            org[sides[overlap_of[sides] >= 0]], "two_overlaps"
        )  # a row in two contests: the per-case engine
        overlap_of[sides] = oi
        place = np.full(len(compiled.measures), -1)
        place[members] = np.arange(len(members))
        member = place[measure[sides]]  # position in o.measures: ties go to the first declared
        open_ = ~has[sides] | (kind[sides] == KIND[AmountKind.at_least]) | ceiling_only[sides]
        unrankable = ~has[sides] | (kind[sides] == KIND[AmountKind.at_least])
        ids, inv = np.unique(cid, return_inverse=True)
        any_unrankable = np.zeros(len(ids), dtype=bool)
        np.logical_or.at(any_unrankable, inv, unrankable)
        any_open = np.zeros(len(ids), dtype=bool)
        np.logical_or.at(any_open, inv, open_)
        exact_side = ~open_ & (kind[sides] == KIND[AmountKind.exact])
        any_exact = np.zeros(len(ids), dtype=bool)
        np.logical_or.at(any_exact, inv, exact_side)
        open_max = np.zeros(len(ids), dtype=np.int64)
        np.maximum.at(open_max, inv, np.where(open_ & has[sides], value[sides], 0))
        static_unresolved = (any_unrankable | (any_open & ~any_exact))[inv]
        outcome[sides[static_unresolved]] = UNRESOLVED
        dyn = ~static_unresolved
        if np.any(dyn):
            contests.append(
                (sides[dyn], inv[dyn], member[dyn], any_open[inv[dyn]], open_max[inv[dyn]], exact_side[dyn])
            )

    # ceilings: each cap's rows, sorted once by bucket then order
    report(0.6, "ceilings")
    caps = []
    day = pop.event_day if identity else pop.event_day[event]
    one_year = True
    if n:
        first_day, last_day = span(day)
        one_year = date.fromordinal(first_day).year == date.fromordinal(last_day).year
    year = None if one_year else _years(day)
    everything = slice(None)
    for cap in rules.caps:
        members = [compiled.index[m] for m in cap.measures if m in compiled.index]
        if cap.id not in compiled.cap_when and present_measures <= set(members):
            sel = everything  # every row is under this ceiling: no gathers
        else:
            sel = np.nonzero(among(measure, members))[0]
            if cap.id in compiled.cap_when and len(sel):
                t, u = _cap_when(compiled.cap_when[cap.id], pop, catalogue, event, measure, sel, compiled)
                sel = sel[t | u]
            if len(sel) == 0:
                continue
        if cap.scope in (CapScope.applicant_year, CapScope.applicant):
            # rows are in (organisation, date) order: these keys are sorted as they come
            by_year = cap.scope == CapScope.applicant_year and year is not None
            key = org if isinstance(sel, slice) else org[sel]  # the column itself: no copy
            if by_year:
                key = key * 10_000 + year[sel]
        else:
            if cap.scope == CapScope.product:
                key = (pop.event_product if identity else pop.event_product[event])[sel]
            elif cap.scope == CapScope.subject:
                key = subject[sel]
            else:
                key = subject[sel] * 10_000 + (_years(day) if year is None else year)[sel]
            if isinstance(sel, slice):
                sel = np.arange(n)
            sel, key = sel[key >= 0], key[key >= 0]
            sel, key = _by_key(sel, key)
        prior = 0
        pm = np.isin(prior_midx, members) if len(prior_midx) else None
        if pm is not None and pm.any():
            pkey = _bucket(
                cap.scope,
                pop.prior_org[pm],
                _years(pop.prior_day[pm]),
                pop.prior_bproduct[pm],
                pop.prior_subject[pm],
            )
            if cap.scope == CapScope.applicant_year and year is None:
                pkey = np.where(
                    _years(pop.prior_day[pm]) == _years(day[:1])[0], pop.prior_org[pm], -1
                )  # keys are organisations: only the prior awards of the rows' one year count
            pk, ps = group_sums(pkey[pkey >= 0], pop.prior_amount[pm][pkey >= 0] * (MICRO // 100))
            if len(pk):
                prior = lookup(pk, ps, key)
        limit = micro(cap.amount)
        prior = np.minimum(prior, limit)
        ev_first = None
        if contests:  # rows of one event see the same ledger (peek)
            ev_first = run_starts_pair(key, event[sel])
        by_org = isinstance(sel, slice) and identity and key is org
        caps.append((cap, sel, key, prior, limit, ev_first, pop.org_runs() if by_org else runs(key)))

    outcomes_set = bool(outcome.any())
    one_elig, one_has = one_value(elig), one_value(has)
    if one_elig is not None and one_has is not None:
        yes_has = constant(one_elig == YES and one_has, n, bool)
    elif one_elig is not None:
        yes_has = has if one_elig == YES else constant(False, n, bool)
    else:
        yes_has = (elig == YES) & has
    base = value if all_true(yes_has) else np.where(has, value, 0)
    final = base
    rounds = 0
    # with no contest and no row under two ceilings, one pass is the sequential answer
    one_pass = not contests
    if one_pass and len(caps) > 1:
        in_caps = np.zeros(n, dtype=np.int64)
        for _cap, sel, *_ in caps:
            in_caps[sel] += 1
        one_pass = not (in_caps > 1).any()
    if not one_pass:
        final = base.copy()
    by_org_sums = None  # (first row, sum) per organisation, when one ceiling over every row gives them
    pending = None  # the rows' figures, when only the organisations' totals were needed to finish the run
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 (reported)
        if outcomes_set:
            gone = among(outcome, (LOST, EXCLUDED))
            entering = yes_has & ~gone
            current = np.where(gone, 0, base)
        else:
            entering, current = yes_has, base
        all_entering = all_true(entering)
        room_row = None
        room_event = np.full(n, BIG) if contests else None  # the ledger before each event: for peek
        for _cap, sel, key, prior, limit, ev_first, first in caps:
            x = final[sel]
            x_max = None  # the highest figure of the cap's rows, when read
            if not all_entering:
                x = np.minimum(x, limit) * entering[sel]
            elif len(x):  # a read is cheaper than a copy: most figures are below the limit
                x_max = int(x.max())
                if x_max > limit:
                    x = np.minimum(x, limit)
            heads = first[0]
            bucket_sums = np.add.reduceat(x, heads) if len(heads) else x[:0]
            whole_orgs = key is org and np.ndim(prior) == 0  # the cap's buckets are the organisations
            if one_pass and len(heads):
                # no bucket reaches its ceiling and no row exceeds it: every row keeps its figure
                # (each row's room, limit - prior - earlier rows, is at least its own figure)
                room_head = limit - (prior if np.ndim(prior) == 0 else prior[heads])
                same = x_max is not None and not outcomes_set and final is current  # x is current's rows
                if (bucket_sums <= room_head).all() and (x_max if same else current[sel].max()) <= limit:
                    if len(caps) == 1 and whole_orgs and all_entering:
                        by_org_sums = (heads, bucket_sums)  # every figure stands: the sums are the totals
                    continue
            lone = len(caps) == 1 and isinstance(sel, slice) and not contests and all_entering
            if lone:  # one ceiling over every row: the row's award in place, in one clip
                if by_org_sums is None and whole_orgs:
                    # what each organisation takes in all: its figures up to the room, greedily
                    by_org_sums = (heads, np.minimum(bucket_sums, max(limit - prior, 0)))
                    if one_pass and identity:  # the totals are known: each row's figure when first read
                        pending = partial(_rows_after, key, x, first, bucket_sums, limit - prior, current)
                        continue
                room_row = _rows_after(key, x, first, bucket_sums, limit - prior, current)
                continue
            room = sum_before(key, x, first, bucket_sums)  # what earlier rows of the bucket took
            np.subtract(limit - prior, room, out=room)  # what is left for this row
            np.maximum(room, 0, out=room)
            if isinstance(sel, slice) and room_row is None:
                room_row = room
            else:
                if room_row is None:
                    room_row = np.full(n, BIG)
                room_row[sel] = np.minimum(room_row[sel], room)  # a row is once in a cap's rows
            if contests:
                room_event[sel] = np.minimum(room_event[sel], room[ev_first])
        if pending is not None:
            new_final = None  # made when first read
        elif room_row is None:
            new_final = current
        elif len(caps) == 1 and isinstance(caps[0][1], slice) and not contests and all_entering:
            new_final = room_row  # clipped to the figures already (above)
        elif all_entering:
            new_final = np.minimum(current, room_row)
        else:
            new_final = np.where(entering, np.minimum(current, room_row), current)
        peek = np.minimum(base, room_event) if contests else None
        new_outcome = outcome
        if contests:
            new_outcome = outcome.copy()
        for sides, inv, member, any_open, open_max, exact_side in contests:
            p = peek[sides]
            exact_max = np.zeros(inv.max() + 1, dtype=np.int64) - 1
            np.maximum.at(exact_max, inv, np.where(exact_side, p, -1))
            dominated = ~any_open | (exact_max[inv] >= open_max)
            rank = np.lexsort((member, ceiling_only[sides], -p, inv))
            best = np.zeros(len(sides), dtype=bool)
            best[rank[first_of_runs(inv[rank])]] = True
            new_outcome[sides] = np.where(dominated, np.where(best, WON, LOST), UNRESOLVED)
        if one_pass:
            final = new_final
            break
        if np.array_equal(new_final, final) and np.array_equal(new_outcome, outcome):
            break
        final, outcome = new_final, new_outcome
        outcomes_set = outcomes_set or bool(outcome.any())
    else:  # no fixed point within the rounds: the per-case engine takes the organisations in contest
        for sides, *_ in contests:
            hand_over(org[sides], "no_fixed_point")
        for _, sel, *_ in caps:
            hand_over(org[sel], "no_fixed_point")
    outcomes_set = bool(outcome.any())
    if pending is not None:  # one ceiling over every row, every row entering, no overlap at work
        value = None
    elif outcomes_set:
        value = np.where(among(outcome, (LOST, EXCLUDED)), 0, np.where(yes_has, final, value))
    elif final is not value:
        value = np.where(yes_has, final, value) if not all_true(yes_has) else final

    def figures() -> np.ndarray:
        """The rows' figures, made now if they were left for the first read."""
        nonlocal value, pending
        if value is None:
            value, pending = pending(), None
        return value

    # a once-per row that did not pay after all leaves the later ones open: the per-case engine decides
    if any_once and once_first.any():
        hand_over(org[once_first & (outcome == LOST)], "once_per_lost")

    # exact figures cut by a ceiling holding a maximum become maxima
    one_kind = one_value(kind)
    is_exact = kind == KIND[AmountKind.exact] if one_kind is None else None
    if caps and (one_kind == KIND[AmountKind.exact] if one_kind is not None else is_exact.any()):
        value = figures()
        kind = writable(kind)
        if is_exact is None:
            is_exact = kind == KIND[AmountKind.exact]
        exactish = is_exact | (kind == KIND[AmountKind.waiver])
        entering = yes_has & ~among(outcome, (LOST, EXCLUDED))
        cut_by: list[tuple[np.ndarray, np.ndarray, np.ndarray, tuple]] = []
        running = np.where(entering, base, 0)
        for _cap, sel, key, prior, limit, _, first in caps:  # in rule order, as applied
            x = np.where(entering[sel], np.minimum(value[sel], limit), 0)
            room = np.maximum(limit - prior - sum_before(key, x, first), 0)
            cut = entering[sel] & (running[sel] > room)
            running[sel] = np.where(entering[sel], np.minimum(running[sel], room), running[sel])
            cut_by.append((sel, key, cut, first))
        may_turn = any((cut & is_exact[sel]).any() for sel, _, cut, _ in cut_by)
        for _ in range(MAX_ROUNDS if may_turn else 0):
            inexact = entering & ~exactish
            turned = np.zeros(n, dtype=bool)
            for sel, key, cut, first in cut_by:
                seen = sum_before(key, inexact[sel].astype(np.int64), first) > 0
                turned[sel] |= cut & seen
            turned &= exactish & (kind == KIND[AmountKind.exact])
            if not turned.any():
                break
            kind[turned] = KIND[AmountKind.at_most]
            exactish &= ~turned

    # instalments that do not fall on whole micro-yuan
    for cm in compiled.measures:
        if cm.measure.instalments:
            value = figures()
            sel = (measure == cm.index) & has & (elig == YES)
            for share in cm.measure.instalments.shares:
                hand_over(org[sel & (value * rate_e4(share) % 10_000 != 0)], "instalment_fraction")

    result = BatchResult(
        pop, compiled, event, measure, elig, kind, value, has, outcome, covered, fallback, rounds=rounds
    )
    result.overlap_of = overlap_of
    result.identity = identity
    result._org_sums = by_org_sums if one_pass and identity else None
    result._pending = pending
    result.reasons = {k: v for k, v in reasons.items() if v}
    report(0.8, "fallback")
    if per_case is not None:
        _fallback(result, per_case, lambda share: report(0.8 + 0.2 * share, "fallback"))
    report(1.0, "done")
    return result


def _rows_after(key, x, first, bucket_sums, room0, current) -> np.ndarray:
    """Each row's figure under one ceiling: what the earlier rows of its bucket left (``room0`` less
    their figures), at most its own figure, never below zero."""
    room = sum_before(key, x, first, bucket_sums)  # what earlier rows of the bucket took
    np.subtract(room0, room, out=room)  # what is left for this row
    return np.clip(room, 0, current, out=room)


def _by_key(sel: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by key, then by processing order (``sel`` is ascending); skips the sort when sorted."""
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return sel, key
    o = np.argsort(key, kind="stable")
    return sel[o], key[o]


def _plain(compiled: Compiled) -> tuple[set[str], set[str]]:
    """Measures whose award is its raw figure: in no ceiling, no 就高从优, not once-per, not a top-up;
    and the same with top-ups allowed."""
    rules = compiled.rules
    busy = {m for c in rules.caps for m in c.measures}
    busy |= {m for o in rules.overlaps if o.kind == OverlapKind.highest_only for m in o.measures}
    busy |= {m.id for m in rules.measures.values() if m.once_per is not None}
    in_excludes = [m for o in rules.overlaps if o.kind == OverlapKind.excludes for m in o.measures]
    busy |= {m for m in in_excludes if in_excludes.count(m) > 1}
    with_top_ups = {mid for mid in rules.measures if mid not in busy}
    busy |= {m.id for m in rules.measures.values() if m.amount_specs()[0].kind == AmountKind.top_up}
    return {mid for mid in rules.measures if mid not in busy}, with_top_ups


def _fallback(result: BatchResult, per_case, progress) -> None:
    pop, compiled = result.pop, result.compiled
    orgs = np.nonzero(result.fallback & result.covered)[0]
    if len(orgs):
        result.writable()
    overlap_ids = {o.id: i for i, o in enumerate(compiled.rules.overlaps)}
    step = max(len(orgs) // 50, 1)
    for k, o in enumerate(orgs.tolist()):
        if k % step == 0:
            progress(k / len(orgs))
        rows = result.rows_of(o)
        where = {(pop.event_id(result.event[r]), int(result.measure[r])): r for r in rows.tolist()}
        assessment = per_case(pop.case(o, compiled.catalogue))
        result.case_totals[o] = assessment.totals
        for e in assessment.entitlements:
            r = where[(e.event_id, compiled.index[e.measure_id])]
            result.eligibility[r] = ELIGIBILITY.index(e.eligibility)
            result.kind[r] = KINDS.index(e.amount.kind)
            result.has[r] = e.amount.value is not None
            result.outcome[r] = OUTCOMES.index(e.overlap.outcome if e.overlap else None)
            result.overlap_of[r] = overlap_ids[e.overlap.overlap_id] if e.overlap else -1
            if e.overlap is not None and e.overlap.together_with:
                if result.side_of is None:
                    result.side_of = result.measure.astype(np.int64)  # a copy: measure may be read only
                result.side_of[r] = min(compiled.index[m] for m in (e.measure_id, *e.overlap.together_with))
            if e.amount.value is not None:
                m = e.amount.value * MICRO
                result.value[r] = int(m)
                if m != m.to_integral_value():
                    result.exact_values[r] = e.amount.value
            else:
                result.value[r] = 0
        result.fallback_rows += len(rows)


def _empty(pop, compiled, covered, fallback) -> BatchResult:
    z = np.zeros(0, dtype=np.int64)
    return BatchResult(
        pop,
        compiled,
        z,
        z,
        z.astype(np.int8),
        z.astype(np.int8),
        z,
        z.astype(bool),
        z.astype(np.int8),
        covered,
        fallback,
        overlap_of=z,
    )


def _years(days: np.ndarray) -> np.ndarray:
    """Calendar years of date ordinals, through a table over the span of days present."""
    if len(days) == 0:
        return days.astype(np.int64)
    lo, hi = int(days.min()), int(days.max())
    span = np.arange(lo, hi + 1) - 719163
    table = span.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return table[days - lo]


def _bucket(scope: CapScope, org, year, product, subject) -> np.ndarray:
    """Each prior award's bucket of a ceiling (-1: none)."""
    if scope == CapScope.product:
        return product
    if scope == CapScope.subject:
        return subject
    if scope == CapScope.subject_year:
        return np.where(subject >= 0, subject * 10_000 + year, -1)
    if scope == CapScope.applicant_year:
        return org * 10_000 + year
    return org.copy()


def _cap_when(fn, pop, catalogue, event, measure, sel, compiled):
    """A cap's condition over the rows in ``sel``, per event type (facts are read per type)."""
    t = np.zeros(len(sel), dtype=bool)
    u = np.zeros(len(sel), dtype=bool)
    types = pop.event_type[event[sel]]
    for code in np.unique(types).tolist():
        part = types == code
        rows = Rows(pop, catalogue, pop.vocab.values[code], event[sel][part])
        tt, uu = fn(rows)
        t[part], u[part] = tt, uu
    return t, u


def _places(pop: Population, compiled: Compiled) -> dict[str, np.ndarray]:
    """Per measure, which organisations its applicant kinds and places cover."""
    v = pop.vocab.values
    width = np.int64(len(v) + 1)
    one = [one_value(c) for c in (pop.org_province, pop.org_city, pop.org_district)]
    if all(x is not None for x in one):  # columns of one value: one place, no pass over organisations
        combos = np.array([((one[0] + 1) * width + (one[1] + 1)) * width + (one[2] + 1)], dtype=np.int64)
    else:
        combos = ((pop.org_province + 1) * width + (pop.org_city + 1)) * width + (pop.org_district + 1)
    if len(combos) == 1 and pop.n_orgs > 1:
        uniq, inv = combos, None
    elif len(combos) and bool((combos == combos[0]).all()):  # one place for every organisation
        uniq, inv = combos[:1], None
    else:
        uniq, inv = np.unique(combos, return_inverse=True)
    places = []
    for c in uniq.tolist():
        rest, district = divmod(c, int(width))
        province, city = divmod(rest, int(width))
        places.append(tuple(None if x == 0 else v[x - 1] for x in (province, city, district)))
    out = {}
    seen: dict[tuple[str, ...], np.ndarray] = {}
    for cm in compiled.measures:
        m = cm.measure
        wanted = tuple(m.applicant.places)
        if wanted not in seen:
            ok = np.array([any(covers(p, *pl) for p in wanted) for pl in places], dtype=bool)
            if inv is None:  # one place: one value for every organisation
                seen[wanted] = constant(bool(ok[0]), pop.n_orgs, bool)
            else:
                seen[wanted] = ok[inv] if len(inv) else np.zeros(0, dtype=bool)
        out[m.id] = seen[wanted]
    return out


def _judge(cm: CompiledMeasure, rows: Rows, place_ok: np.ndarray, compiled: Compiled):
    m, pop, ev = cm.measure, rows.pop, rows.events
    n = len(ev)
    kinds = np.array([pop.vocab.find(k.value) for k in m.applicant.kinds])
    org_ok = among(pop.org_kind, kinds.tolist()) & place_ok  # per organisation, then per row
    ok = None if org_ok.all() else org_ok[rows.take(pop.event_org)]  # None: every row
    window = compiled.windows[cm.index]
    day = rows.take(pop.event_day)
    if n and (window.from_ or window.to):
        lo, hi = span(day)
        if window.from_ and lo < window.from_.toordinal():
            ok = (day >= window.from_.toordinal()) if ok is None else ok & (day >= window.from_.toordinal())
        if window.to and hi > window.to.toordinal():
            ok = (day <= window.to.toordinal()) if ok is None else ok & (day <= window.to.toordinal())
    if ok is None:  # YES is 1, NO is 0; every row eligible and nothing to judge: one value, no memory
        plain = cm.conditions is None and cm.table is None
        elig = constant(YES, n, np.int8) if plain else np.ones(n, dtype=np.int8)
    else:
        elig = ok.astype(np.int8)
    if ok is None:
        ok = True
    if cm.conditions is not None:
        t, u = cm.conditions(rows)
        elig[ok & ~t & ~u] = NO
        elig[ok & u] = UNKNOWN
    if cm.table is None:
        raw = _dated(m.amount, m, rows, day, present_only=False)
    else:
        raw = Raw(
            np.full(n, KIND[AmountKind.unknown], np.int8),
            np.zeros(n, np.int64),
            np.zeros(n, bool),
            np.zeros(n, bool),
            np.zeros(n, bool),
        )
        chosen = np.zeros(n, dtype=bool)
        unsure = np.zeros(n, dtype=bool)
        for when, spec in cm.table:
            t, u = when(rows)
            take = t & ~unsure & ~chosen
            if take.any():
                part = _dated(spec, m, rows, day, present_only=True)
                for name in ("kind", "value", "has", "ceiling_only", "missing"):
                    getattr(raw, name)[take] = getattr(part, name)[take]
            chosen |= take
            unsure |= u & ~chosen
        raw.missing |= unsure & ~chosen
        elig[~chosen & ~unsure] = NO  # no row of the table applies
    if any_true(raw.missing):
        elig = writable(elig)
        elig[(elig == YES) & raw.missing & ~raw.has] = UNKNOWN
    one = one_value(elig)
    if (one != NO) if one is not None else not (elig == NO).any():  # every row a candidate: figures stand
        return elig, raw.kind, raw.value, raw.has, raw.ceiling_only
    no = elig == NO
    kind = np.where(no, KIND[AmountKind.unknown], raw.kind).astype(np.int8)
    has = raw.has & ~no
    value = np.where(has, raw.value, 0)
    return elig, kind, value, has, raw.ceiling_only & has


def _dated(spec, m: Measure, rows: Rows, day: np.ndarray, present_only: bool) -> Raw:
    """A measure's figures with its dated values (and a reform's): ``engine.amounts.in_force`` per span.

    Between two days on which a dated value starts, one spec is in force: the rows are split at
    those days, each span computed with the spec ``in_force`` gives for it, exactly as the per-case
    engine reads it for each event's date.
    """
    if not m.changes:
        return spec_amount(spec, rows)
    days = change_days(m.changes)
    bounds = [d.toordinal() for d in days]
    spans = np.searchsorted(np.array(bounds, dtype=np.int64), day, side="right")  # 0: before the first
    raw = None
    for i in np.unique(spans).tolist():
        on = date.min if i == 0 else days[i - 1]
        spec_i, _ = in_force(spec, m.changes, on, present_only=present_only)
        part = spec_amount(spec_i, rows)
        if raw is None:
            raw = part
            continue
        take = spans == i
        for name in ("kind", "value", "has", "ceiling_only", "missing"):
            setattr(raw, name, writable(getattr(raw, name)))
            getattr(raw, name)[take] = getattr(part, name)[take]
    return raw
