"""Writes of articles: the body is sanitized once, here, when it is saved."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import EMBED_SITES_KEY, Article, Release, Watched
from articles.renditions import make_article_renditions
from comments import pagecache
from comments.sanitize import sanitize_article


def article_save(*, article: Article) -> Article:
    """Render the editor's HTML to its safe form and save the article.

    Its images get their smaller renditions (``articles.renditions``); a new
    article has no gallery yet, so only an existing one's gallery is looked at.
    """
    article.body_html = sanitize_article(article.body)
    article.full_clean()
    adding = article._state.adding
    article.save()
    make_article_renditions(article=article, gallery=not adding)
    # Its page, and the related/next/previous links of others, change.
    pagecache.site_changed()
    return article


def release_changed() -> None:
    """A release's airings decide which comments are covered on every page: draw them again."""
    pagecache.site_changed()


def watched_set(*, user, release: Release, watched: bool) -> None:
    """Record that a signed-in reader has (or hasn't) seen ``release``."""
    if watched:
        Watched.objects.get_or_create(user=user, release=release)
    else:
        Watched.objects.filter(user=user, release=release).delete()


def watched_replace(*, user, releases) -> None:
    """The settings page's list: exactly these releases watched."""
    chosen = {release.pk for release in releases}
    with transaction.atomic():
        mine = set(Watched.objects.filter(user=user).values_list("release_id", flat=True))
        Watched.objects.filter(user=user, release_id__in=mine - chosen).delete()
        Watched.objects.bulk_create(
            [Watched(user=user, release_id=pk) for pk in sorted(chosen - mine)],
            ignore_conflicts=True,
        )


_TITLE_LENGTH = 200


def _page_title(title: str, url: str) -> str:
    # The host page says what it is called; control characters and runs of
    # space are nobody's title, and an empty one is the address.
    words = " ".join("".join(c if c.isprintable() else " " for c in str(title or "")).split())
    return (words or url)[:_TITLE_LENGTH]


def external_page_open(*, url: str, title: str = "") -> tuple[Article, bool]:
    """The discussion of another site's page (``url`` canonical, its site allowed), made on
    its first view; and whether it was made now.

    Two first views at once make one discussion: the unique address decides,
    and the loser reads the winner's.
    """
    found = Article.objects.filter(external_url=url).first()
    if found is not None:
        return found, False
    slug = "page-" + hashlib.sha256(url.encode()).hexdigest()[:20]
    now = timezone.now()
    try:
        with transaction.atomic():
            article = Article.objects.create(
                title=_page_title(title, url),
                slug=slug,
                body="",
                external_url=url,
                status=Article.Status.PUBLISHED,
                published_at=now,
            )
    except IntegrityError:
        return Article.objects.get(external_url=url), False
    return article, True


def embed_sites_changed() -> None:
    """The admin's list of embedding sites changed: every process reads it again."""
    cache.delete(EMBED_SITES_KEY)
