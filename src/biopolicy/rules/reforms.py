"""Reforms: named, dated overlays of values on the rules, written as content (policies/_reforms/*.yaml).

A reform changes values, never the rule language: a shared ceiling's amount, a measure's rate or
its own ceiling, a measure's or a whole document's in-force window, a measure switched off. It is
validated like the rules: every id it names must exist, every value must have its type, and every
problem is a Chinese message naming the file, line and field. ``apply`` returns a new RuleSet; the
baseline is untouched.

    id: xm-clinical-ceilings-2020
    title: 厦门临床试验合计奖励上限恢复为2020年版
    basis: 政策解读：合计奖励上限由原来的3000万元、1400万元提高到6000万元、2600万元
    changes:
      - {cap: xm-2023/m1-clinical-innovative-product, amount: "30000000"}
      - {measure: xm-2023/m9-headquarters, switched_off: true}
      - {measure: xm-2023/m1-clinical, rate: "30%"}
      - {document: fj-2023-7, in_force: {to: 2027-12-31}}
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biopolicy.rules.schema import Money, Rate, RuleSet, Window


class ReformError(ValueError):
    """A reform file that cannot be applied; each problem names the file, line and field."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    measure: str | None = None
    cap: str | None = None
    document: str | None = None
    switched_off: bool | None = None  # the measure pays nothing (not "off": YAML reads that as false)
    rate: Rate | None = None  # every rate of the measure's amount clauses
    ceiling: Money | None = None  # every per-award ceiling (cap) of the measure's amount clauses
    amount: Money | None = None  # a shared ceiling's amount
    in_force: Window | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Change:
        targets = [t for t in ("measure", "cap", "document") if getattr(self, t) is not None]
        if len(targets) != 1:
            raise ValueError("每一项应恰好写明 measure、cap、document 之一")
        allowed = {
            "measure": {"switched_off", "rate", "ceiling", "in_force"},
            "cap": {"amount"},
            "document": {"in_force"},
        }
        given = {
            f
            for f in ("switched_off", "rate", "ceiling", "amount", "in_force")
            if getattr(self, f) is not None
        }
        if not given:
            raise ValueError(f"{targets[0]} 项应写明要改的值（{'、'.join(sorted(allowed[targets[0]]))}）")
        wrong = given - allowed[targets[0]]
        if wrong:
            raise ValueError(
                f"{targets[0]} 项不能改 {'、'.join(sorted(wrong))}，可改：{'、'.join(sorted(allowed[targets[0]]))}"
            )
        return self


class Reform(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    basis: str | None = None  # where the alternative values come from, quoted
    changes: list[Change] = Field(min_length=1)


def load_reform(path: Path, rules: RuleSet) -> Reform:
    """Read and validate a reform file against the rules it will change."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReformError([f"{path}：无法读取（{exc.strerror}）"]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReformError([f"{path}：不是有效的 YAML（{exc}）"]) from None
    if not isinstance(data, dict):
        raise ReformError([f"{path}：应为一个映射（id、title、changes）"])
    lines = _change_lines(node)
    try:
        reform = Reform.model_validate(data)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = e["loc"]
            where = ".".join(str(x) for x in loc)
            line = lines[loc[1]] if len(loc) > 1 and loc[0] == "changes" and loc[1] < len(lines) else None
            at = f"第{line}行 " if line else ""
            problems.append(f"{path}：{at}{where}：{_zh(e)}")
        raise ReformError(problems) from None
    problems = []
    for i, change in enumerate(reform.changes):
        at = f"{path}：第{lines[i]}行 changes[{i}]" if i < len(lines) else f"{path}：changes[{i}]"
        if change.measure is not None and change.measure not in rules.measures:
            problems.append(f"{at}.measure：没有 id 为“{change.measure}”的措施")
        if change.cap is not None and change.cap not in {c.id for c in rules.caps}:
            problems.append(f"{at}.cap：没有 id 为“{change.cap}”的共同上限")
        if change.document is not None and change.document not in rules.windows:
            problems.append(f"{at}.document：没有 id 为“{change.document}”的文件")
        if change.measure in rules.measures:
            specs = rules.measures[change.measure].amount_specs()
            if change.rate is not None and not any(s.rate is not None for s in specs):
                problems.append(f"{at}.rate：措施“{change.measure}”的金额没有比例（rate），无法修改")
            if change.ceiling is not None and not any(s.cap is not None for s in specs):
                problems.append(f"{at}.ceiling：措施“{change.measure}”的金额没有单项上限（cap），无法修改")
    if problems:
        raise ReformError(problems)
    return reform


def apply(reform: Reform, rules: RuleSet) -> RuleSet:
    """The rules with the reform's values; a new RuleSet (the baseline's objects are not changed)."""
    measures = {mid: m.model_copy(deep=True) for mid, m in rules.measures.items()}
    caps = [c.model_copy(deep=True) for c in rules.caps]
    windows = dict(rules.windows)
    for change in reform.changes:
        if change.measure is not None:
            m = measures[change.measure]
            doc_id = m.doc_id
            if change.switched_off:
                m.in_force = Window.model_validate({"from": date.max, "to": date.max})
            if change.in_force is not None:
                m.in_force = change.in_force
            for spec in m.amount_specs():
                if change.rate is not None and spec.rate is not None:
                    spec.rate = change.rate
                if change.ceiling is not None and spec.cap is not None:
                    spec.cap = change.ceiling
            m.doc_id = doc_id
        if change.cap is not None:
            cap = next(c for c in caps if c.id == change.cap)
            cap.amount = change.amount
        if change.document is not None:
            old = windows.get(change.document, Window())
            windows[change.document] = Window.model_validate(
                {"from": change.in_force.from_ or old.from_, "to": change.in_force.to or old.to}
            )
    return RuleSet(
        measures=measures,
        caps=caps,
        overlaps=rules.overlaps,
        windows=windows,
        funding=rules.funding,
        version=f"{rules.version}+{reform.id}",
    )


def _change_lines(node) -> list[int]:
    """The line each item of ``changes`` starts on, for messages."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "changes" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _zh(error: dict) -> str:
    kind = error["type"]
    if kind == "missing":
        return "缺少此项"
    if kind == "extra_forbidden":
        return "不认识的字段"
    if kind == "too_short":
        return "至少应有一项"
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ")


__all__ = ["Change", "Decimal", "Reform", "ReformError", "apply", "load_reform"]
