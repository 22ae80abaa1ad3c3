"""The milestone catalogue of the watch list, as content: policies/_catalogue/milestones.yaml.

Each milestone kind has a Chinese label, the kinds that come before it when the product has them
(``after``), whether it is a regulatory step with a clock (``regulatory``) and the procedure of
policies/_catalogue/procedures.yaml it runs under by default per regime, the calculator event of
policies/_catalogue/events.yaml it becomes when completed, whether it repeats per subject (each
hospital), and where on the journey it lies (``phase``). The file's order is the journey's order.

The loader checks the file against the model and against the other catalogues; every problem names
the file and the entry: an ``after`` kind that is unknown or not listed above it (so the order has no
cycle), a procedure that is unknown or of the other regime, a regulatory step without a procedure or
a non-regulatory one with one, an event type or attribute value the event catalogue does not have.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biopolicy.domain.events import AttributeType, Catalogue
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _read_yaml, _rel, default_policies_dir, load_catalogue

MILESTONES_FILE = ("_catalogue", "milestones.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(StrEnum):
    research = "research"
    review = "review"
    market = "market"


class MilestoneEvent(_Strict):
    """The calculator event a completed milestone becomes."""

    type: str = Field(min_length=1, description="事件类型，须为 policies/_catalogue/events.yaml 中的一种")
    attributes: dict[str, Any] = Field(default_factory=dict, description="事件的属性，如 stage: phase_2")


class MilestoneKind(_Strict):
    label: str = Field(min_length=1, description="里程碑的中文名称")
    after: list[str] = Field(
        default_factory=list, description="产品有这些里程碑时，它们在前（每一项须列在本项之上）"
    )
    regulatory: bool = Field(False, description="是否为有办理时限的监管环节（开始即起算时限）")
    procedures: dict[str, str] = Field(
        default_factory=dict,
        description="产品类别（drug 药品、device 医疗器械）→ 默认办理程序（policies/_catalogue/procedures.yaml 的代码）",
    )
    event: MilestoneEvent | None = Field(None, description="完成后在政策计算器中对应的事件")
    repeatable: bool = Field(False, description="是否按对象重复（如进入每一家医院各记一次）")
    phase: Phase = Field(
        Phase.research, description="所处阶段：research 研发、review 审评审批、market 上市后"
    )


class MilestoneFile(_Strict):
    """policies/_catalogue/milestones.yaml: the milestone kinds, in the order of the journey."""

    milestones: dict[str, MilestoneKind] = Field(min_length=1, description="里程碑类型代码 → 定义")


def milestones_path(policies_dir: Path | None = None) -> Path:
    return (policies_dir or default_policies_dir()).joinpath(*MILESTONES_FILE)


def load_milestones(
    policies_dir: Path | None = None,
    *,
    procedures: dict[str, Any] | None = None,
    catalogue: Catalogue | None = None,
) -> dict[str, MilestoneKind]:
    """The milestone kinds in the file's order, checked; RulesError naming file and entry otherwise.

    ``procedures`` (code → an object with a ``regime``) and ``catalogue`` default to the folder's."""
    root = policies_dir or default_policies_dir()
    path = milestones_path(root)
    data = _read_yaml(path)
    try:
        parsed = MilestoneFile.model_validate(data)
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None
    if procedures is None:
        from biopolicy.rules.time_limits import load_procedures

        procedures = dict(load_procedures(root).procedures)
    if catalogue is None:
        catalogue = load_catalogue(root)
    problems = check_milestones(parsed.milestones, procedures, catalogue)
    if problems:
        raise RulesError([f"{_rel(path)}：{p}" for p in problems])
    return dict(parsed.milestones)


def check_milestones(
    kinds: dict[str, MilestoneKind], procedures: dict[str, Any], catalogue: Catalogue
) -> list[str]:
    """Problems of the catalogue against itself, the procedures and the events, each naming its entry."""
    problems: list[str] = []
    seen: list[str] = []
    for code, kind in kinds.items():
        where = f"milestones.{code}（{kind.label}）"
        for before in kind.after:
            if before not in kinds:
                problems.append(f"{where}：after：未知的里程碑类型“{before}”")
            elif before not in seen:
                problems.append(f"{where}：after：“{before}”应列在本项之上（清单按办理顺序排列）")
        if kind.regulatory and not kind.procedures:
            problems.append(f"{where}：监管环节（regulatory: true）应写明 procedures（默认办理程序）")
        if not kind.regulatory and kind.procedures:
            problems.append(f"{where}：procedures：不是监管环节（regulatory 未设为 true），不应有办理程序")
        for regime, proc in kind.procedures.items():
            if regime not in ("drug", "device"):
                problems.append(f"{where}：procedures：产品类别应为 drug 或 device，收到“{regime}”")
                continue
            found = procedures.get(proc)
            if found is None:
                problems.append(
                    f"{where}：procedures.{regime}：未知的办理程序“{proc}”，应为 policies/_catalogue/procedures.yaml 中的代码之一"
                )
            elif str(getattr(found.regime, "value", found.regime)) != regime:
                problems.append(f"{where}：procedures.{regime}：程序“{proc}”不属于 {regime}")
        if kind.event is not None:
            problems += [f"{where}：event：{p}" for p in _check_event(kind.event, catalogue)]
        seen.append(code)
    return problems


def _check_event(event: MilestoneEvent, catalogue: Catalogue) -> list[str]:
    et = catalogue.events.get(event.type)
    if et is None:
        return [f"未知的事件类型“{event.type}”，应为 policies/_catalogue/events.yaml 中的一种"]
    problems = []
    for name, value in event.attributes.items():
        spec = et.attributes.get(name)
        if spec is None:
            problems.append(f"attributes：事件“{event.type}”没有属性“{name}”")
        elif spec.type == AttributeType.enum and str(value) not in spec.values:
            problems.append(f"attributes.{name}：“{value}”不是可取值（{'、'.join(spec.values)}）")
    return problems
