"""An article's newest comments as an Atom feed (``/articles/<slug>/feed/``).

What anyone may read, as the discussion shows it to a reader who isn't
signed in: published comments only, on published articles, spoilers masked
(a feed reader has no stylesheet to hide them), authors by display name, each
linking to its permalink. Conditional GET: the ETag is the page cache's
versions of the discussion (``comments.pagecache``), which every write that
changes what the page shows replaces, so a removed comment never lingers in a
reader's copy behind a 304.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import condition, require_safe

from articles.models import Article
from comments import pagecache, selectors, spoilers
from comments.models import Comment
from comments.sanitize import mask_spoilers


def _article(request: HttpRequest, slug: str) -> Article | None:
    """The article as anyone sees it (never a draft or a scheduled one, even for
    staff), read once a request: by the ETag, then by the feed."""
    if not hasattr(request, "feed_article"):
        anyone = Article.objects.visible_to(AnonymousUser())
        request.feed_article = anyone.filter(slug=slug).first()
    return request.feed_article


class ArticleCommentsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Article:
        article = _article(request, slug)
        if article is None:
            raise Http404("No such article.")
        return article

    def title(self, article: Article) -> str:
        return f"Comments on “{article.title}” · Trekboard"

    def link(self, article: Article) -> str:
        return f"{article.get_absolute_url()}#comments"

    def subtitle(self, article: Article) -> str:
        return f"The newest {selectors.FEED_COMMENTS} comments readers posted under the article."

    def items(self, article: Article) -> list[Comment]:
        comments = selectors.feed_comments(article=article)
        for comment in comments:
            comment.article = article  # for item_title, without a query each
        return comments

    def item_title(self, comment: Comment) -> str:
        return f"{comment.author.display_name} on “{comment.article.title}”"

    def item_description(self, comment: Comment) -> str:
        if comment.covered_by is not None:
            return spoilers.as_text(comment.covered_by)
        return mask_spoilers(comment.body_html)

    def item_link(self, comment: Comment) -> str:
        return f"{reverse('comments:detail', kwargs={'pk': comment.pk})}#comment-{comment.pk}"

    def item_author_name(self, comment: Comment) -> str:
        return comment.author.display_name

    def item_pubdate(self, comment: Comment):
        return comment.created_at

    def item_updateddate(self, comment: Comment):
        return comment.edited_at or comment.created_at


def _etag(request: HttpRequest, slug: str) -> str | None:
    article = _article(request, slug)
    if article is None:
        return None
    versions = pagecache.Versions(article.pk)
    return f"{versions.site}.{versions.discussion}.{pagecache.freshness_window()}"


article_comments_feed = require_safe(condition(etag_func=_etag)(ArticleCommentsFeed()))
