"""The fund desk's calendar: Swedish banking days, each fund's daily cut-off, NAV and settlement.

Swedish funds take orders until a daily cut-off (default 15:00 Europe/Stockholm) on banking
days, strike a net asset value (NAV) for that day, and settle some banking days later (default
T+2). ``FundSchedule`` answers the three questions the order manager asks as its clock moves:
when was the last cut-off, when is the NAV struck after an order was sent, and when does an
executed order settle. It decides nothing about orders itself (the manager does, and its events
record what happened, so a replay never consults the schedule).

Banking days are weekdays that are not Swedish bank holidays. The holidays come from a small
rule set rather than a dependency (they change by law rarely, and the rules are short):
New Year's Day, Epiphany (6 Jan), Good Friday, Easter Monday, 1 May, Ascension Day (Easter + 39),
National Day (6 Jun), Midsummer Eve (the Friday between 19 and 25 Jun), Christmas Eve, Christmas
Day, Boxing Day and New Year's Eve. Easter is the Gregorian computus (Anonymous algorithm).
Holidays that always fall on a Saturday or Sunday (Easter Sunday, Whit Sunday, Midsummer Day,
All Saints' Day) need no rule: weekends are closed anyway.

NAVs are the venue's reference data for a fund (set by the demo or by an operator's admin call):
the standing NAV of a fund executes its sent orders at the fund's NAV time. Configuration here
(cut-off and NAV times, settlement days, standing NAVs) is not journaled state: it only decides
when the manager acts, and what it did is in the journal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEVER = 1 << 63  # a due time that never comes

DEFAULT_CUTOFF = time(15, 0)
DEFAULT_NAV_TIME = time(18, 0)
DEFAULT_SETTLEMENT_DAYS = 2
_SEARCH_DAYS = 20  # longer than any run of Swedish non-banking days (at most 4 in a row)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the Anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def swedish_bank_holidays(year: int) -> frozenset[date]:
    """The weekday-relevant Swedish bank holidays of ``year`` (see the module docstring)."""
    easter = easter_sunday(year)
    midsummer_eve = next(date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4)
    return frozenset({
        date(year, 1, 1), date(year, 1, 6),
        easter - timedelta(days=2), easter + timedelta(days=1),  # Good Friday, Easter Monday
        date(year, 5, 1), easter + timedelta(days=39),  # Ascension Day
        date(year, 6, 6), midsummer_eve,
        date(year, 12, 24), date(year, 12, 25), date(year, 12, 26), date(year, 12, 31),
    })


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and day not in swedish_bank_holidays(day.year)


def add_banking_days(day: date, count: int) -> date:
    """The ``count``-th banking day after ``day`` (``day`` itself need not be one)."""
    while count > 0:
        day += timedelta(days=1)
        if is_banking_day(day):
            count -= 1
    return day


def local_date(ns: int, tz: ZoneInfo = STOCKHOLM) -> date:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).astimezone(tz).date()


def _instant_ns(day: date, at: time, tz: ZoneInfo) -> int:
    local = datetime.combine(day, at, tzinfo=tz)
    delta = local.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def last_daily_ns(now_ns: int, at: time, tz: ZoneInfo = STOCKHOLM) -> int:
    """The latest instant ``<= now_ns`` that is ``at`` local time on a banking day."""
    day = local_date(now_ns, tz)
    for _ in range(_SEARCH_DAYS):
        if is_banking_day(day):
            instant = _instant_ns(day, at, tz)
            if instant <= now_ns:
                return instant
        day -= timedelta(days=1)
    raise AssertionError("no banking day in the search window")  # pragma: no cover


def next_daily_ns(now_ns: int, at: time, tz: ZoneInfo = STOCKHOLM) -> int:
    """The first instant ``> now_ns`` that is ``at`` local time on a banking day."""
    day = local_date(now_ns, tz)
    for _ in range(_SEARCH_DAYS):
        if is_banking_day(day):
            instant = _instant_ns(day, at, tz)
            if instant > now_ns:
                return instant
        day += timedelta(days=1)
    raise AssertionError("no banking day in the search window")  # pragma: no cover


class FundSchedule:
    """Per-fund cut-off, NAV time and settlement lag, with defaults for funds not configured.

    Times are local to ``tz``. ``settlement_days`` counts banking days after the trade date (the
    local date of execution, rolled forward to a banking day); an order settles at the start
    (00:00 local) of its settlement date.
    """

    def __init__(self, *, cutoff: time = DEFAULT_CUTOFF, nav_time: time = DEFAULT_NAV_TIME,
                 settlement_days: int = DEFAULT_SETTLEMENT_DAYS, tz: ZoneInfo = STOCKHOLM) -> None:
        if settlement_days < 0:
            raise ValueError("settlement_days must be >= 0")
        self.default_cutoff = cutoff
        self.default_nav_time = nav_time
        self.default_settlement_days = settlement_days
        self.tz = tz
        self.cutoffs: dict[str, time] = {}
        self.nav_times: dict[str, time] = {}
        self.settlement_days: dict[str, int] = {}
        self.navs: dict[str, tuple[Decimal, int]] = {}  # standing NAV and when it was set (ns)

    def configure(self, symbol: str, *, cutoff: time | None = None, nav_time: time | None = None,
                  settlement_days: int | None = None) -> None:
        if cutoff is not None:
            self.cutoffs[symbol] = cutoff
        if nav_time is not None:
            self.nav_times[symbol] = nav_time
        if settlement_days is not None:
            if settlement_days < 0:
                raise ValueError("settlement_days must be >= 0")
            self.settlement_days[symbol] = settlement_days

    def cutoff(self, symbol: str) -> time:
        return self.cutoffs.get(symbol, self.default_cutoff)

    def set_nav(self, symbol: str, nav: Decimal, now_ns: int) -> None:
        self.navs[symbol] = (nav, now_ns)

    def last_cutoff_ns(self, symbol: str, now_ns: int) -> int:
        return last_daily_ns(now_ns, self.cutoff(symbol), self.tz)

    def next_cutoff_ns(self, symbol: str, now_ns: int) -> int:
        return next_daily_ns(now_ns, self.cutoff(symbol), self.tz)

    def nav_strike_ns(self, symbol: str, sent_ns: int) -> int:
        """When the NAV that executes an order sent at ``sent_ns`` is struck (``>= sent_ns``)."""
        return next_daily_ns(sent_ns - 1, self.nav_times.get(symbol, self.default_nav_time), self.tz)

    def settlement_ns(self, symbol: str, executed_ns: int) -> int:
        trade_date = local_date(executed_ns, self.tz)
        if not is_banking_day(trade_date):
            trade_date = add_banking_days(trade_date, 1)
        days = self.settlement_days.get(symbol, self.default_settlement_days)
        return _instant_ns(add_banking_days(trade_date, days), time(0, 0), self.tz)
