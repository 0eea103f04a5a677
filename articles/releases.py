"""Whose spoiler window is open: a release's airings, a reader's region, what they've watched.

A comment marked as spoiling a release is covered for a reader until they
have watched it, or until ``RELEASE_SPOILER_DAYS`` after it aired where they
are. A reader who hasn't said where they are gets the last airing anywhere,
so nobody's window closes before their region has had the episode. Deciding
needs no query: ``Airings`` holds what the reads already joined in, and
``comments.spoilers`` brings what the reader has watched (the cookie here, or
the account's, read with the reader's other data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

# Anonymous readers keep what they've watched here: release ids, comma-separated.
WATCHED_COOKIE = "tb_watched"
WATCHED_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
WATCHED_KEPT = 300  # the newest ids a cookie keeps, well under a cookie's 4 KB


@dataclass(frozen=True, slots=True)
class Airings:
    release_id: int
    code: str
    first: datetime
    by_region: tuple[tuple[str, datetime], ...] = ()

    def starts_for(self, region: str) -> datetime:
        if region:
            for name, airs_at in self.by_region:
                if name == region:
                    return airs_at
            return self.first
        return max([self.first, *(airs_at for _, airs_at in self.by_region)])

    def window_open(self, region: str, now: datetime) -> bool:
        days = timedelta(days=settings.RELEASE_SPOILER_DAYS)
        return now < self.starts_for(region) + days


def watched_from_cookie(value: str | None) -> frozenset[int]:
    ids = set()
    for part in (value or "").split(",")[:WATCHED_KEPT]:
        if part.isdigit() and len(part) < 12:
            ids.add(int(part))
    return frozenset(ids)


def watched_cookie_value(ids) -> str:
    """Newest last, so a full cookie drops the oldest."""
    return ",".join(str(pk) for pk in list(ids)[-WATCHED_KEPT:])
