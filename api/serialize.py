"""What the API says about comments, discussions and readers: plain dicts, built by hand.

The discussion endpoint turns up to 200 comments into JSON on every uncached
request, so the tree is built here rather than validated field by field by a
schema (``api.schemas`` documents the same shapes for the OpenAPI schema).
What a reader may read follows the HTML exactly: ``selectors.for_reader``
decides, and a comment whose text isn't shown has ``html`` null, as the page
shows "[deleted]" or a spoiler's cover.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from articles.models import Article
from comments.display import ShownComment
from comments.models import Comment
from comments.render import URLS

API = "/api/v1"


def state_of(node: ShownComment) -> str:
    comment = node.comment
    if node.covered:
        return "spoiler"
    if node.shows_text:
        return "pending" if comment.is_pending else "published"
    if comment.is_deleted:
        return "deleted"
    if comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        return "removed"
    return "unavailable"


def person(author) -> dict | None:
    if author is None:
        return None
    return {
        "username": None if author.is_guest else author.username,
        "name": author.display_name,
        "guest": author.is_guest,
        "staff": author.is_staff,
        "profile": None if author.is_guest else f"{API}/users/{author.username}",
    }


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def comment(node: ShownComment, *, sort: str, pinned_id: int | None = None) -> dict:
    """One comment with the replies shown under it, and links to the ones that aren't."""
    row = node.comment
    pk = row.pk
    state = state_of(node)
    readable = state in ("published", "pending")
    data = {
        "id": pk,
        "parent": row.parent_id,
        "depth": row.level,
        "state": state,
        "author": person(row.author) if readable or state == "spoiler" else None,
        "created": _time(row.created_at),
        "edited": _time(row.edited_at) if readable else None,
        "html": row.body_html if readable else None,
        "likes": row.like_count,
        "liked": node.liked,
        "own": node.is_own,
        "can_edit": node.editable,
        "can_delete": node.deletable,
        "new": node.is_unseen,
        "pinned": pk == pinned_id,
        "editors_pick": row.is_editors_pick,
        "spoils": {"code": node.airings.code, "watched": node.watched}
        if node.airings is not None
        else None,
        "replies_total": row.descendant_count,
        "url": f"{API}/comments/{pk}",
        "page": URLS.detail % pk,
        "replies": [comment(child, sort=sort, pinned_id=pinned_id) for child in node.replies],
        "more_replies": None,
        "continue_thread": None,
    }
    if node.more_replies:
        query = urlencode({"sort": sort, "offset": node.next_offset})
        data["more_replies"] = {
            "count": node.more_replies,
            "next": f"{API}/comments/{pk}/replies?{query}",
        }
    if node.continue_thread:
        data["continue_thread"] = f"{API}/comments/{pk}"
    return data


def discussion_summary(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "kind": "page" if article.is_external else "article",
        "url": article.external_url or article.get_absolute_url(),
        "comments": article.comment_count,
        "open": article.accepts_comments,
        "published": _time(article.published_at),
        "api": f"{API}/discussions/{article.pk}",
    }


def discussion_page(discussion, *, count: int | None) -> dict:
    article = discussion.article
    sort = str(discussion.sort)
    per_page = settings.COMMENT_THREADS_PER_PAGE
    base = f"{API}/discussions/{article.pk}/comments"
    data = discussion_summary(article)
    if count is not None:
        data["comments"] = count
    data.update(
        {
            "sort": sort,
            "sorts": [choice.value for choice in discussion.sorts],
            "page": discussion.page,
            "threads_per_page": per_page,
            "threads": [
                comment(node, sort=sort, pinned_id=article.pinned_comment_id)
                for node in discussion.threads
            ],
            "next": f"{base}?{urlencode({'sort': sort, 'page': discussion.page + 1})}"
            if discussion.has_next
            else None,
        }
    )
    return data


def _row_state(row: Comment) -> str:
    if getattr(row, "covered_by", None) is not None:
        return "spoiler"
    if row.is_visible:
        return "published"
    if row.is_deleted:
        return "deleted"
    if row.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        return "removed"
    return "unavailable"


def ancestor(row: Comment) -> dict:
    """A comment above the one asked for: who and what, no replies (``spoilers.cover_rows``'d)."""
    state = _row_state(row)
    shown = state in ("published", "spoiler")
    return {
        "id": row.pk,
        "parent": row.parent_id,
        "depth": row.level,
        "state": state,
        "author": person(row.author) if shown else None,
        "created": _time(row.created_at),
        "html": row.body_html if state == "published" else None,
        "spoils": {"code": row.covered_by.code} if state == "spoiler" else None,
        "url": f"{API}/comments/{row.pk}",
        "page": URLS.detail % row.pk,
    }


def recent(row: Comment, article: Article) -> dict:
    """One of a reader's recent comments on their profile (published ones only)."""
    return ancestor(row) | {"discussion": discussion_summary(article)}
