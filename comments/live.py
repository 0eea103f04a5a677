"""Live "new comments" for a reader with an article open (issue 16): what the poll reads.

While a discussion's version (``pagecache``) is the one the reader's page
was drawn under, the poll answers from the cache alone. Only when it moved on
are the comments counted here: published ones on the article written since
the page was drawn, by anyone but the reader (their own are on their page
already). "Show them" reads the same comments, oldest first, as the threads
draw them, with their parents' authors for "reply to" lines.
"""

from __future__ import annotations

from datetime import datetime

from comments import selectors
from comments.display import ShownComment
from comments.models import Comment

SHOWN_AT_ONCE = 50


def _new(*, article_id: int, since: datetime, user):
    comments = Comment.objects.filter(
        article_id=article_id, status=Comment.Status.PUBLISHED, created_at__gt=since
    )
    if user.is_authenticated:
        comments = comments.exclude(author_id=user.pk)
    return comments


def new_count(*, article_id: int, since: datetime, user) -> int:
    return _new(article_id=article_id, since=since, user=user).count()


def new_comments(*, article_id: int, since: datetime, user) -> list[ShownComment]:
    """The first ``SHOWN_AT_ONCE`` comments written since, oldest first, ready to draw."""
    rows = (
        _new(article_id=article_id, since=since, user=user)
        .select_related("author", "parent__author")
        .defer("search_text", "search_vector", "body", "ip_address")
        .order_by("created_at", "pk")[:SHOWN_AT_ONCE]
    )
    return selectors.for_reader([ShownComment(comment) for comment in rows], user=user)
