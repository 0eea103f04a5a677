"""Writes of articles: the body is sanitized once, here, when it is saved."""

from __future__ import annotations

from django.db import transaction

from articles.models import Article, Release, Watched
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
