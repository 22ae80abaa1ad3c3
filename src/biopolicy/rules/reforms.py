"""Reforms: named, dated overlays of values on the rules, written as content (policies/_reforms/*.yaml).

A reform changes values, never the rule language: a shared ceiling's amount, a measure's rate, its
own ceiling or its fixed amount, a measure's or a whole document's in-force window, a measure
switched off. It is validated like the rules: every id it names must exist, every value must have
its type, and every problem is a Chinese message naming the file, line and field. ``apply``
returns a new RuleSet; the baseline is untouched.

A reform is the dated-values overlay of the rules (issue 14 §3), not an edit: a measure's rate,
ceiling or amount becomes a dated value (``DatedValues``, marked with the reform's title) added to
the measure's own ``changes``, from the change's ``from`` date (every event when none is given).
Both engines read it through the one function that reads a measure's dated values
(``engine.amounts.in_force``; the batch engine splits the rows at the same dates), so the
calculator's trace says which figure came from the reform. Windows (in force, extended, switched
off from a date) go through the window every engine reads (``RuleSet.window``); a shared
ceiling's amount is one figure (ceilings carry no dates).

    id: xm-clinical-ceilings-2020
    title: 厦门临床试验合计奖励上限恢复为2020年版
    basis: 政策解读：合计奖励上限由原来的3000万元、1400万元提高到6000万元、2600万元
    changes:
      - {cap: xm-2023/m1-clinical-innovative-product, amount: "30000000"}
      - {measure: xm-2023/m9-headquarters, switched_off: true, from: 2026-01-01}
      - {measure: xm-2023/m1-clinical, rate: "30%", from: 2025-01-01}
      - {document: fj-2023-7, in_force: {to: 2027-12-31}}
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biopolicy.rules.schema import DatedValues, Money, Rate, RuleSet, Window


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
    from_: date | None = Field(default=None, alias="from")  # a measure's new values from this day on
    switched_off: bool | None = None  # the measure pays nothing (not "off": YAML reads that as false)
    rate: Rate | None = None  # every rate of the measure's amount clauses
    ceiling: Money | None = None  # every per-award ceiling (cap) of the measure's amount clauses
    amount: Money | None = None  # a shared ceiling's amount; a measure's fixed amount (value)
    in_force: Window | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Change:
        targets = [t for t in ("measure", "cap", "document") if getattr(self, t) is not None]
        if len(targets) != 1:
            raise ValueError("每一项应恰好写明 measure、cap、document 之一")
        allowed = {
            "measure": {"switched_off", "rate", "ceiling", "amount", "in_force"},
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
        if self.from_ is not None and (targets[0] != "measure" or self.in_force is not None):
            raise ValueError(
                "from（自某日起适用）只用于措施的 rate、ceiling、amount 或 switched_off；"
                "共同上限的数额不分日期，有效期请用 in_force 写明起止日期"
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
            if change.amount is not None and not any(s.value is not None for s in specs):
                problems.append(f"{at}.amount：措施“{change.measure}”的金额没有固定数额（value），无法修改")
    if problems:
        raise ReformError(problems)
    return reform


def apply(reform: Reform, rules: RuleSet) -> RuleSet:
    """The rules with the reform laid over them; a new RuleSet (the baseline's objects are not changed).

    A measure's rate, ceiling and amount become dated values (``DatedValues`` marked with the
    reform's title) after the measure's own, read by ``engine.amounts.in_force`` in both engines.
    """
    measures = dict(rules.measures)
    caps = list(rules.caps)
    windows = dict(rules.windows)
    for change in reform.changes:
        if change.measure is not None:
            m = measures[change.measure]
            if m is rules.measures[change.measure]:  # copy on first change: the baseline stays as it is
                m = measures[change.measure] = m.model_copy(deep=True)
                m.doc_id = rules.measures[change.measure].doc_id
            window = rules.window(m) if m.in_force is None else m.in_force
            if change.in_force is not None:
                window = change.in_force
            if change.switched_off:
                if change.from_ is None:  # never in force
                    window = Window.model_validate({"from": date.max, "to": date.max})
                else:  # in force until the day before
                    last = change.from_ - timedelta(days=1)
                    window = Window.model_validate(
                        {"from": window.from_, "to": min(window.to, last) if window.to else last}
                    )
            if change.in_force is not None or change.switched_off:
                m.in_force = window
            figures = {"rate": change.rate, "cap": change.ceiling, "value": change.amount}
            if any(v is not None for v in figures.values()):
                dated = DatedValues.model_validate(
                    {
                        "from": change.from_ or date.min,
                        "clauses": m.clauses,
                        "excerpt": reform.basis or reform.title,
                        **{k: v for k, v in figures.items() if v is not None},
                    }
                )
                dated._overlay = reform.title
                m.changes = [*m.changes, dated]
        if change.cap is not None:
            i = next(i for i, c in enumerate(caps) if c.id == change.cap)
            caps[i] = caps[i].model_copy(update={"amount": change.amount})
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
        skipped=rules.skipped,
        pruned=rules.pruned,
        places=rules.places,
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
