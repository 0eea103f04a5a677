"""Writes of articles: the body is sanitized once, here, when it is saved."""

from __future__ import annotations

from articles.models import Article
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
