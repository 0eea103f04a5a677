"""Rate limits on posting, replying, liking, flagging and logging in.

Each action is counted twice: per account (the signed-in reader, or for a login
the username typed) and per IP address. The counters live in the default cache,
the one every process shares (Redis, or the database cache table), through
django-ratelimit's ``get_usage``: fixed windows, one cache key per window, added
then incremented. Both increment atomically: Redis itself, and the database
cache (``trekboard.cache``) by writing the count back only if it is still the
one it read, so two requests at the same instant both count.

When the shared cache can't count (Redis is down), each process counts in its
own memory instead, so limits still hold; see ``local_usage``.

django-ratelimit is used as a library, not as an installed app: its system check
refuses Django's database cache for its non-atomic increment, and knows nothing
of ours, the deliberate default when ``REDIS_URL`` is unset.

A refusal is a 429 with ``Retry-After`` that says how long to wait. A view can
answer it its own way (``respond=``): the comment and flag forms come back with
the text in them, as a validation error does (``comments.views.responses``).
Addresses, behind proxies too, come from ``trekboard.addresses``. This module
is imported by the settings, so it imports no models.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from trekboard.addresses import client_network
from trekboard.responses import fragment_or_page

logger = logging.getLogger(__name__)

# Per account. Sized for a busy board: nobody writes more than five new
# comments a minute, a quick exchange of replies stays under ten, and liking
# through a thread stays under one a second; flags are rare, so a burst of them
# is a campaign; ten logins a minute is plenty for typos and slows guessing.
DEFAULT_RATES = {
    "post": "5/m",
    "reply": "10/m",
    # Previews write nothing, but each parses up to 10,000 characters.
    "preview": "30/m",
    "like": "60/m",
    # Marking an episode watched (or not): a reader catches up a few at a time.
    "watched": "30/m",
    # A search ranks every match: a reader searches a few times a minute.
    "search": "30/m",
    # Live updates read the database only when the discussion changed: at most
    # six times a minute per open page (every LIVE_POLL_SECONDS).
    "live": "30/m",
    "flag": "10/h",
    # The JSON API's reads (counted in each process): scripts, and count.js.
    "api": "300/m",
    # A page of an allowed site opening its discussion for the first time.
    "embed": "30/h",
    # Signing a discussion widget in makes a token.
    "token": "20/h",
    "login": "10/m",
    # Sign-up and password reset send an email to the address typed: counted
    # per address, so nobody can make the site mail-bomb someone.
    "signup": "5/h",
    "reset": "5/h",
}

# Per IP address the limit is fifty times the account's: a campus, an office or
# a mobile carrier's NAT puts many readers behind one address, and when an
# episode airs forty of them replying at once (five replies each) must all get
# through. One person is still held to the account limit, and a script cycling
# through accounts (or logins across usernames) to fifty times it.
IP_MULTIPLIER = 50

# django-ratelimit's rate syntax: a count, then a period with an optional
# multiplier ("5/m", "100/h", "10/15m"). The unit is required here.
_RATE = re.compile(r"(?P<count>\d+)/(?P<multiplier>\d*)(?P<unit>[smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}

MESSAGES = {
    "post": "You're posting too fast.",
    "reply": "You're posting too fast.",
    "preview": "You're previewing too fast.",
    "like": "You're liking comments too fast.",
    "watched": "You're marking episodes watched too fast.",
    "search": "You're searching too fast.",
    "live": "Too many pages asking for new comments.",
    "flag": "You've flagged a lot of comments in a short time.",
    "api": "Too many requests to the API.",
    "embed": "Too many new discussions from here.",
    "token": "Too many sign-ins from discussion widgets.",
    "login": "Too many login attempts.",
    "signup": "Too many sign-ups from here or for that address.",
    "reset": "Too many password reset requests from here or for that address.",
}


def parse_rate_limits(value: str, *, production: bool = False) -> dict[str, str]:
    """``RATE_LIMITS`` as the settings keep it: each action's per-account rate.

    Empty means the defaults; ``off`` means no limits at all (an empty dict),
    which production refuses; otherwise ``action=rate`` pairs, separated by
    commas, override the defaults they name.
    """
    value = value.strip()
    if value.lower() == "off":
        if production:
            raise ImproperlyConfigured(
                "RATE_LIMITS=off turns rate limiting off for load tests; it is refused when "
                "TREKBOARD_ENV=production. Unset RATE_LIMITS, or raise the limits instead "
                "(e.g. RATE_LIMITS=post=20/m)."
            )
        return {}
    rates = dict(DEFAULT_RATES)
    seen: set[str] = set()
    for item in filter(None, (part.strip() for part in value.split(","))):
        action, sep, rate = (part.strip() for part in item.partition("="))
        if not sep or not rate:
            raise ImproperlyConfigured(
                f"RATE_LIMITS: {item!r} is not action=rate, e.g. "
                f"RATE_LIMITS=post=5/m,login=10/m (or RATE_LIMITS=off)."
            )
        if action not in DEFAULT_RATES:
            raise ImproperlyConfigured(
                f"RATE_LIMITS: unknown action {action!r}; the actions are "
                f"{', '.join(DEFAULT_RATES)}."
            )
        if action in seen:
            raise ImproperlyConfigured(f"RATE_LIMITS names {action!r} twice.")
        match = _RATE.fullmatch(rate)
        if (
            match is None
            or int(match["count"]) < 1
            or (match["multiplier"] and int(match["multiplier"]) < 1)
        ):
            raise ImproperlyConfigured(
                f"RATE_LIMITS: {action}={rate} is not a rate; write a number of times "
                f"per s, m, h or d, optionally per several of them: 5/m, 100/h, 10/15m."
            )
        seen.add(action)
        rates[action] = rate
    return rates


def _split(rate: str) -> tuple[int, int]:
    """``"10/15m"`` -> ``(10, 900)``: the count and the window in seconds."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ImproperlyConfigured(f"{rate!r} is not a rate (settings.RATE_LIMITS).")
    return int(match["count"]), int(match["multiplier"] or 1) * _SECONDS[match["unit"]]


def _account(request: HttpRequest, action: str) -> str | None:
    """Whose attempts these are: the username tried for a login, the address an email
    goes to, else the reader."""
    if action == "login":
        # Normalised as AuthenticationForm does, and case-folded so that
        # "Alice" and "alice " count as the same account.
        username = unicodedata.normalize("NFKC", request.POST.get("username", "")).strip()
        return f"username:{username.casefold()}" if username else None
    if action in ("signup", "reset"):
        email = unicodedata.normalize("NFKC", request.POST.get("email", "")).strip()
        return f"email:{email.casefold()}" if email else None
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


@dataclass(frozen=True)
class Limited:
    """A refused attempt: which action, and how many seconds until it is allowed again."""

    action: str
    retry_after: int

    @property
    def message(self) -> str:
        return f"{MESSAGES[self.action]} Try again in {wait_text(self.retry_after)}."


def wait_text(seconds: int) -> str:
    """``"about 40 seconds"``, ``"about 3 minutes"``, ``"about 1 hour"``."""
    if seconds < 60:
        amount, unit = max(seconds, 1), "second"
    elif seconds < 3600:
        amount, unit = (seconds + 30) // 60, "minute"
    else:
        amount, unit = (seconds + 1800) // 3600, "hour"
    return f"about {amount} {unit}{'' if amount == 1 else 's'}"


def hit(request: HttpRequest, action: str, *, local: bool = False) -> Limited | None:
    """Count one attempt at ``action``; say so if it goes over either limit.

    Every POST counts, invalid and refused ones too: a script's failures cost it
    as much as its successes. Windows are fixed, so the wait ends with the window.
    ``local``: count in this process alone, for reads whose limit only guards
    against a flood (a search): no round trip to the shared cache on each, at
    the price of a limit that is per gunicorn worker.
    """
    rate = settings.RATE_LIMITS.get(action)
    if rate is None:
        return None
    count, period = _split(rate)
    counters = [
        (f"{action}:ip", client_network(request), count * IP_MULTIPLIER),
        (f"{action}:account", _account(request, action), count),
    ]
    waits = []
    for group, value, limit in counters:
        if value is None:
            continue
        if local:
            usage = local_usage(group, value, limit, period)
            if usage["should_limit"]:
                waits.append(usage["time_left"])
            continue
        try:
            usage = get_usage(
                request,
                group=group,
                key=lambda _group, _request, value=value: value,
                rate=(limit, period),
                increment=True,
            )
        except Exception:  # a cache backend that raises when its server is down
            logger.warning("Rate limit %s: the shared cache failed.", group, exc_info=True)
            usage = _COULD_NOT_COUNT
        if usage is not None and usage["limit"] == 0:
            # The shared cache couldn't count (django-ratelimit's answer then has
            # limit 0): count in this process instead, never refuse everyone.
            usage = local_usage(group, value, limit, period)
        if usage is not None and usage["should_limit"]:
            waits.append(usage["time_left"])
    if not waits:
        return None
    return Limited(action=action, retry_after=max(1, *waits))


# --- When the shared cache is down -----------------------------------------
# Fail safe means neither of the easy answers: failing open (no limits while
# Redis is down, which is when a flood would do most harm) nor failing closed
# (every post refused, the whole board read-only because a cache is down).
# Each process counts on its own instead, in memory, with the same windows:
# one reader is held to the limit times the number of gunicorn workers at most,
# and the counts start again from zero when Redis is back.

_COULD_NOT_COUNT = {"count": 0, "limit": 0, "should_limit": True, "time_left": -1}
_local_counts = LocMemCache("trekboard-ratelimits-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})


def local_usage(group: str, value: str, limit: int, period: int) -> dict:
    """Count one attempt in this process alone: ``get_usage``'s answer, without the cache."""
    now = int(time.time())
    window_end = now - now % period + period
    prefix = getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:")
    key = f"{prefix}{group}:{value}:{window_end}"
    if _local_counts.add(key, 1, period + 1):
        count = 1
    else:
        try:
            count = _local_counts.incr(key)
        except ValueError:  # expired between add and incr
            _local_counts.set(key, 1, period + 1)
            count = 1
    return {
        "count": count,
        "limit": limit,
        "should_limit": count > limit,
        "time_left": window_end - now,
    }


Respond = Callable[..., HttpResponse]


def rate_limit(action: str, *, respond: Respond | None = None) -> Callable:
    """Count a view's POSTs as ``action``; over the limit, answer with ``respond``.

    ``respond(request, limited, *args, **kwargs)`` gets the view's own
    arguments; by default it is the 429 page. Other methods pass untouched.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def limited_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                limited = hit(request, action)
                if limited is not None:
                    return (respond or too_many_requests)(request, limited, *args, **kwargs)
            return view(request, *args, **kwargs)

        return limited_view

    return decorator


def with_retry_after(response: HttpResponse, limited: Limited) -> HttpResponse:
    response["Retry-After"] = str(limited.retry_after)
    return response


# --- The answers ------------------------------------------------------------


def too_many_requests(request: HttpRequest, limited: Limited, *args, **kwargs) -> HttpResponse:
    """The 429 page, or for htmx just its sentence, swapped into the request's target."""
    context = {"message": limited.message, "action": limited.action}
    response = fragment_or_page(request, "includes/_refusal.html", "429.html", context, status=429)
    return with_retry_after(response, limited)
