"""Worked examples: the sentence-named cases of ``policies/*/tests.yaml``, read as data.

The measure page shows every case whose ``expect.entitlements`` name a measure, with the facts in
and, run through the calculator, the amount and clauses out. The test runner
(tests/test_policy_cases.py) checks the same cases; here they are only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from biopolicy.corpus.loader import default_policies_dir
from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.events import Catalogue


@dataclass(frozen=True)
class Example:
    name: str  # the sentence the case proves
    source: str  # e.g. xm-2025-1/tests.yaml
    case: dict[str, Any]  # the case as written, in the case format
    expected: list[dict[str, Any]] = field(default_factory=list)  # expect.entitlements

    def measures(self) -> set[str]:
        return {str(e.get("measure_id")) for e in self.expected if e.get("measure_id")}

    def events_for(self, measure_id: str) -> list[str]:
        return [str(e.get("event_id")) for e in self.expected if e.get("measure_id") == measure_id]


def load_examples(folder: Path) -> list[Example]:
    """Every case of every ``tests.yaml`` under ``folder``, in file then file order."""
    out: list[Example] = []
    for path in sorted(folder.glob("*/tests.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("case"), dict):
                continue
            expect = item.get("expect") or {}
            out.append(
                Example(
                    name=str(item.get("name", "")),
                    source=f"{path.parent.name}/{path.name}",
                    case=item["case"],
                    expected=[e for e in expect.get("entitlements") or [] if isinstance(e, dict)],
                )
            )
    return out


@cache
def all_examples() -> tuple[Example, ...]:
    """The process's examples, read once (the policy files do not change while it runs)."""
    return tuple(load_examples(default_policies_dir()))


def examples_for(
    measure_id: str, examples: tuple[Example, ...] | list[Example] | None = None
) -> list[Example]:
    return [e for e in (all_examples() if examples is None else examples) if measure_id in e.measures()]


# ---------------------------------------------------------------- the facts of a case, in words

_APPLICANT_FIELDS = {
    "name": "名称",
    "city": "所在城市",
    "district": "所在区",
    "credit_code": "统一社会信用代码",
}
_PRODUCT_FIELDS = {"name": "名称", "registration_class": "注册分类"}
_PRIOR_FIELDS = {
    "measure_id": "措施",
    "programme": "项目",
    "level": "层级",
    "amount": "金额（元）",
    "date": "日期",
    "event_id": "对应成果",
    "product_id": "产品",
    "subject": "事项",
}
_EVENT_FIXED = {"id", "type", "date", "product_id", "subject"}


def case_facts(case: dict[str, Any], catalogue: Catalogue) -> list[tuple[str, str]]:
    """The facts of a case as (what, value) lines in Chinese, in the order a reader needs them."""
    lines: list[tuple[str, str]] = []
    applicant = case.get("applicant") or {}
    kind = applicant.get("kind")
    lines.append(("申请人类型", APPLICANT_KIND_LABELS.get(kind, str(kind)) if kind else "（未填）"))
    lines += [
        (f"申请人{label}", str(applicant[k])) for k, label in _APPLICANT_FIELDS.items() if applicant.get(k)
    ]
    for p in case.get("products") or []:
        ptype = catalogue.product_types.get(str(p.get("type")), str(p.get("type")))
        extra = "，".join(f"{label} {p[k]}" for k, label in _PRODUCT_FIELDS.items() if p.get(k))
        lines.append((f"产品 {p.get('id', '')}", ptype + (f"（{extra}）" if extra else "")))
    for e in case.get("events") or []:
        lines.append((f"成果 {e.get('id', '')}", _event_text(e, catalogue)))
    for a in case.get("prior_awards") or []:
        lines.append(
            ("已获奖励", "，".join(f"{label} {a[k]}" for k, label in _PRIOR_FIELDS.items() if a.get(k)))
        )
    if case.get("as_of"):
        lines.append(("查询日", str(case["as_of"])))
    return lines


def _event_text(e: dict[str, Any], catalogue: Catalogue) -> str:
    etype = catalogue.events.get(str(e.get("type")))
    parts = [etype.label if etype else str(e.get("type")), f"日期 {e.get('date', '（未填）')}"]
    if e.get("product_id"):
        parts.append(f"产品 {e['product_id']}")
    if e.get("subject"):
        parts.append(f"事项 {e['subject']}")
    for name, value in e.items():
        if name in _EVENT_FIXED:
            continue
        spec = etype.attributes.get(name) if etype else None
        label = spec.label if spec else name
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif spec is not None and spec.values:
            shown = spec.values.get(str(value), str(value))
        else:
            shown = str(value)
        parts.append(f"{label} {shown}")
    return "；".join(parts)
