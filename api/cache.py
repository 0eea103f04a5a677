"""The discussion endpoint's answers for anonymous readers, from the shared cache.

The same exact invalidation as the article pages (``comments.pagecache``):
the versions are read before the database, every write replaces its
discussion's version after it commits, and an answer is stored under the
versions it was read under, so a stored answer can't miss a committed write.
A hit costs one cache round trip for the versions and one for the body, and
no query; a reader whose ``If-None-Match`` names the current answer gets a 304
after the first.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from articles.embedding import canonical_url
from articles.models import Article
from articles.releases import WATCHED_COOKIE
from comments import pagecache
from comments.ranking import DEFAULT_SORT

CONTENT_TYPE = "application/json"
_COUNTS_SECONDS = 60


def _etag(text: str) -> str:
    return 'W/"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    asked = request.META.get("HTTP_IF_NONE_MATCH", "")
    return any(part.strip() in (etag, etag[2:], "*") for part in asked.split(","))


class Stored:
    """An anonymous reader's answer, kept under the versions read before the database.

    ``kind`` names what is kept (the API's page, the embed's frame) and
    ``variant`` what else the answer depends on (a sort and a page, an
    address); the episodes the reader's cookie says they've watched are added.
    """

    def __init__(self, request: HttpRequest, versions: pagecache.Versions, *, kind, variant):
        watched = request.COOKIES.get(WATCHED_COOKIE, "")
        digest = hashlib.sha256(f"{variant}\n{watched}".encode()).hexdigest()[:32]
        self.versions = versions
        self.key = (
            f"{settings.PAGE_CACHE_PREFIX}{kind}:{versions.article_id}:{digest}:"
            f"{versions.site}:{versions.discussion}"
        )
        self.etag = _etag(self.key)

    @classmethod
    def for_request(cls, request: HttpRequest, pk: int, *, sort, page: int) -> Stored | None:
        """The API's page; None for readers who get one of their own (signed in) or no cache."""
        if (
            settings.ANONYMOUS_PAGE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
        ):
            return None
        variant = f"{sort or DEFAULT_SORT}:{page}"
        return cls(request, pagecache.Versions(pk), kind="api", variant=variant)

    @property
    def _usable(self) -> bool:
        return self.versions.site is not None and self.versions.discussion is not None

    def get(self) -> bytes | None:
        return cache.get(self.key) if self._usable else None

    def keep(self, body: bytes) -> None:
        if self._usable:
            cache.set(self.key, body, settings.ANONYMOUS_PAGE_SECONDS)

    def answer(self, request: HttpRequest) -> HttpResponse | None:
        """The API's answer: a 304 from the versions alone, else the kept body, else None."""
        if not self._usable:
            return None
        if _matches(request, self.etag):
            return _not_modified(self.etag)
        body = self.get()
        return None if body is None else _response(body, self.etag, state="hit")


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    _vary(response)
    return response


def _vary(response: HttpResponse) -> None:
    patch_vary_headers(response, ("Cookie", "Authorization"))
    response["Cache-Control"] = "private, no-cache"


def _response(body: bytes, etag: str, *, state: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["X-Trekboard-Cache"] = state
    _vary(response)
    return response


def encode(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def respond(request: HttpRequest, data: dict, *, stored: Stored | None) -> HttpResponse:
    """The answer, with an ETag; kept for the next anonymous readers when it is theirs."""
    body = encode(data)
    if stored is not None:
        stored.keep(body)
        etag = stored.etag
    else:
        etag = _etag(hashlib.sha256(body).hexdigest())
    if _matches(request, etag):
        return _not_modified(etag)
    return _response(body, etag, state="miss" if stored is not None else "private")


def _own_article_slug(url: str) -> str | None:
    """The slug of one of Trekboard's own article pages named by an absolute address."""
    site = canonical_url(settings.SITE_URL + "/")
    if site is None or not url.startswith(site + "articles/"):
        return None
    slug = url[len(site + "articles/") :].split("/", 1)[0]
    return slug or None


def counts(request: HttpRequest, asked: list[str]) -> dict[str, int]:
    """Published comments per page address; 0 for pages without a discussion (cached a minute)."""
    canonical = {url: canonical_url(url) for url in asked}
    key = (
        settings.PAGE_CACHE_PREFIX
        + "api:counts:"
        + hashlib.sha256("\n".join(f"{u}\t{c}" for u, c in canonical.items()).encode()).hexdigest()
    )
    found = cache.get(key)
    if found is not None:
        return found
    wanted = {c for c in canonical.values() if c}
    slugs = {c: s for c in wanted if (s := _own_article_slug(c))}
    published = Article.objects.published()
    by_url = dict(
        published.filter(external_url__in=wanted).values_list("external_url", "comment_count")
    )
    if slugs:
        by_slug = dict(
            published.own().filter(slug__in=slugs.values()).values_list("slug", "comment_count")
        )
        by_url.update({c: by_slug[s] for c, s in slugs.items() if s in by_slug})
    result = {url: by_url.get(c, 0) if c else 0 for url, c in canonical.items()}
    cache.set(key, result, _COUNTS_SECONDS)
    return result
