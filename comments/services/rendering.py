"""Stored HTML rebuilt from the text readers wrote, when the way text becomes HTML changes.

``sanitize_comment`` runs once, when a comment is written, and pages print
what it stored. When that changes (Markdown replaced the old shorthand),
``comment_bodies_rerender`` rebuilds ``body_html`` from ``body``, a batch of
comments at a time, with the earlier versions moderators see:

* safe while the site serves: a comment whose text changed after the batch
  read it (an edit, a retro-spoiler) is left to that write, which rendered it
  with the new code already;
* idempotent: a row already as it should be is not written, so a second run
  writes nothing and the page caches of untouched discussions stay warm.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from comments import pagecache
from comments.models import Comment, CommentRevision
from comments.sanitize import mentioned_names, sanitize_comment, search_text
from comments.services.notifications import mention_urls, mentionable_users


@dataclass(frozen=True)
class RerenderBatch:
    last_id: int | None  # the last comment id looked at; None: nothing was left
    checked: int
    changed: int  # comments whose HTML was (or, dry, would be) rebuilt
    revisions_changed: int


def _rendered(texts: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each distinct (body, format)'s HTML, @mentions resolved with one query for them all."""
    names = {name for body, _ in texts for name in mentioned_names(body)}
    urls = mention_urls(mentionable_users(sorted(names)))
    rendered = {}
    for body, body_format in texts:
        if (body, body_format) not in rendered:
            mentions = {name: urls[name] for name in mentioned_names(body) if name in urls}
            rendered[body, body_format] = sanitize_comment(
                body, mentions=mentions, markdown=body_format == Comment.BodyFormat.MARKDOWN
            )
    return rendered


def comment_bodies_rerender(
    *, after_id: int = 0, limit: int = 500, article_id: int | None = None, dry_run: bool = False
) -> RerenderBatch:
    """Rebuild the HTML of the next ``limit`` comments after ``after_id`` (by id)."""
    comments = Comment.objects.filter(pk__gt=after_id).order_by("pk")
    if article_id is not None:
        comments = comments.filter(article_id=article_id)
    rows = list(
        comments.values_list("pk", "article_id", "body", "body_format", "body_html", "search_text")[
            :limit
        ]
    )
    if not rows:
        return RerenderBatch(last_id=None, checked=0, changed=0, revisions_changed=0)
    ids = [row[0] for row in rows]
    # An earlier version is read as its comment is (an edit makes a comment Markdown).
    revisions = list(
        CommentRevision.objects.filter(comment_id__in=ids).values_list(
            "pk", "body", "comment__body_format", "body_html"
        )
    )
    rendered = _rendered([row[2:4] for row in rows] + [row[1:3] for row in revisions])
    # The search text too: what search leaves out of a comment can change with the HTML.
    changes = [
        row
        for row in rows
        if rendered[row[2:4]] != row[4] or search_text(rendered[row[2:4]]) != row[5]
    ]
    revision_changes = [row for row in revisions if rendered[row[1:3]] != row[3]]
    if dry_run or not (changes or revision_changes):
        return RerenderBatch(ids[-1], len(rows), len(changes), len(revision_changes))
    written = revisions_written = 0
    with transaction.atomic():
        for pk, _article, body, body_format, *_ in changes:
            # Only if the text is still the one rendered: a write in between wins.
            html = rendered[body, body_format]
            written += Comment.objects.filter(pk=pk, body=body, body_format=body_format).update(
                body_html=html, search_text=search_text(html)
            )
        for pk, body, body_format, _ in revision_changes:
            revisions_written += CommentRevision.objects.filter(pk=pk, body=body).update(
                body_html=rendered[body, body_format]
            )
        for article in sorted({row[1] for row in changes}):
            pagecache.discussion_changed(article)
    return RerenderBatch(ids[-1], len(rows), written, revisions_written)
