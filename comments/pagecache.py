"""Anonymous readers' article pages, served from the shared cache and invalidated exactly.

Anonymous readers all see the same page (their "like" is a link to log in, and
the one CSRF token on the page is swapped in per request), so a rendered page
is stored under a key made of its path and two versions:

* the article's *discussion version*, replaced by every write that changes what
  its discussion shows (a comment, an edit, a like, a moderator's act), and
* the *site version*, replaced when articles themselves change (their text,
  related and next/previous links).

Writers replace a version after their transaction commits, with a value never
used before, and readers read the versions before they read the database. So a
page stored under the current versions can't miss a committed write: the
write's new version would be current instead. The cache is Django's default
one, shared by every process (Redis when ``REDIS_URL`` is set, else the
database cache table). Pages also expire after ``ANONYMOUS_PAGE_SECONDS``, so
"3 minutes ago" never goes much staler than that.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token


def _prefixed(key: str) -> str:
    return f"{settings.PAGE_CACHE_PREFIX}{key}"


TOKEN_PLACEHOLDER = "__trekboard_csrf_token__"  # noqa: S105 (a marker, not a secret)
_TOKEN_IN_PAGE = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]+)"')


def _site_key() -> str:
    return _prefixed("pagecache:site")


def _slug_key(slug: str) -> str:
    return _prefixed(f"pagecache:slug:{hashlib.sha1(slug.encode()).hexdigest()}")  # noqa: S324


def _discussion_key(article_id: int) -> str:
    return _prefixed(f"pagecache:discussion:{article_id}")


def _set_new_version(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, None)


def _changed(key: str) -> None:
    # After the commit: a version replaced before it could be read by a reader
    # who then renders the old rows. (Not also now: with the database cache that
    # would lock the version's row for the rest of the transaction, and writers
    # holding comment rows would deadlock on it. Tests, whose transactions never
    # commit, set PAGE_CACHE_BUMP_NOW.)
    if settings.PAGE_CACHE_BUMP_NOW or not transaction.get_connection().in_atomic_block:
        _set_new_version(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_set_new_version, key), robust=True)


def discussion_changed(article_id: int) -> None:
    """Pages of this article are stale once the current transaction commits."""
    _changed(_discussion_key(article_id))


def site_changed() -> None:
    """Every cached article page is stale once the current transaction commits."""
    _changed(_site_key())


def eligible(request: HttpRequest) -> bool:
    """Requests that get the page every anonymous reader gets (nothing of their own on it)."""
    return (
        settings.ANONYMOUS_PAGE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not getattr(request, "htmx", False)
        # A session holds a logged-out draft; messages are one reader's news.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _page_key(request: HttpRequest, site: str) -> str:
    path = hashlib.sha1(request.get_full_path().encode()).hexdigest()  # noqa: S324 (a key)
    return _prefixed(f"pagecache:page:{site}:{path}")


def _response(request: HttpRequest, html: str, state: str) -> HttpResponse:
    response = HttpResponse(html.replace(TOKEN_PLACEHOLDER, get_token(request)))
    response["X-Page-Cache"] = state
    return response


def lookup(request: HttpRequest, slug: str) -> HttpResponse | None:
    """The cached page for this request, if it is current; two cache round trips."""
    slug_key, site_key = _slug_key(slug), _site_key()
    found = cache.get_many([slug_key, site_key])
    article_id, site = found.get(slug_key), found.get(site_key)
    if article_id is None or site is None:
        return None
    discussion_key = _discussion_key(article_id)
    page_key = _page_key(request, site)
    found = cache.get_many([discussion_key, page_key])
    stored = found.get(page_key)
    if stored is None or stored[0] != found.get(discussion_key):
        return None
    return _response(request, stored[1], "hit")


class Versions:
    """The versions a page is about to be rendered under, read before the database is."""

    def __init__(self, article_id: int) -> None:
        self.article_id = article_id
        keys = [_site_key(), _discussion_key(article_id)]
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:  # the first page since a cache flush
                cache.add(key, uuid.uuid4().hex, None)
                found[key] = cache.get(key)
        self.site, self.discussion = found.get(keys[0]), found.get(keys[1])

    def store(self, request: HttpRequest, slug: str, response: HttpResponse) -> HttpResponse:
        """Keep a freshly rendered page for the next anonymous readers (with its token blanked)."""
        if response.status_code != 200 or self.site is None or self.discussion is None:
            return response
        html = response.content.decode(response.charset)
        token = _TOKEN_IN_PAGE.search(html)
        if token is None:
            return response
        html = html.replace(token.group(1), TOKEN_PLACEHOLDER)
        cache.set_many(
            {
                _slug_key(slug): self.article_id,
                _page_key(request, self.site): (self.discussion, html),
            },
            settings.ANONYMOUS_PAGE_SECONDS,
        )
        response["X-Page-Cache"] = "miss"
        return response
