"""Comments marked as spoiling a release: whose text a reader gets, and whose cover.

The decision is ``articles.releases``' (the airings, the reader's region and
what they've watched); this module brings it what it needs without a query
of its own where it can. The thread statement reads each marked comment's
release, airings and, for a signed-in reader, whether they watched it
(``SQL``, one more column); comments read through the ORM (one just posted,
a permalink's ancestors, a profile, the inbox, a feed, an email) get the same
from ``mark`` in one query, and only when one of them is marked.

Every reader-facing read goes through here, and the default is the cover: a
page drawn for nobody in particular (the shared page cache, the signed-in
drawing, a feed) covers every comment whose window is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from articles.models import Release, ReleaseAiring, Watched
from articles.releases import WATCHED_COOKIE, Airings, watched_from_cookie


@cache
def sql() -> str:
    """The thread statement's column (over alias ``c``): built once per process."""
    quote = connection.ops.quote_name
    releases = quote(Release._meta.db_table)
    airings = quote(ReleaseAiring._meta.db_table)
    watched = quote(Watched._meta.db_table)
    return f"""CASE WHEN c.spoils_id IS NULL THEN NULL ELSE (
        SELECT json_build_array(r.id, r.code, r.released_at,
          (SELECT coalesce(json_agg(json_build_array(x.region, x.airs_at)), '[]')
             FROM {airings} x WHERE x.release_id = r.id),
          EXISTS (SELECT 1 FROM {watched} w
                   WHERE w.release_id = r.id AND w.user_id = %(viewer)s))
        FROM {releases} r WHERE r.id = c.spoils_id) END"""  # noqa: S608 - names from the models


def from_column(value) -> tuple[Airings | None, bool]:
    """The thread statement's column: the release's airings, and whether the reader watched it."""
    if value is None:
        return None, False
    pk, code, first, regions, watched = value
    return (
        Airings(
            release_id=pk,
            code=code,
            first=datetime.fromisoformat(first),
            by_region=tuple((name, datetime.fromisoformat(at)) for name, at in regions),
        ),
        bool(watched),
    )


def airings_of(release_ids: Iterable[int], *, user) -> dict[int, tuple[Airings, bool]]:
    """Releases' airings and whether ``user`` watched each: one query (none for no ids)."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    rows = Release.objects.filter(pk__in=ids).annotate(
        regions=ArrayAgg("airings__region", default=[]),
        times=ArrayAgg("airings__airs_at", default=[]),
        seen=Exists(
            Watched.objects.filter(
                release=OuterRef("pk"), user_id=user.pk if user.is_authenticated else 0
            )
        ),
    )
    found = {}
    for release in rows:
        pairs = tuple(
            (name, at) for name, at in zip(release.regions, release.times, strict=True) if name
        )
        found[release.pk] = (
            Airings(release.pk, release.code, release.released_at, pairs),
            release.seen,
        )
    return found


def region_of(user) -> str:
    return (getattr(user, "region", "") or "") if user.is_authenticated else ""


def covers(airings: Airings | None, *, watched: bool, user, now: datetime) -> bool:
    if airings is None or watched:
        return False
    return airings.window_open(region_of(user), now)


def cover_rows(comments: Iterable, *, user, watched: frozenset[int] = frozenset()) -> list:
    """Mark ORM-read comments for ``user``: ``covered_by`` is the release's Airings, or None.

    ``watched``: an anonymous reader's cookie (a signed-in reader's come from the query).
    """
    comments = list(comments)
    marked = [c for c in comments if c.spoils_id]
    known = airings_of((c.spoils_id for c in marked), user=user) if marked else {}
    now = timezone.now()
    mine = user.pk if user.is_authenticated else None
    for comment in comments:
        comment.covered_by = None
        if comment.spoils_id in known and comment.author_id != mine:
            airings, seen = known[comment.spoils_id]
            seen = seen or airings.release_id in watched
            if covers(airings, watched=seen, user=user, now=now):
                comment.covered_by = airings
    return comments


def watched_of(request) -> frozenset[int]:
    """What an anonymous reader's browser says they've watched (a signed-in one's: the database)."""
    if request.user.is_authenticated:
        return frozenset()
    return watched_from_cookie(request.COOKIES.get(WATCHED_COOKIE))


def as_text(airings: Airings) -> str:
    """A cover in words, where no button can go (a feed, an email, a preview)."""
    return f"[Spoiler for {airings.code}: hidden until you've watched it]"
