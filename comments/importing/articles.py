"""Which article an import's comments go on: one imported before, one of this site, or a new one.

* **Articles** are created through ``article_save`` (which sanitizes the
  body; an empty body gets a line linking to the original, as the field is
  required). The slug is the source's when free, else made from the title,
  with a number added until it is free. A published article without a date
  is dated now.
* **Threads** (``threads=True``, Disqus). Disqus keeps a thread for every
  page its embed ever loaded, so a thread is looked up only once comments are
  to be written to it; the others are listed as skipped. It matches, in
  order: an article imported from it before (``source_key``); an earlier
  thread of this file with the same link (http and https copies); an article
  of this site whose URL its link or identifier is; an article whose slug is
  the last segment of that path ("…/2011/03/podcast-229/", "…/229_8880.html")
  or the identifier itself. Otherwise it is created, with that last segment
  as its slug, so a later file's copy of the thread finds it. The source link
  is not stored (there is no field for it): a thread whose link has no usable
  last segment is found again only through its ``source_key``.
* **Pages on other sites** (``ArticleRecord.external_page``, ``import_disqus
  --pages``). A thread with comments goes on the discussion of the page its
  link names (``pages.page_url``: canonical, on an allowed embedding site,
  http and https copies on one). In order: the article imported from it
  before (``source_key``, even one of this site's, from a run without
  ``--pages``) or the one its comments were imported onto (a page's second
  copy, should the allowed scheme have changed since); the page's discussion
  if there is one (the embed made it, or an earlier thread of this file or
  another); else a new one, made by ``external_page_open`` as the embed's
  first view would, titled as the thread, closed if the thread was, and
  keyed on the thread so the next run finds it. Nothing else of a found page
  changes. A thread whose link names no page of an allowed site is skipped
  with the reason, and so are its comments; nothing is made of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from articles.models import Article, Tag
from articles.selectors import embed_sites
from articles.services import article_save, external_page_open
from comments.importing.authors import LOOKUP_CHUNK, Authors
from comments.importing.pages import page_url
from comments.importing.records import ArticleRecord, Skipped, Summary

_PAGE_SUFFIX = re.compile(r"\.(html?|php|aspx?)$", re.I)


@dataclass
class ArticleInfo:
    pk: int
    published_at: datetime | None


@dataclass
class Thread:
    """A discussion thread (Disqus) not yet looked up: it becomes an article only with comments."""

    record: ArticleRecord
    order: int

    @property
    def published_at(self) -> datetime | None:
        return aware(self.record.published_at)


class Articles:
    """An import's articles by source key: found, matched or created once per run."""

    def __init__(self, *, summary: Summary, authors: Authors, threads: bool, now: datetime) -> None:
        self.summary = summary
        self.authors = authors
        self.threads = threads
        self.now = now
        # Source key -> the article, a thread not looked up yet, or None (not imported).
        self.by_key: dict[str, ArticleInfo | Thread | None] = {}
        self.links: dict[str, int] = {}  # article links seen in this run -> article
        self.pages: dict[str, ArticleInfo] = {}  # pages' addresses found or made in this run
        self.order = 0

    def add(self, record: ArticleRecord) -> None:
        """An article of the file: looked up now, or held when it is a thread (see above)."""
        key = record.source_key
        if key in self.by_key:
            self.summary.skipped.append(Skipped("article", key, "listed twice in the file"))
        elif self.threads or record.external_page:
            self.summary.to_pages |= record.external_page
            self.order += 1
            self.by_key[key] = Thread(record, self.order)
        else:
            self.by_key[key] = self._resolve(record)

    def for_comments(self, article_key: str) -> ArticleInfo | Thread | None:
        if article_key not in self.by_key:
            # Not in this file: comments may still belong to an article imported before.
            self.by_key[article_key] = _info(Article.objects.filter(source_key=article_key))
        return self.by_key[article_key]

    def resolve_threads(self, article_keys: set[str], *, imported: dict[str, int]) -> None:
        """Look up (match or create) the held threads that have comments, in file order.

        ``imported``: threads some of whose comments are stored, and on which
        article; a page's thread goes there again (see "Pages on other sites").
        """
        threads = [self.by_key[key] for key in article_keys]
        threads = sorted((t for t in threads if isinstance(t, Thread)), key=lambda t: t.order)
        keys = [thread.record.source_key for thread in threads]
        stored: dict[str, ArticleInfo] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            rows = Article.objects.filter(source_key__in=keys[start : start + LOOKUP_CHUNK])
            stored.update(
                (key, ArticleInfo(pk, published_at))
                for key, pk, published_at in rows.values_list("source_key", "pk", "published_at")
            )
        pages = {
            t.record.source_key: t.record
            for t in threads
            if t.record.external_page and t.record.source_key not in stored
        }
        earlier = {
            pk: ArticleInfo(pk, published_at)
            for pk, published_at in Article.objects.filter(
                pk__in={imported[key] for key in pages if key in imported}
            ).values_list("pk", "published_at")
        }
        addresses = self._page_addresses(
            [record for key, record in pages.items() if imported.get(key) not in earlier]
        )
        for thread in threads:
            record = thread.record
            key = record.source_key
            if not record.external_page:
                info = self._resolve(record, stored=stored.get(key), looked_up=True)
            elif key in stored or imported.get(key) in earlier:
                self.summary.already_imported += 1
                info = stored.get(key) or earlier[imported[key]]
            else:
                info = self._page(record, *addresses[key])
            self.by_key[key] = info

    def _page_addresses(self, records: list[ArticleRecord]) -> dict[str, tuple[str | None, str]]:
        """Each thread's page address (or why it has none); the pages already here, looked up."""
        if not records:
            return {}
        listed = embed_sites()
        addresses = {record.source_key: page_url(record.link, listed) for record in records}
        urls = sorted({url for url, _ in addresses.values() if url and url not in self.pages})
        for start in range(0, len(urls), LOOKUP_CHUNK):
            rows = Article.objects.filter(external_url__in=urls[start : start + LOOKUP_CHUNK])
            self.pages.update(
                (url, ArticleInfo(pk, published_at))
                for url, pk, published_at in rows.values_list("external_url", "pk", "published_at")
            )
        return addresses

    def _page(self, record: ArticleRecord, url: str | None, reason: str) -> ArticleInfo | None:
        """The discussion of the thread's page: found by its address, or opened now (see above)."""
        if url is None:
            self.summary.skipped.append(Skipped("thread", record.source_key, reason))
            return None
        if url in self.pages:
            self.summary.pages_matched += 1
            return self.pages[url]
        # With no title, Disqus's fallback is the raw link: the page's address reads better.
        title = "" if record.title.strip() == record.link.strip() else record.title
        article, created = external_page_open(url=url, title=title)
        if created:
            Article.objects.filter(pk=article.pk).update(
                source_key=record.source_key, comments_open=record.comments_open
            )
            self.summary.pages_created += 1
        else:  # a reader's first view made it since the lookup
            self.summary.pages_matched += 1
        info = self.pages[url] = ArticleInfo(article.pk, article.published_at)
        return info

    def threads_left(self) -> None:
        """Threads no comment was written to: found again if stored, else no article is made."""
        left = [key for key, thread in self.by_key.items() if isinstance(thread, Thread)]
        stored = set()
        for start in range(0, len(left), LOOKUP_CHUNK):
            chunk = left[start : start + LOOKUP_CHUNK]
            stored.update(
                Article.objects.filter(source_key__in=chunk).values_list("source_key", flat=True)
            )
        self.summary.already_imported += len(stored)
        made = "page discussion" if self.summary.to_pages else "article"
        reason = f"thread with no comments to import (no {made} made)"
        self.summary.skipped.extend(
            Skipped("article", key, reason) for key in left if key not in stored
        )

    def _resolve(
        self,
        record: ArticleRecord,
        *,
        stored: ArticleInfo | None = None,
        looked_up: bool = False,
    ) -> ArticleInfo | None:
        """The article a record stands for: stored by an earlier run, matched, or created now."""
        if not looked_up:
            stored = _info(Article.objects.filter(source_key=record.source_key))
        if stored is not None:
            self.summary.already_imported += 1
            info = stored
        elif self.threads and (found := self._match(record)) is not None:
            self.summary.articles_matched += 1
            info = found
        else:
            info = self._create(record)
        link = _link_key(record.link)
        if info is not None and link:
            self.links.setdefault(link, info.pk)
        return info

    def _match(self, record: ArticleRecord) -> ArticleInfo | None:
        """The existing article a Disqus thread is about, by its link or identifier."""
        link = _link_key(record.link)
        if link in self.links:
            return _info(Article.objects.filter(pk=self.links[link]))
        candidates = [record.link.strip(), *record.identifier.split()]
        paths = [urlsplit(c).path for c in candidates if c and ("/" in c or ":" in c)]
        for path in paths:  # a URL of this site
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.view_name == "articles:detail":
                info = _info(Article.objects.filter(slug=match.kwargs["slug"]))
                if info is not None:
                    return info
        slugs = [_last_segment(path) for path in paths]
        slugs += [c for c in record.identifier.split() if "/" not in c and ":" not in c]
        for segment in slugs:  # an old site's permalink ending in our slug
            slug = slugify(segment)
            if slug:
                info = _info(Article.objects.filter(slug=slug))
                if info is not None:
                    return info
        return None

    def _create(self, record: ArticleRecord) -> ArticleInfo | None:
        title = " ".join(record.title.split())[:200]
        fallback = _link_key(record.link) or record.identifier.strip() or "Untitled discussion"
        title = title or fallback[:200]
        published = record.status == Article.Status.PUBLISHED
        body = record.body
        if not body.strip():
            # The field is required; a Disqus thread or an empty post has no text of its own.
            body = _placeholder_body(record.link)
        author_id = None
        if record.author_login.strip():
            author_id = self.authors.registered(record.author_login)
        # A thread's page had its slug in its link, which also lets the next file's copy match.
        source_slug = record.slug or (
            _last_segment(urlsplit(record.link).path) if self.threads else ""
        )
        article = Article(
            title=title,
            slug=_free_slug(source_slug, title),
            body=body,
            author_id=author_id,
            status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
            published_at=aware(record.published_at) or (self.now if published else None),
            comments_open=record.comments_open,
            source_key=record.source_key,
        )
        try:
            article_save(article=article)
        except ValidationError as error:
            reason = "; ".join(error.messages)
            self.summary.skipped.append(Skipped("article", record.source_key, reason))
            return None
        if record.tags:
            article.tags.set(_tags(record.tags))
        self.summary.articles += 1
        return ArticleInfo(article.pk, article.published_at)


def aware(moment: datetime | None) -> datetime | None:
    """Exports give UTC times; a naive one is read as UTC."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=UTC)
    return moment


def _info(articles) -> ArticleInfo | None:
    found = articles.values_list("pk", "published_at").first()
    return ArticleInfo(*found) if found else None


def _free_slug(source_slug: str, title: str) -> str:
    wanted = slugify(unquote(source_slug))[:200]
    if wanted and not Article.objects.filter(slug=wanted).exists():
        return wanted
    base = (slugify(title)[:190].strip("-") or wanted[:190].strip("-")) or "article"
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = " ".join(raw.split())[:60]
        if not name:
            continue
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            base = slugify(name)[:50] or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:8]
            slug, n = base, 1
            while Tag.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            tag = Tag.objects.create(name=name, slug=slug)
        tags.append(tag)
    return tags


def _link_key(link: str) -> str:
    """A link without scheme, query or trailing slash, so http/https copies of a thread meet."""
    parts = urlsplit(link.strip())
    if not parts.netloc and not parts.path:
        return ""
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}" or parts.netloc.lower()


def _last_segment(path: str) -> str:
    """``/2011/03/229_8880.html`` -> ``229_8880``; ``/p/podcast-229/`` -> ``podcast-229``.

    ``…/redacted/index.html`` -> ``redacted``: an index page is named by its folder.
    """
    segments = [s for s in unquote(path).split("/") if s]
    while segments:
        name = _PAGE_SUFFIX.sub("", segments.pop())
        if name.lower() not in ("index", "default"):
            return name
    return ""


def _placeholder_body(link: str) -> str:
    scheme = urlsplit(link.strip()).scheme.lower()
    if scheme in ("http", "https"):
        return f'<p>Originally published at <a href="{escape(link)}">{escape(link)}</a>.</p>'
    return "<p>Imported discussion.</p>"
