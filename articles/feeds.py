"""The newest published articles as an Atom feed (``/feeds/articles/``)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import condition, require_safe

from articles import selectors
from articles.models import Article
from comments import pagecache

FEED_ARTICLES = 20


class ArticlesFeed(Feed):
    feed_type = Atom1Feed
    title = "Trekboard: the newest articles"
    subtitle = "News, trailers and reviews, and the discussions under them."

    def link(self) -> str:
        return reverse("articles:list")

    def items(self) -> list[Article]:
        return list(selectors.article_list(user=AnonymousUser())[:FEED_ARTICLES])

    def item_title(self, article: Article) -> str:
        return article.title

    def item_description(self, article: Article) -> str:
        return article.standfirst or article.title

    def item_pubdate(self, article: Article):
        return article.published_at

    def item_updateddate(self, article: Article):
        return max(article.updated_at, article.published_at)

    def item_author_name(self, article: Article) -> str | None:
        return article.author.display_name if article.author else None

    def item_categories(self, article: Article) -> list[str]:
        return [tag.name for tag in article.tags.all()]


def _etag(request: HttpRequest) -> str:
    # Editors' changes replace the site version; an article published on a
    # schedule shows by its publication time, and the rest within the page
    # cache's lifetime, as on pages.
    newest = (
        Article.objects.visible_to(AnonymousUser())
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    window = pagecache.freshness_window()
    return f"{pagecache.site_version()}.{newest and newest.timestamp()}.{window}"


articles_feed = require_safe(condition(etag_func=_etag)(ArticlesFeed()))
