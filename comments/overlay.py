"""Signed-in readers' article pages, made from one shared drawing of the page plus their own parts.

Rendering a discussion costs about the same for every reader: rows, markup,
the article around it. Yet a signed-in reader's page differs from the
anonymous one in a few known places only: their header (name, bell, log out),
the ``<body>``'s htmx token, the comment form, "N new since your last visit",
and, per comment, the heart (a form with their like, instead of a link to log
in) and the "New" class and badge. So the page is drawn once per discussion
version (``Artifact``: the anonymous page with a mark at each of those places,
kept in this process) and each reader's request fills the marks: a few
microseconds a comment instead of the whole render, from the statement that
records their visit, which also reads their likes and the bell.

Nothing of a reader goes into the drawing: it is rendered for an anonymous
request (``AnonymousUser``, no token anywhere), so the same drawing serves any
reader, and it lives in this process's memory, never in the shared cache.

Pages this can't make exactly are rendered in full as before (``eligible``
and ``Artifact.fill`` say which): staff (drafts, admin links), a reader with
messages or a logged-out draft waiting, one whose own comments are on the page
(edit and delete links, their pending comments, which only they see), htmx
fragments. tests/comments/test_overlay.py checks that a filled page is the
page the full render makes for the same reader, byte for byte.

Versions: the drawing is kept under the page cache's versions of the site and
of the discussion (``comments.pagecache.Versions``), read before the database,
so a write committed after the drawing moves the version and the next request
draws again; as for the anonymous page cache, nothing stale is served.
"""

from __future__ import annotations

import bisect
import copy
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import itemgetter
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext
from django.utils import timezone

from articles.models import Watched
from comments import pagecache, render, services
from comments.inbox import unread_count_sql
from comments.models import Comment, CommentLike
from comments.pages import draft_key
from comments.rules import is_unseen
from comments.selectors import NewSince

# Drawings kept per process: a few hundred KB each (the page's markup).
KEPT = 32


class Marks:
    """The marks one drawing puts where a reader's own parts go, and what filling them needs."""

    def __init__(self) -> None:
        # Unguessable, so no comment's text can contain a mark.
        self.nonce = secrets.token_hex(8)
        self.pattern = re.compile(rf"\x02{self.nonce}:(\w+):(\d*)\x03")
        self.rows: dict[int, Comment] = {}  # the comments drawn, by id
        self.parts: dict[str, tuple[object, object]] = {}  # page part: (nodelist, template)
        self.covered: dict[int, object] = {}  # release id: Airings, for each spoiler drawn covered

    def mark(self, kind: str, pk: int | str = "") -> str:
        return f"\x02{self.nonce}:{kind}:{pk}\x03"


@dataclass
class Artifact:
    """One drawing of an article page: markup between the marks, and what the marks stand for."""

    article: object
    versions: tuple[str, str]
    pieces: list[bytes]  # the markup around the marks, UTF-8: one more than slots
    slots: list[tuple[str, int | None]]
    rows: dict[int, Comment]
    parts: dict[str, tuple[object, object]]
    authors: frozenset[int] = field(default_factory=frozenset)
    # The releases whose spoilers the drawing covers: a reader who watched one,
    # or whose region's window has closed, gets the full render instead.
    covered: dict = field(default_factory=dict)
    drawn_at: float = field(default_factory=time.monotonic)
    # Filled in as readers come, with _TOKEN where each response's CSRF token
    # goes: the page laid out per address (the hearts' "next" value), and each
    # reader's parts (header, form...), by everything of theirs that draws
    # them. Like the drawing itself, they never leave this process.
    layouts: dict[str, _Layout] = field(default_factory=dict)
    readers_parts: dict[tuple, dict[str, bytes]] = field(default_factory=dict)
    # (created_at, id) of every drawn comment, oldest first: only those after
    # a reader's previous visit are asked whether they are new to them.
    times: list[tuple[datetime, int]] = field(default_factory=list)

    @classmethod
    def from_drawing(
        cls, html: str, marks: Marks, *, article, versions: tuple[str, str]
    ) -> Artifact:
        split = marks.pattern.split(html)
        # Kept encoded: a reader's page is then joined as bytes, not built as a
        # 450 KB string and encoded again (a fifth of the time it took).
        pieces = [piece.encode() for piece in split[0::3]]
        slots = list(zip(split[1::3], split[2::3], strict=True))
        return cls(
            article=article,
            versions=versions,
            pieces=pieces,
            slots=[(kind, int(pk) if pk else None) for kind, pk in slots],
            rows=marks.rows,
            parts=marks.parts,
            authors=frozenset(row.author_id for row in marks.rows.values()),
            covered=marks.covered,
            times=sorted((row.created_at, pk) for pk, row in marks.rows.items()),
        )

    def fill(self, request: HttpRequest, *, personal: dict, form) -> bytes:
        """The page as the full render would draw it for ``request.user``.

        A copy of the page's layout (every heart not liked, nothing new), with
        the reader's parts, liked hearts and new comments put in its slots.
        """
        visit = personal["visit"]
        since: datetime | None = visit.previous
        ctx = render.RenderContext.build(
            article=self.article, request=request, sort="best", base_level=0
        )
        new_since = NewSince.from_visit(visit)
        first_new = new_since.first.pk if new_since.first is not None else None
        parts = self._parts(
            request,
            {
                "article": self.article,
                "discussion": SimpleNamespace(
                    new_since=new_since, first_new_on_page=first_new in self.rows
                ),
                "form": form,
                "parent": None,
                "unread_notifications": personal["unread"],
            },
            reader=(personal["unread"], new_since.count, first_new),
        )
        token = ctx.escaped("csrf_token").encode()
        layout = self._layout(ctx)
        out = layout.base.copy()
        for index in layout.tokens:
            out[index] = token
        for name, index in layout.parts.items():
            out[index] = parts[name].replace(_TOKEN, token)
        for pk in personal["liked"]:
            for index, value in layout.hearts.get(pk, ()):
                out[index] = value
        if since is not None:
            later = bisect.bisect_right(self.times, since, key=itemgetter(0))
            for _, pk in self.times[later:]:
                # own=False: the reader's own comments are never drawn here.
                if is_unseen(self.rows[pk], since=since, own=False):
                    for index, value in layout.marks.get(pk, ()):
                        out[index] = value
        return b"".join(out)

    def _layout(self, ctx: render.RenderContext) -> _Layout:
        """The page for this address (the hearts' "next"): every heart not liked, nothing new."""
        found = self.layouts.get(ctx.return_path)
        if found is None:
            drawn = replace(ctx, csrf_token=_TOKEN.decode(), escapes={})
            found = _Layout(base=[self.pieces[0]])
            for (kind, pk), piece in zip(self.slots, self.pieces[1:], strict=True):
                index = len(found.base)
                if pk is None:
                    found.parts[kind] = index
                    found.base.append(b"")
                elif kind == "like":
                    count = self.rows[pk].like_count
                    heart, liked = (
                        render.like_control(pk, count, drawn, own=False, liked=liked)
                        .encode()
                        .split(_TOKEN)
                        for liked in (False, True)
                    )
                    # (before, after) the token; a closed discussion's count has none.
                    indexes = range(index, index + 2 * len(liked), 2)
                    found.hearts[pk] = list(zip(indexes, liked, strict=True))
                    found.base.append(heart[0])
                    if len(heart) == 2:
                        found.tokens.append(len(found.base))
                        found.base += (b"", heart[1])
                else:  # the class and the badge a new comment has
                    value = UNSEEN_CLASS if kind == "unseen" else NEW_BADGE
                    found.marks.setdefault(pk, []).append((index, value))
                    found.base.append(b"")
                found.base.append(piece)
            _keep(self.layouts, ctx.return_path, found, most=LAYOUTS_KEPT)
        return found

    def _parts(self, request: HttpRequest, values: dict, *, reader: tuple) -> dict[str, bytes]:
        """The reader's own parts of the page, with _TOKEN for the response's token."""
        if not self.parts:
            return {}
        user = request.user
        # Every column of the reader's row: a change to any (a new name) draws afresh.
        key = (*reader, repr([getattr(user, f.attname) for f in user._meta.concrete_fields]))
        found = self.readers_parts.get(key)
        if found is None:
            template = next(iter(self.parts.values()))[1]
            context = RequestContext(request)
            with context.bind_template(template):
                # Above the context processors' values (the bell's count is known already).
                context.update(values | {"csrf_token": _TOKEN.decode()})
                found = {
                    name: nodelist.render(context).encode()
                    for name, (nodelist, _) in self.parts.items()
                }
            _keep(self.readers_parts, key, found, most=READERS_KEPT)
        return found


@dataclass
class _Layout:
    """A drawing's page for one address, as pieces to copy and fill in."""

    base: list[bytes]
    parts: dict[str, int] = field(default_factory=dict)  # part: its index in base
    tokens: list[int] = field(default_factory=list)  # where the response's token goes
    # id: where its heart's markup goes, and the markup when the reader likes it.
    hearts: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    # id: where its "unseen" class and "new" badge go, and what goes there.
    marks: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)


# Where a response's CSRF token goes in what a drawing keeps; unguessable, so
# no reader's text (a display name) can contain it.
_TOKEN = f"csrf{secrets.token_hex(16)}".encode()
UNSEEN_CLASS = f" {render.UNSEEN_CLASS}".encode()
NEW_BADGE = render.NEW_BADGE.encode()
LAYOUTS_KEPT = 4  # page addresses per drawing: the page, with or without ?sort=...
READERS_KEPT = 256  # readers' parts per drawing, a few KB each


def _keep(kept: dict, key, value, *, most: int) -> None:
    with _drawings_lock:
        kept[key] = value
        while len(kept) > most:
            kept.pop(next(iter(kept)))


# (article id, sort, page) -> the latest drawing of that page in this process.
_drawings: OrderedDict[tuple, Artifact] = OrderedDict()
# gunicorn's workers are single-threaded; runserver and threaded servers aren't.
_drawings_lock = threading.Lock()


def remembered(key: tuple, versions: tuple[str, str]) -> Artifact | None:
    """The drawing of this page, if it was drawn under these versions and isn't too old.

    Too old: "3 minutes ago" and the like were worked out when it was drawn, so
    a drawing lives no longer than an anonymous reader's cached page does.
    """
    with _drawings_lock:
        found = _drawings.get(key)
        if (
            found is None
            or None in versions  # the shared cache is down: nothing is known current
            or found.versions != versions
            or time.monotonic() - found.drawn_at > settings.ANONYMOUS_PAGE_SECONDS
        ):
            return None
        _drawings.move_to_end(key)
        return found


def remember(slug: str, key: tuple, artifact: Artifact) -> None:
    if None in artifact.versions:
        return
    pagecache.remember_article(slug, artifact.article.pk)
    with _drawings_lock:
        _drawings[key] = artifact
        _drawings.move_to_end(key)
        while len(_drawings) > KEPT:
            _drawings.popitem(last=False)


def eligible(request: HttpRequest) -> bool:
    """A signed-in reader's plain page load, with nothing of theirs waiting to be shown."""
    user = request.user
    return (
        settings.ANONYMOUS_PAGE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "htmx", False)
        and user.is_authenticated
        and not user.is_staff
        and "messages" not in request.COOKIES
        and "_messages" not in request.session
    )


def anonymous(request: HttpRequest) -> HttpRequest:
    """The same request as an anonymous reader makes it: what the drawing is rendered for."""
    drawing = copy.copy(request)
    drawing.user = AnonymousUser()
    return drawing


def personal(*, request: HttpRequest, artifact: Artifact) -> dict | None:
    """The reader's visit and what their parts need, in one statement; None for the full render.

    The visit they record anyway (``services.article_visit_record``), and in
    the same round trip their likes among the drawn comments, whether they
    have comments in the discussion only they see (awaiting moderation, drawn
    for them alone), and the bell's count. When it is None the full render
    records the visit again, which changes nothing within the visit gap.
    """
    user = request.user
    if user.pk in artifact.authors or draft_key(artifact.article, None) in request.session:
        return None
    now = timezone.now()
    region = user.region
    if any(not airings.window_open(region, now) for airings in artifact.covered.values()):
        return None
    quote = connection.ops.quote_name
    bell, params = unread_count_sql(user=user)
    columns = f"""
          (SELECT coalesce(array_agg(l.comment_id), '{{}}')
             FROM {quote(CommentLike._meta.db_table)} l
            WHERE l.user_id = %(user)s AND l.comment_id = ANY(%(drawn)s)),
          EXISTS (SELECT 1 FROM {quote(Comment._meta.db_table)} c
                   WHERE c.article_id = %(article)s AND c.author_id = %(user)s
                     AND c.status = %(pending)s),
          {bell},
          EXISTS (SELECT 1 FROM {quote(Watched._meta.db_table)} w
                   WHERE w.user_id = %(user)s AND w.release_id = ANY(%(covered)s))
    """  # noqa: S608 - table names from the models; values are parameters
    visit = services.article_visit_record(
        user=user,
        article=artifact.article,
        also=(
            columns,
            params
            | {
                "drawn": list(artifact.rows),
                "pending": Comment.Status.PENDING.value,
                "covered": list(artifact.covered),
            },
        ),
    )
    liked, pending_own, unread, watched_covered = visit.also
    if pending_own or watched_covered:
        return None
    return {"liked": set(liked), "unread": unread, "visit": visit}


def respond(html: bytes) -> HttpResponse:
    response = HttpResponse(html)
    response["X-Page-Cache"] = "personal"
    return response
