"""A synthetic population of Fujian's pharmaceutical industry, seeded and calibrated to published figures.

Calibration targets, as the documents publish them (fz-plan, 2021):
- 282 above-scale pharmaceutical enterprises in the province (全省规模以上医药工业企业282家), 40 in
  Fuzhou (全市规模以上医药工业企业40家);
- their revenue 851亿元 (实现营业收入851亿元), Fuzhou's 122.4亿元;
- 2,032 valid drug approvals in the province (有效国药准字批文2032个), 721 held in Fuzhou.
fj-2023-7 1's target of 1200亿元 in 2025 sets the revenue growth: (1200 / 851)^(1/4) − 1 a year.

Assumptions (no published figure; each is a named constant below, shown by ``ASSUMPTIONS``):
- firms outside Fuzhou are spread over the other cities by ``CITY_SHARES``; all are enterprises
  (hospitals, platforms and associations are not generated);
- a firm's 2021 revenue is lognormal (σ ``REVENUE_SIGMA``), scaled so each group's sum is the
  published one to the fen; drug approvals are spread over a group's firms in proportion to revenue;
- every firm also holds ``DEVICE_SHARE`` device products (medical devices are not in 国药准字);
- achievements per year follow ``RATES`` (per product or per firm), dates uniform in the year;
  each fact a rule reads is present with probability ``PRESENT``, and drawn from the values the
  rules test (thresholds, enum values) half of the time, else from a wide range.
``scale`` multiplies the firms and products (a province ×k, for load tests); the figures hold at 1.
Pure: numpy's seeded generator, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from biopolicy.domain.events import AttributeType, Catalogue
from biopolicy.engine.batch.population import CENTS, Column, Population, Vocab, storage_of
from biopolicy.rules.schema import All, AnyOf, Compare, Not, RuleSet

FIRMS, FIRMS_FUZHOU = 282, 40
REVENUE_2021, REVENUE_2021_FUZHOU = Decimal("85100000000"), Decimal("12240000000")
APPROVALS, APPROVALS_FUZHOU = 2032, 721
REVENUE_2025_TARGET = Decimal("120000000000")
GROWTH = float((REVENUE_2025_TARGET / REVENUE_2021) ** Decimal("0.25") - 1)

CITY_SHARES = {  # assumption: where the 242 firms outside Fuzhou are
    "厦门市": 0.35,
    "泉州市": 0.12,
    "漳州市": 0.10,
    "三明市": 0.09,
    "南平市": 0.08,
    "龙岩市": 0.08,
    "宁德市": 0.08,
    "莆田市": 0.07,
    "平潭综合实验区": 0.03,
}
XIAMEN_DISTRICTS = ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区", "火炬高新区")
REVENUE_SIGMA = 1.2
DEVICE_SHARE = 0.5
DRUG_TYPES = {"chemical": 0.6, "tcm": 0.3, "biologic": 0.1}
# assumption: shares of drug registration classes; for each drug type, those the catalogue lists for
# it, renormalised (a TCM has no class 5.1, a chemical drug no 3.1)
DRUG_CLASSES = {"1": 0.03, "2": 0.05, "2.2": 0.02, "3": 0.15, "3.1": 0.05, "4": 0.6, "5.1": 0.1}
DEVICE_CLASSES = {"II": 0.7, "III": 0.3}
PRESENT = 0.9
RATES = {  # assumption: achievements a year, per product ("product") or per firm ("firm")
    "clinical_stage_completed": ("product", 0.05),
    "consistency_evaluation_passed": ("product", 0.03),
    "first_industrialisation": ("product", 0.02),
    "overseas_approval": ("product", 0.01),
    "fee_due": ("product", 0.05),
    "annual_revenue_reported": ("firm", 1.0),
}
OTHER_FIRM_RATE = 0.05  # every other achievement of the catalogue, per firm and year
MONEY_MEDIAN = {"fee_due": 5e6}  # assumption: fen; fees are about 5万元, other sums about 500万元 (5e8)

ASSUMPTIONS = {
    "city_shares": CITY_SHARES,
    "revenue_sigma": REVENUE_SIGMA,
    "revenue_growth": round(GROWTH, 4),
    "device_products_per_firm": DEVICE_SHARE,
    "drug_types": DRUG_TYPES,
    "drug_classes": DRUG_CLASSES,
    "device_classes": DEVICE_CLASSES,
    "fact_present": PRESENT,
    "rates": RATES,
    "other_rate_per_firm": OTHER_FIRM_RATE,
    "money_median_fen": {"default": 5e8, **MONEY_MEDIAN},
}


@dataclass
class Synthetic:
    population: Population
    revenue_2021: np.ndarray  # fen per firm
    fuzhou: np.ndarray  # per firm
    drug_products: np.ndarray  # per product: a drug approval (国药准字), not a device


def generate(
    rules: RuleSet,
    catalogue: Catalogue,
    seed: int = 0,
    years: tuple[int, int] = (2024, 2027),
    scale: float = 1,
) -> Synthetic:
    rng = np.random.default_rng(seed)
    vocab = Vocab()
    n_fz, n = round(FIRMS_FUZHOU * scale), round(FIRMS * scale)
    fuzhou = np.zeros(n, dtype=bool)
    fuzhou[:n_fz] = True
    cities = np.array(list(CITY_SHARES))
    shares = np.array(list(CITY_SHARES.values()))
    city = np.where(fuzhou, "福州市", rng.choice(cities, size=n, p=shares / shares.sum()))
    district = np.where(city == "厦门市", rng.choice(XIAMEN_DISTRICTS, size=n), "")
    # revenue: lognormal, each group scaled to its published sum (times scale) to the fen
    raw = rng.lognormal(0, REVENUE_SIGMA, size=n)
    revenue = np.zeros(n, dtype=np.int64)
    for mask, total in ((fuzhou, REVENUE_2021_FUZHOU), (~fuzhou, REVENUE_2021 - REVENUE_2021_FUZHOU)):
        fen = int(total * CENTS * Decimal(str(scale)))
        part = np.floor(raw[mask] / raw[mask].sum() * fen).astype(np.int64)
        part[np.argmax(part)] += fen - part.sum()
        revenue[mask] = part
    # drug approvals in proportion to revenue within each group, then devices
    owner = []
    for mask, count in ((fuzhou, APPROVALS_FUZHOU), (~fuzhou, APPROVALS - APPROVALS_FUZHOU)):
        firms = np.nonzero(mask)[0]
        k = round(count * scale)
        owner.append(rng.choice(firms, size=k, p=revenue[firms] / revenue[firms].sum()))
    drugs = np.concatenate(owner)
    devices = np.nonzero(rng.random(n) < DEVICE_SHARE)[0]
    product_org = np.concatenate([drugs, devices])
    is_drug = np.arange(len(product_org)) < len(drugs)
    order = np.argsort(product_org, kind="stable")
    product_org, is_drug = product_org[order], is_drug[order]
    p_type = np.where(is_drug, _pick(rng, DRUG_TYPES, len(product_org)), "device")
    p_class = _pick(rng, DEVICE_CLASSES, len(product_org)).astype(object)
    for drug_type in DRUG_TYPES:  # a class is drawn among those the catalogue lists for the product's type
        allowed = catalogue.registration_classes.get(drug_type, {})
        shares = {c: share for c, share in DRUG_CLASSES.items() if c in allowed}
        mask = is_drug & (p_type == drug_type)
        p_class[mask] = _pick(rng, shares, int(mask.sum()))
    # events, per type and year
    first, last = years
    ev_org, ev_type, ev_day, ev_product = [], [], [], []
    for name in catalogue.events:
        base, rate = RATES.get(name, ("firm", OTHER_FIRM_RATE))
        for year in range(first, last + 1):
            start, end = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            pool = len(product_org) if base == "product" else n
            k = rng.poisson(rate * pool)
            who = rng.integers(0, pool, size=k)
            ev_product.append(who if base == "product" else np.full(k, -1))
            ev_org.append(product_org[who] if base == "product" else who)
            ev_type.append(np.full(k, vocab.code(name), dtype=np.int32))
            ev_day.append(
                rng.integers(start, end + 1, size=k) if name != "annual_revenue_reported" else np.full(k, end)
            )
    org = np.concatenate(ev_org)
    day = np.concatenate(ev_day)
    order = np.lexsort((day, org))
    org, day = org[order], day[order]
    etype = np.concatenate(ev_type)[order]
    product = np.concatenate(ev_product)[order].astype(np.int64)
    m = len(org)
    subject = np.where(product >= 0, product, len(product_org) + np.arange(m))
    attributes = _attributes(rules, catalogue, vocab, rng, etype, org, day, revenue)
    pop = Population(
        vocab=vocab,
        as_of=date(last, 12, 31),
        org_name=[f"企业{i}" for i in range(n)],
        org_kind=np.full(n, vocab.code("enterprise"), dtype=np.int32),
        org_province=np.full(n, vocab.code("福建省"), dtype=np.int32),
        org_city=np.array([vocab.code(c) for c in city], dtype=np.int32),
        org_district=np.array([vocab.code(d) if d else -1 for d in district], dtype=np.int32),
        product_org=product_org.astype(np.int64),
        product_ids=[f"p{i}" for i in range(len(product_org))],
        product_type=vocab.codes_of(p_type),
        product_class=vocab.codes_of(p_class),
        event_org=org.astype(np.int64),
        event_ids=None,  # e00000000, e00000001, … in (firm, date) order
        event_type=etype,
        event_day=day.astype(np.int64),
        event_product=product,
        event_subject_given=np.full(m, -1, dtype=np.int64),
        event_subject=subject.astype(np.int64),
        attributes=attributes,
        inexact=np.zeros(n, dtype=bool),
    )
    return Synthetic(pop, revenue, fuzhou, is_drug)


def _pick(rng, shares: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(shares))
    p = np.array(list(shares.values()))
    return rng.choice(keys, size=size, p=p / p.sum())


def _leaves(cond):
    if isinstance(cond, All | AnyOf):
        for c in cond.all if isinstance(cond, All) else cond.any:
            yield from _leaves(c)
    elif isinstance(cond, Not):
        yield from _leaves(cond.not_)
    elif isinstance(cond, Compare):
        yield cond


def _hints(rules: RuleSet) -> dict[tuple[str, str], list]:
    """For each (event type, attribute), the values the rules compare it with."""
    out: dict[tuple[str, str], set] = {}
    for m in rules.measures.values():
        conds = [m.conditions, *m.categories.values(), *[r.when for r in getattr(m.amount, "table", [])]]
        for cond in filter(None, conds):
            for leaf in _leaves(cond):
                if not leaf.fact.startswith("event.") or leaf.operator == "within_years":
                    continue
                values = leaf.operand if isinstance(leaf.operand, list) else [leaf.operand]
                out.setdefault((m.event, leaf.fact[6:]), set()).update(values)
        for spec in m.amount_specs():
            if spec.base and spec.effective_rate and spec.cap:  # the base at which the rate meets its cap
                out.setdefault((m.event, spec.base[6:]), set()).add(spec.cap / spec.effective_rate)
    return {k: sorted(v, key=str) for k, v in out.items()}


def _attributes(
    rules, catalogue: Catalogue, vocab: Vocab, rng, etype, org, day, revenue
) -> dict[str, Column]:
    hints = _hints(rules)
    m = len(etype)
    cols: dict[str, Column] = {}
    clash: dict[str, set[str]] = {}
    for spec_type in catalogue.events.values():
        for name, spec in spec_type.attributes.items():
            clash.setdefault(name, set()).add(storage_of(spec.type))
    for type_name, spec_type in catalogue.events.items():
        rows = np.nonzero(etype == vocab.find(type_name))[0]
        k = len(rows)
        for name, spec in spec_type.attributes.items():
            storage = storage_of(spec.type)
            key = name if len(clash[name]) == 1 else f"{name}:{storage}"
            col = cols.setdefault(key, Column(storage, np.zeros(m, np.int64), np.zeros(m, bool)))
            col.present[rows] = rng.random(k) < PRESENT
            hinted = hints.get((type_name, name), [])
            use_hint = rng.random(k) < 0.5 if hinted else np.zeros(k, dtype=bool)
            t = spec.type
            if t == AttributeType.money:
                median = MONEY_MEDIAN.get(type_name, 5e8)  # fen
                values = rng.lognormal(np.log(median), 1.5, size=k).astype(np.int64)
                if name == "revenue":
                    years = (day[rows] - date(2021, 12, 31).toordinal()) // 365
                    values = (revenue[org[rows]] * (1 + GROWTH) ** years).astype(np.int64)
                if hinted:
                    h = np.array([int(Decimal(str(x)) * CENTS) for x in hinted], dtype=np.int64)
                    values = np.where(use_hint, rng.choice(h, size=k), values)
            elif t in (AttributeType.int, AttributeType.decimal):
                values = rng.integers(0, 6, size=k) * CENTS
            elif t == AttributeType.date:
                values = day[rows] - rng.integers(0, 6 * 365, size=k)
            elif t == AttributeType.bool:
                values = np.where(rng.random(k) < 0.5, vocab.code(True), vocab.code(False))
            elif t == AttributeType.enum:
                values = vocab.codes_of(rng.choice(sorted(spec.values), size=k))
            else:
                values = vocab.codes_of(np.array([f"{name}{i}" for i in rng.integers(0, 3, size=k)]))
            col.values[rows] = values
    return cols
