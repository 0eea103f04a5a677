"""Writes of articles: the body is sanitized once, here, when it is saved."""

from __future__ import annotations

from articles.models import Article
from comments import pagecache
from comments.sanitize import sanitize_article


def article_save(*, article: Article) -> Article:
    """Render the editor's HTML to its safe form and save the article."""
    article.body_html = sanitize_article(article.body)
    article.full_clean()
    article.save()
    # Its page, and the related/next/previous links of others, change.
    pagecache.site_changed()
    return article
