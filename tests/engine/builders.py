"""Synthetic rules for engine tests: small, explicit, independent of the encoded policies."""

from __future__ import annotations

from biopolicy.rules.loader import load_catalogue
from biopolicy.rules.schema import Cap, Measure, Overlap, RuleSet


def catalogue():
    return load_catalogue()


def measure(mid: str, amount: dict, event: str = "clinical_stage_completed", **extra) -> Measure:
    data = {
        "id": mid,
        "title": mid,
        "clauses": [f"{mid}/clause"],
        "excerpt": "摘录",
        "applicant": {"kinds": ["enterprise", "medical_institution"], "places": ["福建省"]},
        "event": event,
        "amount": amount,
    } | extra
    m = Measure.model_validate(data)
    m.doc_id = mid.split("/")[0]
    return m


def ruleset(measures: list[Measure], caps: list[dict] = (), overlaps: list[dict] = ()) -> RuleSet:
    return RuleSet(
        measures={m.id: m for m in measures},
        caps=[Cap.model_validate(c) for c in caps],
        overlaps=[Overlap.model_validate(o) for o in overlaps],
        windows={},
        version="test",
    )


def case(events: list[dict], prior: list[dict] = (), city: str = "厦门市", kind: str = "enterprise") -> dict:
    return {
        "applicant": {"kind": kind, "name": "测试企业", "city": city},
        "products": [{"id": "p1", "type": "chemical", "registration_class": "1"}],
        "events": events,
        "prior_awards": list(prior),
        "as_of": "2026-12-31",
    }


def stage(eid: str, when: str = "2025-06-01", rd: str | None = "10000000", **extra) -> dict:
    event = {
        "id": eid,
        "type": "clinical_stage_completed",
        "date": when,
        "product_id": "p1",
        "stage": "phase_1",
    }
    if rd is not None:
        event["rd_investment"] = rd
    return event | extra
