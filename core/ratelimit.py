"""Counting requests in the shared cache, for limits a page sets itself.

A rate is written as the API's throttle rates are, ``"<count>/<period>"`` with the period
``second``, ``minute``, ``hour`` or ``day`` (its first letter is enough). Requests are
counted in fixed windows of that period, in the cache every process shares, so a limit
holds across web processes. While the cache is unreachable nothing is counted and nothing
is refused: the cache is what the limits forget, not what the desk needs to serve.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        count, _, period = text.partition("/")
        if not count.isdigit() or not period or period[0] not in PERIODS:
            raise ValueError(f"A rate is written like '5/hour', not {text!r}.")
        return cls(int(count), PERIODS[period[0]])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends; 0 when allowed


def hit(scope: str, ident: str, rate: str, *, now: float | None = None) -> Verdict:
    """Count one request of ``ident`` (a client address, an e-mail address…) against
    ``rate`` in ``scope``; refused once the window already holds ``count`` of them."""
    parsed = Rate.parse(rate)
    now = time.time() if now is None else now
    window = int(now // parsed.seconds)
    # Hashed: an e-mail address as ident stays out of the cache's keys.
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=parsed.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # gone between add and incr, or the cache is unreachable
        return Verdict(allowed=True, retry_after=0)
    if count <= parsed.count:
        return Verdict(allowed=True, retry_after=0)
    return Verdict(allowed=False, retry_after=max(1, int((window + 1) * parsed.seconds - now)))
