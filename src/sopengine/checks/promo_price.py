"""MKT-12: a promotional price must be strictly below the lowest price of the N days before the promotion.

Price fraud is what regulators fine, so the comparison is exact (``Decimal``,
never float: 279.00 vs 279.0000001 must not pass by rounding) and a missing
history is never read as compliance: with no price known for the window the
check reports an explicit "cannot verify" outcome (``:unverifiable``).

The window is the N calendar days before the day the promotion starts, in the
process's time zone: for a start on 06-01 and N = 30, 05-02 to 05-31. Price
history may be one entry per day or one per price change (RECORDS.md allows
both). A change log says a price holds until the next entry, so by default
(``carry_forward``) the last entry dated before the window also counts, as the
price in force on the window's first day, unless an entry on that first day
replaces it. With daily data this changes nothing; with a change log, leaving
it out would let a low price set 40 days ago and still in force pass unseen.

The manual's window is 30 days; the 2022 price-marking rule's baseline is 7
days. ``legal_window_days`` (default 7) marks a breach of that shorter window
as its own outcome (``:legal``, error by default), because it is the one that
draws fines. Since the legal window lies inside the manual's, a legal breach is
always also a breach of the rule; each item yields at most one finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple

from ..chrono.instants import ValueProblem, parse_date, parse_instant, to_decimal
from ..results import Text
from ..rulebook import outcome_suffix
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .evidence import jsonable
from .fields import MISSING, field_paths
from .outcomes import Outcomes

_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$", re.ASCII)
FIELDS = {"start": "starts_at", "items": "items", "sku": "sku", "promo_price": "promo_price",
          "history": "price_history", "date": "date", "price": "price"}

OUTCOMES = {
    "unverifiable": ("warning", Text(
        "无法核验 SKU {sku} 的促销价 {promo_price}：活动开始（{promotion_start}）前 {window_days} 天"
        "（{window_start} 至 {window_end}）没有价格记录，不能视为合规",
        "cannot verify the promotional price {promo_price} of SKU {sku}: no price is known for the {window_days} days "
        "before the promotion starts on {promotion_start} ({window_start} to {window_end}); this is not a pass")),
    "legal": ("error", Text(
        "SKU {sku} 的促销价 {promo_price} 不低于活动前 {legal_window_days} 天内的最低价 {legal_minimum}"
        "（{legal_minimum_date}），不符合价格标示规定的 {legal_window_days} 日基准（{window_days} 天内最低价 {minimum}）",
        "the promotional price {promo_price} of SKU {sku} is not below the lowest price of the {legal_window_days} days "
        "before the promotion, {legal_minimum} ({legal_minimum_date}): it breaks the legal {legal_window_days}-day "
        "baseline of the price-marking rules (lowest in {window_days} days: {minimum})")),
}


class PricePoint(NamedTuple):
    day: date
    price: Decimal
    source: str  # "record" or "table:<name>"


_point = partial(tuple.__new__, PricePoint)  # (day, price, source) as a PricePoint, without its Python __new__
_DAY_OF = itemgetter(0)  # a PricePoint's day


class Lowest(NamedTuple):
    price: Decimal
    day: date  # first day of the window on which this price was in force
    set_on: date  # the entry's own date (before the window when carried forward)
    source: str


def lowest_price(points: Iterable[PricePoint], first: date, end: date, carry_forward: bool) -> Lowest | None:
    """Lowest price in force on a day of [first, end); ``points`` sorted by day (stable).

    Ties go to the most recent day, the one a shopper is likeliest to remember.
    """
    before: PricePoint | None = None
    inside: list[PricePoint] = []
    for p in points:
        if p.day < first:
            before = p
        elif p.day < end:
            inside.append(p)
    cands = [Lowest(p.price, p.day, p.day, p.source) for p in inside]
    if carry_forward and before is not None and not (inside and inside[0].day == first):
        cands.append(Lowest(before.price, first, before.day, before.source))
    if not cands:
        return None
    return min(cands, key=lambda c: (c.price, -c.day.toordinal()))


def below_lowest(promo: Decimal, points: Iterable[PricePoint], first: date, end: date, carry_forward: bool) -> bool:
    """Whether ``promo`` is below the price ``lowest_price`` finds (False where it finds none), without
    building it: the question every priced item asks, whose answer is yes but for a finding."""
    lowest = before = None
    on_first = False
    for day, price, _ in points:  # sorted by day: the last one before the window is the one in force then
        if day < first:
            before = price
        elif day < end:
            if lowest is None or price < lowest:
                lowest = price
            on_first = on_first or day == first
    if carry_forward and before is not None and not on_first and (lowest is None or before < lowest):
        lowest = before
    return lowest is not None and promo < lowest


@register
class PromoPriceCheck(CheckType):
    name = "promo_price"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.window = int(params.get("window_days", 30))
        self.legal = params.get("legal_window_days", 7)
        if self.window < 1:
            raise CheckConfigError("window_days must be at least 1", "/window_days")
        if self.legal is not None and not 1 <= self.legal <= self.window:
            raise CheckConfigError(f"legal_window_days {self.legal} must be between 1 and window_days ({self.window}); "
                                   "set it to null to check only window_days", "/legal_window_days")
        self.carry = bool(params.get("carry_forward", True))
        paths = field_paths(params.get("fields"), FIELDS, "/fields")
        for k in ("start", "items", "sku", "promo_price"):
            if k not in paths:
                raise CheckConfigError(f"fields.{k} cannot be null", f"/fields/{k}")
        self.f = paths
        self.history = paths.get("history")
        self.table = params.get("table")
        if self.history is None and self.table is None:
            raise CheckConfigError("no price history source: give fields.history, a table, or both", "/fields/history")
        paths["start"].lint(env, "/fields/start")
        paths["items"].lint(env, "/fields/items")
        self.outcomes = Outcomes(params, OUTCOMES)
        kd, kp = paths["date"].key if "date" in paths else None, paths["price"].key if "price" in paths else None
        self._entry_keys = (kd, kp) if kd is not None and kp is not None else (None, None)

    def verdict(self) -> Callable[[Mapping[str, Any]], Any] | None:
        """True for a record without the items (absent or null where a one-key ``fields.items`` points), on
        which ``run`` finds nothing: most campaigns price no goods. The view holds that key exactly where the
        record does, with null for null; anything else (None here), ``run`` judges."""
        key = self.f["items"].key
        if key is None:
            return None

        def without_items(variables: Mapping[str, Any]) -> bool | None:
            record = variables["record"]
            return True if type(record) is dict and record.get(key) is None else None
        return without_items

    def _start(self, ctx: CheckContext) -> date:
        _, raw = self.f["start"].get(ctx.record)
        if raw is MISSING or raw is None:
            raise ValueProblem(f"the record has no promotion start ({self.f['start'].text})")
        if isinstance(raw, str) and _DAY.match(raw):
            return parse_date(raw)
        return parse_instant(raw, ctx.timezone).astimezone(ctx.timezone).date()

    def _points(self, ctx: CheckContext, item: Mapping[str, Any], sku: Any) -> list[PricePoint]:
        pts: list[PricePoint] = []
        if self.history is not None:
            hist = self.history.value(item)
            on, at = self.f["date"].value, self.f["price"].value
            kd, kp = self._entry_keys
            for h in hist if isinstance(hist, list) else ():
                if kd is not None and type(h) is dict:  # (one key each, the default fields: two lookups)
                    d, p = h.get(kd, MISSING), h.get(kp, MISSING)
                else:
                    d, p = on(h), at(h)
                if d is not MISSING and p is not MISSING:
                    pts.append(_point((parse_date(d), to_decimal(p), "record")))
        if self.table is not None:
            if self.table not in ctx.tables:
                raise ValueProblem(f"reference table {self.table!r} was not given to the engine "
                                   f"(sopengine check --table {self.table}=FILE, or sopengine.load(..., tables=...))")
            for d, p in ctx.tables[self.table].get(sku, ()) if isinstance(sku, str) else ():
                pts.append(_point((parse_date(d), to_decimal(p), f"table:{self.table}")))
        pts.sort(key=_DAY_OF)
        return pts

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        ptr, items = self.f["items"].get(ctx.record)
        if not isinstance(items, list):
            return
        start = self._start(ctx)
        first, legal_first = start - timedelta(days=self.window), start - timedelta(days=self.legal or 0)
        priced, named = self.f["promo_price"], self.f["sku"]
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            raw = priced.value(item)
            if raw is MISSING or raw is None:
                continue  # not priced for the promotion: nothing to compare (a rule of its own may demand it)
            promo = to_decimal(raw)
            sku = named.value(item)
            sku = None if sku is MISSING else sku
            pts = self._points(ctx, item, sku)
            if below_lowest(promo, pts, first, start, self.carry):
                continue  # below the lowest price: the common case, no evidence to build
            pp_ptr = f"{ptr}/{i}{priced.pointer}"
            low = lowest_price(pts, first, start, self.carry)
            # the evidence as JSON from the start (what jsonable makes of it: Decimals as their text, days as ISO 8601)
            ev: dict[str, Any] = {"sku": "?" if sku is None else sku if type(sku) is str else jsonable(sku),
                                  "promo_price": str(promo), "promotion_start": start.isoformat(), "window_days": self.window,
                                  "window_start": first.isoformat(), "window_end": (start - timedelta(days=1)).isoformat()}
            if low is None:
                ev["prices_outside_window"] = len(pts)
                yield Hit(pp_ptr, ev, self.outcomes.severity("unverifiable"),
                          self.outcomes.message("unverifiable"), outcome_suffix("unverifiable"))
                continue
            ev.update(minimum=str(low.price), minimum_date=low.day.isoformat(), minimum_set_on=low.set_on.isoformat(),
                      minimum_source=low.source, difference=str(promo - low.price))
            legal = lowest_price(pts, legal_first, start, self.carry) if self.legal else None
            if legal is not None:
                ev.update(legal_window_days=self.legal, legal_minimum=str(legal.price), legal_minimum_date=legal.day.isoformat())
            if legal is not None and promo >= legal.price:
                yield Hit(pp_ptr, ev, self.outcomes.severity("legal"), self.outcomes.message("legal"), outcome_suffix("legal"))
            else:
                yield Hit(pp_ptr, ev)
