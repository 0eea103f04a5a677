"""Anonymous readers' article pages, served from the shared cache and invalidated exactly.

Anonymous readers all see the same page but for one thing: the CSRF token of
the "Log in and post" form (a logged-out reader may write a comment, kept in
their session while they log in, and that POST needs a token). So a rendered
page is stored with its token cut out, under its path, with the two versions
it was rendered under:

* the article's *discussion version*, replaced by every write that changes what
  its discussion shows (a comment, an edit, a like, a moderator's act), and
* the *site version*, replaced when articles themselves change (their text,
  related and next/previous links).

Writers replace a version after their transaction commits, with a value never
used before, and readers read the versions before they read the database. So a
page stored under the current versions can't miss a committed write: the
write's new version would be current instead. A hit reads the page and both
current versions in one cache round trip (each process remembers which article
a slug names; the page says which article it shows, so a slug that changed
hands can't serve another article's page), or only the two versions when this
process holds the page already (its last 64 pages, kept as stored). A miss
reads both versions in one round trip (two when one has to be started, after
a cache flush) and stores the page in one more. The cache is Django's default one, shared by every
process (Redis when ``REDIS_URL`` is set, else the database cache table,
``trekboard.cache``). Pages also expire after ``ANONYMOUS_PAGE_SECONDS``, so
"3 minutes ago" never goes much staler than that.

Pages are stored gzipped, as every browser asks for them, so a hit neither
compresses nor reads through the page: it is compressed once, in pieces cut
where the token goes, and a hit joins the pieces around the reader's own token
(in a stored, uncompressed deflate block) and mends the CRC-32 of the gzip
trailer arithmetically. Clients that don't take gzip get it decompressed.

Compressing a page with a secret on it is what BREACH attacks: an attacker who
can put text of their own on the page (a query string, a comment) watches the
compressed length shrink as their text comes to match the secret. Here the
token is no part of what is compressed: each piece around it is compressed on
its own, so no back-reference reaches the token and the compressed length is
the same whatever it is (and Django masks it afresh for each response anyway).
Nothing else on an anonymous page belongs to its reader: signed-in readers,
whose pages carry their name, their likes and the htmx token, are never served
from here, and neither are readers with a session or messages.
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_TOKEN_LENGTH, get_token
from django.utils.cache import patch_vary_headers

from articles.releases import WATCHED_COOKIE, watched_from_cookie
from trekboard import replicas
from trekboard.compression import accepts_gzip

GZIP_LEVEL = 6
# Where a reader's token sits on an anonymous page: the comment form's field
# (and, on signed-in pages only, which are never cached, the htmx headers).
_TOKEN_IN_PAGE = re.compile(
    rb'(?:name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]{%d})"'
    % CSRF_TOKEN_LENGTH
)
_PLACEHOLDER = b"0" * CSRF_TOKEN_LENGTH
# A gzip member's header: deflate, no name, mtime 0, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A stored deflate block holding one token, not the last one (BFINAL 0, BTYPE 00).
_TOKEN_BLOCK = b"\x00" + struct.pack("<HH", CSRF_TOKEN_LENGTH, CSRF_TOKEN_LENGTH ^ 0xFFFF)
_CRC_POLYNOMIAL = 0xEDB88320  # CRC-32, bit-reflected, as gzip uses it


def _prefixed(key: str) -> str:
    return f"{settings.PAGE_CACHE_PREFIX}{key}"


def _site_key() -> str:
    return _prefixed("pagecache:site")


def _slug_key(slug: str) -> str:
    return _prefixed(f"pagecache:slug:{hashlib.sha1(slug.encode()).hexdigest()}")  # noqa: S324


def _discussion_key(article_id: int) -> str:
    return _prefixed(f"pagecache:discussion:{article_id}")


def _added(versions: dict[str, str]) -> dict[str, str]:
    """Add the versions the cache doesn't hold yet; the ones it holds afterwards.

    One statement on the database cache (``get_or_add_many``); with Redis, an
    ``add`` per key and one read. A version missing from the answer couldn't be
    written: that page is then rendered but not kept.
    """
    get_or_add_many = getattr(cache, "get_or_add_many", None)
    if get_or_add_many is not None:
        return get_or_add_many(versions, None)
    for key, value in versions.items():
        cache.add(key, value, None)
    return cache.get_many(list(versions))


def _new_version() -> str:
    # With read replicas, where the primary's WAL stood once the write committed:
    # a page rendered under this version reads from a replica only once that
    # replica has replayed this far (trekboard.replicas.catch_up).
    if settings.DATABASE_REPLICA_URLS:
        return f"{uuid.uuid4().hex}@{replicas.primary_position()}"
    return uuid.uuid4().hex


# Versions a transaction replaces, written together once it commits: a reply
# replaces its discussion's version and its parent's author's inbox's in one
# cache write (one statement on the database cache).
_pending = threading.local()


def _write_pending() -> None:
    keys = getattr(_pending, "keys", None)
    if keys:
        _pending.keys = {}
        cache.set_many({key: new_value() for key, new_value in sorted(keys.items())}, None)


def _changed(key: str, new_value: Callable[[], object] = _new_version) -> None:
    # After the commit: a version replaced before it could be read by a reader
    # who then renders the old rows. (Not also now: with the database cache that
    # would lock the version's row for the rest of the transaction, and writers
    # holding comment rows would deadlock on it. Tests, whose transactions never
    # commit, set PAGE_CACHE_BUMP_NOW.)
    connection = transaction.get_connection()
    in_transaction = connection.in_atomic_block
    if settings.PAGE_CACHE_BUMP_NOW or not in_transaction:
        cache.set(key, new_value(), None)
    if in_transaction:
        # Keys are this transaction's (its outermost block's): a transaction
        # rolled back leaves none for the next one to write.
        owner = connection.atomic_blocks[0] if connection.atomic_blocks else None
        if getattr(_pending, "owner", None) is not owner:
            _pending.owner, _pending.keys = owner, {}
        _pending.keys[key] = new_value
        # One callback per key, so a rolled-back savepoint loses none; the
        # first to run writes them all, and the rest find nothing left.
        transaction.on_commit(_write_pending, robust=True)


def _inbox_key(user_id: int) -> str:
    return _prefixed(f"pagecache:inbox:{user_id}")


def inbox_changed(user_id: int) -> None:
    """A reader's bell is stale once the current transaction commits.

    Its version is the moment of the change (nanoseconds), not a random value,
    so a page needs no cache read to know the version it shows: the moment it
    was drawn (``live_moment``), a second early for clocks that differ.
    """
    _changed(_inbox_key(user_id), time.time_ns)


LIVE_CLOCK_MARGIN_NS = 1_000_000_000


def live_moment() -> int:
    """What a page says its bell is as of: now, less the margin for another machine's clock."""
    return time.time_ns() - LIVE_CLOCK_MARGIN_NS


def live_versions(article_id: int, user_id: int | None) -> tuple[str | None, int | None]:
    """The discussion's version and the reader's last inbox change, in one round trip.

    Only read: a discussion without a version yet gets one from a page
    (``Versions``), never from a poll naming any article number it likes.
    """
    discussion = _discussion_key(article_id)
    keys = [discussion] if user_id is None else [discussion, _inbox_key(user_id)]
    found = cache.get_many(keys)
    inbox = found.get(keys[-1]) if user_id is not None else None
    return found.get(discussion), inbox if isinstance(inbox, int) else None


def discussion_changed(article_id: int) -> None:
    """Pages of this article are stale once the current transaction commits."""
    _changed(_discussion_key(article_id))


def site_changed() -> None:
    """Every cached article page is stale once the current transaction commits."""
    _changed(_site_key())


def freshness_window() -> int:
    """The page cache's lifetime, numbered: what changes without a new version
    (a reader's display name) shows once the number moves on, as on cached pages."""
    return int(time.time() // max(settings.ANONYMOUS_PAGE_SECONDS, 1))


def site_version() -> str | None:
    """The version every cached page is kept under (a feed's ETag starts with it)."""
    key = _site_key()
    return cache.get(key) or _added({key: uuid.uuid4().hex}).get(key)


def eligible(request: HttpRequest) -> bool:
    """Requests that get the page every anonymous reader gets (nothing of their own on it)."""
    return (
        settings.ANONYMOUS_PAGE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "htmx", False)
        # A session holds a logged-out draft; messages are one reader's news.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


# --- CRC-32 arithmetic --------------------------------------------------------
# CRC-32 is linear apart from its start and end constants: for two texts of one
# length, crc(a) ^ crc(b) depends only on a ^ b. So the CRC of the page with a
# reader's token in place of the placeholder is the stored CRC, corrected by
# what the token's difference from the placeholder becomes after being followed
# by the rest of the page: a 32x32 bit matrix per page, applied in 32 steps.


def _register(data: bytes) -> int:
    """The CRC register after ``data`` from zero (no start or end constants)."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def _shift(length: int) -> list[int]:
    """What ``length`` zero bytes do to the CRC register: each register bit's image."""
    # The top bit's image, then each lower bit's from the one above it: zero
    # bytes commute with a zero bit, and a zero bit takes bit j to bit j - 1.
    columns = [zlib.crc32(bytes(length), (1 << 31) ^ 0xFFFFFFFF) ^ 0xFFFFFFFF]
    for _ in range(31):
        last = columns[-1]
        columns.append((last >> 1) ^ (_CRC_POLYNOMIAL if last & 1 else 0))
    return columns[::-1]


def _apply(columns: tuple[int, ...], value: int) -> int:
    result = 0
    for column in columns:
        if value & 1:
            result ^= column
        value >>= 1
    return result


_PLACEHOLDER_REGISTER = _register(_PLACEHOLDER)


class StoredPage(NamedTuple):
    """A page as gzip pieces, cut where its reader's token goes (one piece: no token)."""

    article_id: int
    site: str
    discussion: str
    pieces: tuple[bytes, ...]  # all but the last end with the header of the token's block
    crc: int  # of the page with the placeholder for each token
    columns: tuple[int, ...]  # how a token's difference from the placeholder moves the CRC
    size: int  # the page's length, uncompressed
    stored_at: float  # time.time() when it was rendered

    @classmethod
    def compress(
        cls, *, html: bytes, token: bytes | None, article_id: int, site: str, discussion: str
    ) -> StoredPage:
        parts = html.split(token) if token else [html]
        pieces, crc, columns = [], 0, [0] * 32
        after = len(html)
        for number, part in enumerate(parts):
            compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            piece = compressor.compress(part)
            crc = zlib.crc32(part, crc)
            after -= len(part)
            if number == len(parts) - 1:
                pieces.append(piece + compressor.flush(zlib.Z_FINISH))
                break
            # A sync flush ends the piece on a byte boundary, without ending the stream.
            pieces.append(piece + compressor.flush(zlib.Z_SYNC_FLUSH) + _TOKEN_BLOCK)
            crc = zlib.crc32(_PLACEHOLDER, crc)
            after -= CSRF_TOKEN_LENGTH
            columns = [mine ^ theirs for mine, theirs in zip(columns, _shift(after), strict=True)]
        pieces[0] = _GZIP_HEADER + pieces[0]
        return cls(
            article_id,
            site,
            discussion,
            tuple(pieces),
            crc,
            tuple(columns),
            len(html),
            time.time(),
        )

    def gzip(self, token: bytes) -> bytes:
        """The page with ``token`` in place, as a gzip member."""
        crc = self.crc
        if len(self.pieces) > 1:
            if len(token) != CSRF_TOKEN_LENGTH:  # the blocks are made for that length
                raise ValueError(f"A token of {len(token)} bytes, not {CSRF_TOKEN_LENGTH}.")
            crc ^= _apply(self.columns, _register(token) ^ _PLACEHOLDER_REGISTER)
        return token.join(self.pieces) + struct.pack("<II", crc, self.size & 0xFFFFFFFF)


def _page_key(request: HttpRequest) -> str:
    address = request.get_full_path()
    # Readers who told this browser they've watched releases get their spoilers
    # uncovered: one page per set of releases watched, shared by all who chose it.
    watched = watched_from_cookie(request.COOKIES.get(WATCHED_COOKIE))
    if watched:
        address += "\n" + ",".join(map(str, sorted(watched)))
    path = hashlib.sha1(address.encode()).hexdigest()  # noqa: S324 (a key)
    return _prefixed(f"pagecache:page:v3:{path}")  # v3: a StoredPage with its time


# Which article a slug names, as this process last saw it (a few bytes per article).
_article_ids: dict[str, int] = {}
_ARTICLE_IDS_KEPT = 10_000


def known_article(slug: str) -> int | None:
    """The article this process last saw ``slug`` name, if any (no cache read)."""
    return _article_ids.get(slug)


def remember_article(slug: str, article_id: int) -> None:
    if len(_article_ids) >= _ARTICLE_IDS_KEPT:
        _article_ids.clear()
    _article_ids[slug] = article_id


def _serve(request: HttpRequest, response: HttpResponse, page: StoredPage, state: str):
    token = get_token(request).encode() if len(page.pieces) > 1 else b""
    body = page.gzip(token)
    if accepts_gzip(request.headers.get("Accept-Encoding", "")):
        response["Content-Encoding"] = "gzip"
    else:  # rare: curl without --compressed, some bots
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    response.content = body
    response["Content-Length"] = str(len(body))
    patch_vary_headers(response, ("Accept-Encoding",))
    response["X-Page-Cache"] = state
    return response


# The pages this process served last. A page it holds needs only its two
# versions from the shared cache, not its 40-50 KB again: a hit then costs
# what the trivial view does, give or take the page's bytes.
_kept_pages: OrderedDict[str, StoredPage] = OrderedDict()
_kept_lock = threading.Lock()
_PAGES_KEPT = 64


def _current(page: StoredPage | None, article_id: int, found: dict, keys) -> bool:
    site_key, discussion_key = keys
    return (
        page is not None
        and page.article_id == article_id
        and page.site == found.get(site_key)
        and page.discussion == found.get(discussion_key)
        # As the shared cache would have expired it: "3 minutes ago" goes no staler.
        and time.time() - page.stored_at < settings.ANONYMOUS_PAGE_SECONDS
    )


def lookup(request: HttpRequest, slug: str) -> HttpResponse | None:
    """The cached page for this request, if it is current; one cache round trip."""
    article_id = _article_ids.get(slug)
    if article_id is None:  # the first time this process sees the slug
        article_id = cache.get(_slug_key(slug))
        if article_id is None:
            return None
        remember_article(slug, article_id)
    versions = (_site_key(), _discussion_key(article_id))
    page_key = _page_key(request)
    kept = _kept_pages.get(page_key)
    if kept is not None:
        if _current(kept, article_id, cache.get_many(versions), versions):
            return _serve(request, HttpResponse(), kept, "hit")
        _kept_pages.pop(page_key, None)  # another process may have stored a newer one
    found = cache.get_many([*versions, page_key])
    page = found.get(page_key)
    if not _current(page, article_id, found, versions):
        return None
    _keep(page_key, page)
    return _serve(request, HttpResponse(), page, "hit")


def _keep(page_key: str, page: StoredPage) -> None:
    # The oldest stored goes first; gunicorn's workers are single-threaded, and
    # under a threaded server the lock keeps the order's bookkeeping whole.
    with _kept_lock:
        _kept_pages[page_key] = page
        _kept_pages.move_to_end(page_key)
        while len(_kept_pages) > _PAGES_KEPT:
            _kept_pages.popitem(last=False)


class Versions:
    """The versions a page is about to be rendered under, read before the database is."""

    def __init__(self, article_id: int) -> None:
        self.article_id = article_id
        keys = [_site_key(), _discussion_key(article_id)]
        found = cache.get_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:  # the first page since a cache flush
            # Added, not set: of two readers starting a version at once, both
            # render under the one that was added first.
            found.update(_added({key: uuid.uuid4().hex for key in missing}))
        self.site, self.discussion = found.get(keys[0]), found.get(keys[1])
        if settings.DATABASE_REPLICA_URLS:
            replicas.catch_up(self.site, self.discussion)

    def store(self, request: HttpRequest, slug: str, response: HttpResponse) -> HttpResponse:
        """Keep a freshly rendered page for the next anonymous readers, and serve it gzipped."""
        if response.status_code != 200 or self.site is None or self.discussion is None:
            return response
        tokens = set(_TOKEN_IN_PAGE.findall(response.content))
        # A token the render asked for but we can't find would be handed to every
        # reader; two different ones mean a page we don't know. Neither is kept.
        if len(tokens) > 1 or (not tokens and request.META.get("CSRF_COOKIE_NEEDS_UPDATE")):
            return response
        page = StoredPage.compress(
            html=response.content,
            token=tokens.pop() if tokens else None,
            article_id=self.article_id,
            site=self.site,
            discussion=self.discussion,
        )
        cache.set_many(
            {_slug_key(slug): self.article_id, _page_key(request): page},
            settings.ANONYMOUS_PAGE_SECONDS,
        )
        remember_article(slug, self.article_id)
        _keep(_page_key(request), page)
        return _serve(request, response, page, "miss")
