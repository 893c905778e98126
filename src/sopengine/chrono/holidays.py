"""China's statutory holidays, computed from the law for years no notice has published yet.

Every year the State Council publishes the next year's days off and make-up working
days (调休), usually in November; until then a deadline in that year cannot be
counted from published data. What is certain in advance is the law:
全国年节及纪念日放假办法 as amended by the State Council on 2024-11-10 (decision 国务院令
第 795 号, in force 2025-01-01) gives every citizen these days off (art. 2):

    元旦 New Year's Day        1 day    1 January
    春节 Spring Festival       4 days   除夕 (the last day of the lunar year) to 正月初三
    清明节 Qingming             1 day    the day of the 清明 solar term
    劳动节 Labour Day           2 days   1-2 May
    端午节 Dragon Boat          1 day    五月初五
    中秋节 Mid-Autumn           1 day    八月十五
    国庆节 National Day         3 days   1-3 October

So an estimate is those days plus the weekly pattern. The make-up working days and
the longer breaks they buy are chosen by each year's notice and are never guessed:
an estimate that invented a make-up Saturday would report breaches on a day nobody
is asked to work.

Lunar dates and the solar term come from ``lunar_python`` (6tail's lunar, an
implementation of 寿星天文历's astronomical algorithms, pure Python, no data files,
maintained), never from a table typed in here: a typo in a hand-made table is a
wrong deadline years later. The tests check its dates against the State Council's
notices of 2008-2026 (the package data) and against known facts (除夕 2027 is
2027-02-05).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = ["METHODS", "Method", "statutory_days"]


@dataclass(frozen=True, slots=True)
class Method:
    """One way to estimate a year: the law it reads and the years it may be used for.

    ``first_year`` is the year the law came into force: estimating 2024 from the 2024
    amendment would give it a Spring Festival day it did not have. ``last_year``
    bounds the estimate: a deadline in 2150 counted by today's law says nothing.
    """

    id: str
    law: str
    first_year: int
    last_year: int

    def note(self, years: tuple[int, ...]) -> tuple[str, str]:
        """(zh, en): the label a deadline that depends on these estimated years carries."""
        ys = ", ".join(str(y) for y in years)
        verb = "has" if len(years) == 1 else "have"
        return (f"{ys} 年尚无公布的放假安排，按法定节假日推算",
                f"{ys} {verb} no published schedule yet; estimated from the statutory holidays")


STATUTORY_2025 = Method("statutory-2025", "全国年节及纪念日放假办法 as amended 2024-11-10, in force 2025-01-01",
                        2025, 2100)
METHODS = {STATUTORY_2025.id: STATUTORY_2025}


def _lib() -> Any:
    """lunar_python, imported when a year is first estimated (it ships no type hints)."""
    import lunar_python

    return lunar_python


def _day(solar: Any) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar(year: int, month: int, day: int) -> date:
    """The solar date of a day of an ordinary (not leap) month of lunar year ``year``."""
    return _day(_lib().Lunar.fromYmd(year, month, day).getSolar())


def _qingming(year: int) -> date:
    """The 清明 solar term of ``year``: read from the lunar year holding mid-April of it."""
    day = _day(_lib().Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])
    if day.year != year:  # pragma: no cover - the term lies in early April in every year
        raise AssertionError(f"清明 of {year} computed as {day}")
    return day


@functools.lru_cache(maxsize=256)
def statutory_days(year: int) -> tuple[tuple[date, str], ...]:
    """The statutory days off of ``year`` under the 2024 amendment, each with its name.

    Pure and cached per process (thread-safe): a calendar asks for a year on every
    day it counts through, and the answer depends on the year alone.
    """
    eve = _lunar(year, 1, 1) - timedelta(days=1)
    spring = ("除夕", "初一", "初二", "初三")
    days = [(date(year, 1, 1), "New Year's Day (元旦)")]
    days += [(eve + timedelta(days=k), f"Spring Festival (春节, {spring[k]})") for k in range(4)]
    days += [(_qingming(year), "Qingming (清明节)"),
             (date(year, 5, 1), "Labour Day (劳动节)"), (date(year, 5, 2), "Labour Day (劳动节)"),
             (_lunar(year, 5, 5), "Dragon Boat Festival (端午节)"),
             (_lunar(year, 8, 15), "Mid-Autumn Festival (中秋节)")]
    days += [(date(year, 10, d), "National Day (国庆节)") for d in (1, 2, 3)]
    return tuple(sorted(days))
