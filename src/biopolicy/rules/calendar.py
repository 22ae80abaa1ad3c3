"""Official holiday schedules as data: ``policies/_calendar/<year>.yaml``.

Each year the State Council publishes its holiday schedule (国务院办公厅关于<year>年部分节假日安排的通知):
the days off and the weekend days worked in exchange (调休上班). The working-day calendar
(engine/calendar.py) takes these from chinese-calendar for the years it knows; an administrator adds
the schedule of a newer year here when the notice appears, and a file takes precedence over the
library for its year. Until then, every date computed into that year is marked as an estimate.

A file::

    year: 2027
    source:
      title: 国务院办公厅关于2027年部分节假日安排的通知
      number: 国办发明电〔2026〕X号
      date: 2026-11-XX
      url: https://www.gov.cn/...        # optional
    holidays:                              # days off: one date, or a range with from/to
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
    workdays:                              # weekend days worked in exchange (调休上班)
      - {name: 春节调休, date: 2027-02-07}

The loader reads no corpus and needs no service; errors are Chinese and name the file and field.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _read_yaml, _rel, default_policies_dir

WEEKDAY_NAMES = "一二三四五六日"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ScheduleSource(_Strict):
    """The State Council notice the schedule is copied from."""

    title: str = Field(min_length=1)
    number: str = Field(min_length=1)  # 文号, e.g. 国办发明电〔2025〕7号
    date: dt.date  # the notice's date
    url: str | None = None


class HolidaySpan(_Strict):
    """Days off: ``{name: 春节, from: 2027-02-06, to: 2027-02-13}`` or ``{name: 清明节, date: 2027-04-05}``."""

    name: str = Field(min_length=1)
    date: dt.date | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> HolidaySpan:
        if self.date is not None and (self.from_ is not None or self.to is not None):
            raise ValueError(f"假期“{self.name}”应写 date（一天）或 from/to（连续几天）之一，不能同时写")
        if self.date is None and (self.from_ is None or self.to is None):
            raise ValueError(f"假期“{self.name}”应写 date（一天），或同时写 from 和 to（连续几天）")
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError(f"假期“{self.name}”的 to（{self.to}）早于 from（{self.from_}）")
        return self

    def days(self) -> list[dt.date]:
        if self.date is not None:
            return [self.date]
        assert self.from_ is not None and self.to is not None
        return [self.from_ + timedelta(days=i) for i in range((self.to - self.from_).days + 1)]


class MakeUpDay(_Strict):
    """A weekend day worked in exchange for a holiday (调休上班)."""

    name: str = Field(min_length=1)
    date: dt.date


class YearSchedule(_Strict):
    """One year's official schedule. Every day not listed is a working day Monday to Friday."""

    year: int = Field(ge=1949, le=2200)
    source: ScheduleSource
    holidays: list[HolidaySpan] = Field(min_length=1)
    workdays: list[MakeUpDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> YearSchedule:
        problems = []
        off: dict[date, str] = {}
        for i, span in enumerate(self.holidays):
            for d in span.days():
                if d.year != self.year:
                    problems.append(f"holidays[{i}]：日期 {d} 不在 {self.year} 年内")
                off[d] = span.name
        for i, w in enumerate(self.workdays):
            if w.date.year != self.year:
                problems.append(f"workdays[{i}]：日期 {w.date} 不在 {self.year} 年内")
            if w.date.weekday() < 5:
                problems.append(
                    f"workdays[{i}]：{w.date} 是星期{WEEKDAY_NAMES[w.date.weekday()]}，"
                    "调休上班日应为周六或周日（周一至周五本来就上班）"
                )
            if w.date in off:
                problems.append(f"workdays[{i}]：{w.date} 同时列为假期“{off[w.date]}”")
        if problems:
            raise ValueError("；".join(problems))
        return self

    def days_off(self) -> frozenset[date]:
        return frozenset(d for span in self.holidays for d in span.days())

    def make_up_days(self) -> frozenset[date]:
        return frozenset(w.date for w in self.workdays)

    def cite(self) -> str:
        return f"《{self.source.title}》（{self.source.number}，{self.source.date.isoformat()}）"


def load_schedules(policies_dir: Path | None = None) -> dict[int, YearSchedule]:
    """Every ``policies/_calendar/<year>.yaml``, by year. No folder means no files: the library alone."""
    folder = (policies_dir or default_policies_dir()) / "_calendar"
    problems: list[str] = []
    schedules: dict[int, YearSchedule] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = _read_yaml(path)
        except RulesError as exc:
            problems += exc.problems
            continue
        try:
            schedule = YearSchedule.model_validate(data)
        except ValidationError as exc:
            problems += [f"{_rel(path)}：{p}" for p in describe(exc)]
            continue
        if path.stem != str(schedule.year):
            problems.append(f"{_rel(path)}：year 应与文件名一致（{path.stem}），收到 {schedule.year}")
            continue
        schedules[schedule.year] = schedule
    if problems:
        raise RulesError(problems)
    return schedules
