"""The next reception day of a liaison station, read from its opening hours as people write
them (stations.csv `opening_hours`), as of the build's date (issue 14).

Forms understood (a time part such as "9:00-12:00" or "全天" may follow; several forms may be
joined by "，" or "；"):
  每周三 · 每周一、三、五 · 每周一至周五 · 工作日 · 每天
  每月10日、25日 · 每月15日 · 每月逢5日 (the 5th, 15th, 25th) · 每月逢5、逢10日
  每月第一、三周周四 (the first and third Thursday of each month) · 每月最后一个周五
Anything else gives None: the page then says to telephone the station instead of guessing.
Public holidays are not known here, so the page says the station's notice takes precedence.
"""

from __future__ import annotations

import datetime as dt
import re

_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
HORIZON_DAYS = 400  # look at most this far ahead (a monthly rule always matches within 62 days)

_WD = "[一二三四五六日天]"
_WEEK_RANGE = re.compile(rf"(?:每周|周|星期)({_WD})(?:至|到|-|—|~)(?:周|星期)?({_WD})")
_WEEK_LIST = re.compile(rf"每(?:周|星期)((?:{_WD}[、,，和及]?)+)")
_NTH = re.compile(rf"每月((?:(?:第)?[一二三四五1-5][、,，和及]?)+)(?:个)?(?:周|星期)(?:的)?(?:周|星期)?({_WD})")
_LAST = re.compile(rf"每月(?:最后一个|最后一|末)(?:周|星期)(?:的)?(?:周|星期)?({_WD})")
# entries joined by a separator, the last one ending in 日/号 (so "25日9:00" stops at 日)
_MONTH_DAYS = re.compile(r"每月((?:逢?\d{1,2}(?:日|号)?[、,，和及])*逢?\d{1,2}(?:日|号))")


class Schedule:
    """Which days a station receives people: weekdays, days of the month, nth weekdays."""

    def __init__(self) -> None:
        self.weekdays: set[int] = set()
        self.month_days: set[int] = set()
        self.nth_weekdays: set[tuple[int, int]] = set()  # (n, weekday); n = -1 for the last

    def __bool__(self) -> bool:
        return bool(self.weekdays or self.month_days or self.nth_weekdays)

    def matches(self, d: dt.date) -> bool:
        if d.weekday() in self.weekdays or d.day in self.month_days:
            return True
        n = (d.day - 1) // 7 + 1
        last = (d + dt.timedelta(days=7)).month != d.month
        return (n, d.weekday()) in self.nth_weekdays or (last and (-1, d.weekday()) in self.nth_weekdays)


def _num(s: str) -> int:
    return int(s) if s.isdigit() else _NUM[s]


def parse(text: str | None) -> Schedule:
    s = Schedule()
    t = (text or "").replace(" ", "").replace("\u3000", "")
    if not t:
        return s
    if "工作日" in t:
        s.weekdays.update(range(5))
    if re.search(r"每天|每日|天天", t):
        s.weekdays.update(range(7))
    for m in _WEEK_RANGE.finditer(t):
        a, b = _WEEKDAY[m.group(1)], _WEEKDAY[m.group(2)]
        if a <= b:
            s.weekdays.update(range(a, b + 1))
    t = _WEEK_RANGE.sub("", t)
    for m in _NTH.finditer(t):
        wd = _WEEKDAY[m.group(2)]
        for n in re.findall(r"[一二三四五1-5]", m.group(1)):
            s.nth_weekdays.add((_num(n), wd))
    t = _NTH.sub("", t)
    for m in _LAST.finditer(t):
        s.nth_weekdays.add((-1, _WEEKDAY[m.group(1)]))
    t = _LAST.sub("", t)
    for m in _WEEK_LIST.finditer(t):
        s.weekdays.update(_WEEKDAY[c] for c in re.findall(_WD, m.group(1)))
    for m in _MONTH_DAYS.finditer(t):
        for every, num in re.findall(r"(逢)?(\d{1,2})", m.group(1)):
            n = int(num)
            if every:  # 逢5日: every day of the month ending in 5; 逢10日: 10, 20, 30
                s.month_days.update(x for x in range(1, 32) if x % 10 == n % 10 and x >= n)
            elif 1 <= n <= 31:
                s.month_days.add(n)
    return s


def next_day(text: str | None, as_of: dt.date) -> dt.date | None:
    """The first reception day on or after `as_of`, or None when `text` is not understood."""
    s = parse(text)
    if not s:
        return None
    for i in range(HORIZON_DAYS):
        d = as_of + dt.timedelta(days=i)
        if s.matches(d):
            return d
    return None
