"""Working days on the official Chinese calendar: holidays and weekend days worked in exchange (调休).

``WorkingCalendar`` answers from, in order of precedence:

1. official schedules loaded as data (``policies/_calendar/<year>.yaml``, rules/calendar.py), one per
   year, each citing the State Council notice it copies;
2. chinese-calendar, which holds the published schedules from 2004 to its last release's year (2026
   for 1.11.0) and raises ``NotImplementedError`` beyond;
3. for any other year, Monday to Friday: an estimate. Every answer that reaches such a year says
   so (``estimated=True``) and names the years (``missing_years``); nothing raises.

Counting follows the Chinese rule for periods (民法典 第二百零一条: the day an act happens is not
counted): ``add_working_days(start, n)`` is the n-th working day *after* ``start``, and
``working_days_between(a, b)`` counts the working days in (a, b], so that
``working_days_between(a, add_working_days(a, n).date) == n``.

Pure: the library's data is read once when a calendar is built; no files, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from biopolicy.rules.calendar import YearSchedule

LIBRARY = "chinese-calendar"


@dataclass(frozen=True, slots=True)
class DateAnswer:
    """A date computed on the calendar, and whether it rests on a year with no official schedule."""

    date: date
    estimated: bool = False
    missing_years: tuple[int, ...] = ()

    @property
    def note(self) -> str | None:
        return estimate_note(self.missing_years)


@dataclass(frozen=True, slots=True)
class CountAnswer:
    """A number of working days, and whether it rests on a year with no official schedule."""

    days: int
    estimated: bool = False
    missing_years: tuple[int, ...] = ()

    @property
    def note(self) -> str | None:
        return estimate_note(self.missing_years)


def estimate_note(missing_years: tuple[int, ...]) -> str | None:
    if not missing_years:
        return None
    years = "、".join(f"{y} 年" for y in missing_years)
    return (
        f"{years}的节假日安排尚未载入（国务院办公厅通知未公布或未导入），"
        "按周一至周五为工作日估算；公布后由管理员导入 policies/_calendar/<年份>.yaml 即为准确日期"
    )


@cache
def library_years() -> frozenset[int]:
    """The years chinese-calendar holds a published schedule for (it raises NotImplementedError beyond)."""
    import chinese_calendar

    years = set()
    for year in range(1990, 2101):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


@cache
def _library_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off on Monday to Friday, weekend days worked) for one year the library knows."""
    import chinese_calendar

    off, worked = set(), set()
    day = date(year, 1, 1)
    while day.year == year:
        working = chinese_calendar.is_workday(day)
        if day.weekday() < 5 and not working:
            off.add(day)
        elif day.weekday() >= 5 and working:
            worked.add(day)
        day += timedelta(days=1)
    return frozenset(off), frozenset(worked)


class WorkingCalendar:
    """Answers about working days; build one per set of schedules and reuse it (it indexes lazily)."""

    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None, *, use_library: bool = True):
        self.schedules: dict[int, YearSchedule] = dict(schedules or {})
        self._file_days = {y: (s.days_off(), s.make_up_days()) for y, s in self.schedules.items()}
        self._library = library_years() if use_library else frozenset()
        self.official_years: frozenset[int] = self._library | frozenset(self.schedules)
        self._missing: dict[tuple[int, int], tuple[int, ...]] = {}
        self._lo = 0  # first ordinal indexed
        self._hi = -1  # last ordinal indexed
        self._working: list[int] = []  # ordinals of working days in [_lo, _hi], ascending
        self._rank: list[int] = []  # per day from _lo: working days from _lo up to and including it
        self._is_working: list[int] = []  # per day from _lo: 1 for a working day

    # ------------------------------------------------------------ what a year rests on

    def has_official_schedule(self, year: int) -> bool:
        return year in self.official_years

    def source(self, year: int) -> str:
        """Where the answers for ``year`` come from, in Chinese."""
        if year in self.schedules:
            return self.schedules[year].cite()
        if year in self._library:
            return f"{LIBRARY} 收录的国务院办公厅 {year} 年部分节假日安排"
        return f"{year} 年官方安排尚未载入，按周一至周五估算"

    def missing_years(self, a: date, b: date) -> tuple[int, ...]:
        """The years from a to b (either order) with no official schedule."""
        key = (a.year, b.year) if a.year <= b.year else (b.year, a.year)
        found = self._missing.get(key)
        if found is None:
            found = self._missing[key] = tuple(
                y for y in range(key[0], key[1] + 1) if y not in self.official_years
            )
        return found

    # ------------------------------------------------------------ questions

    def is_working_day(self, day: date) -> bool:
        year = day.year
        if year in self._file_days:
            off, worked = self._file_days[year]
            return day in worked or (day.weekday() < 5 and day not in off)
        if year in self._library:
            off, worked = _library_year(year)
            return day in worked or (day.weekday() < 5 and day not in off)
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> DateAnswer:
        """The n-th working day after ``start`` (before it when n < 0); ``start`` itself for n = 0."""
        found = self.nth_working_day(start, n)
        missing = self.missing_years(start, found)
        return DateAnswer(found, bool(missing), missing)

    def working_days_between(self, a: date, b: date) -> CountAnswer:
        """Working days in (a, b]; negative when b is before a."""
        days = self.count_working_days(a, b)
        missing = self.missing_years(a, b)
        return CountAnswer(days, bool(missing), missing)

    # The two below are the same answers without the estimate: for loops over many dates that ask
    # ``missing_years`` once for the whole span they touched (engine/deadlines.py).

    def nth_working_day(self, start: date, n: int) -> date:
        if n == 0:
            return start
        origin = start.toordinal()
        while True:
            offset = origin - self._lo
            if 0 <= offset < len(self._rank):
                # rank: working days up to and including the day; the n-th after is at rank + n - 1
                index = (
                    self._rank[offset] + n - 1 if n > 0 else self._rank[offset] - self._is_working[offset] + n
                )
                if 0 <= index < len(self._working):
                    return date.fromordinal(self._working[index])
            if n > 0:
                self._cover(origin, max(origin, self._hi) + 366 * (1 + n // 240))
            else:
                self._cover(min(origin, self._lo) - 366 * (1 - n // 240), origin)

    def count_working_days(self, a: date, b: date) -> int:
        lo, hi = a.toordinal() - self._lo, b.toordinal() - self._lo
        rank = self._rank
        if 0 <= lo < len(rank) and 0 <= hi < len(rank):
            return rank[hi] - rank[lo]
        self._cover(min(a, b).toordinal(), max(a, b).toordinal())
        return self.count_working_days(a, b)

    def add_calendar_days(self, start: date, n: int) -> DateAnswer:
        """Calendar days need no schedule: never an estimate."""
        return DateAnswer(start + timedelta(days=n))

    # ------------------------------------------------------------ the index

    def _cover(self, lo: int, hi: int) -> None:
        """Index working days over whole years around [lo, hi] (ordinals), widening what is indexed."""
        if self._lo <= lo and hi <= self._hi:
            return
        if self._hi >= self._lo:
            lo, hi = min(lo, self._lo), max(hi, self._hi)
        first = date(date.fromordinal(lo).year, 1, 1).toordinal()
        last = date(date.fromordinal(hi).year, 12, 31).toordinal()
        flags = [1 if self.is_working_day(date.fromordinal(o)) else 0 for o in range(first, last + 1)]
        rank, total = [], 0
        for flag in flags:
            total += flag
            rank.append(total)
        self._is_working = flags
        self._rank = rank
        self._working = [first + i for i, flag in enumerate(flags) if flag]
        self._lo, self._hi = first, last
