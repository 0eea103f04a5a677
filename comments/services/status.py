"""A comment's status and what follows from it: the counters, the pin, the audit trail.

Shared by the writers of ``comments.services``: every change of status goes
through ``set_status``, which keeps the reply and descendant counts above the
comment, the article's comment count and its pin right, and announces a
comment that becomes published. Preconditions are in each docstring; all of
them run inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models.sql import InsertQuery

from articles.models import Article
from comments import pagecache
from comments.models import READER_KINDS, AuditEntry, Comment, CommentRevision, Notification
from comments.ranking import best_score
from comments.services.notifications import mentioned_users, notify_readers
from comments.tree.locks import tree_lock
from comments.tree.placement import up_from


def published_count_changed(comment: Comment, delta: int, *, parent: Comment | None = None) -> None:
    """Keep the parent's reply count and score and the ancestors' descendant counts.

    Precondition: inside atomic(), holding the comment's tree lock. ``parent``
    is the parent as read under that lock, when the caller has it.
    """
    if comment.parent_id is None:
        return
    if parent is None:
        parent = Comment.objects.select_for_update().get(pk=comment.parent_id)
    sql, params = _ancestors_counted(parent, delta)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _ancestors_counted(parent: Comment, delta: int) -> tuple[str, tuple]:
    """The UPDATE of ``parent`` and every ancestor for ``delta`` published comments below.

    One statement: the ancestors' descendant counts, and the parent's reply
    count and score with them. Run alone (``published_count_changed``) or
    inside the insert of a new reply (``published_comment_insert``).
    """
    comments = connection.ops.quote_name(Comment._meta.db_table)
    replies = max(parent.reply_count + delta, 0)
    score = best_score(likes=parent.like_count, replies=replies, created_at=parent.created_at)
    ancestors = up_from(parent.pk)
    sql = f"""
        UPDATE {comments} SET
            descendant_count = descendant_count + %s,
            reply_count = CASE WHEN id = %s THEN %s ELSE reply_count END,
            best_score = CASE WHEN id = %s THEN %s ELSE best_score END
        WHERE id IN ({ancestors.sql})
    """  # noqa: S608 - our own table, and parameters
    return sql, (delta, parent.pk, replies, parent.pk, score, *ancestors.params)


def published_comment_insert(comment: Comment, *, parent: Comment | None) -> int:
    """Insert a published comment and count it, in one statement; the article's new count.

    What ``comment.save()``, ``published_count_changed(comment, +1, parent=parent)``
    and ``article_count_changed(comment.article_id, +1)`` write one after the
    other, in one round trip: the row, its ancestors' counters (the parent's
    reply count and score with them) and the article's count. Precondition:
    inside atomic(), holding the lock ``place`` needs, with ``comment`` placed
    and, for a reply, ``parent`` read and row-locked under it.
    """
    articles = connection.ops.quote_name(Article._meta.db_table)
    insert, params = _insert_returning_pk(comment)
    sql = f"WITH new AS ({insert})"
    after_ancestors = ""
    if parent is not None:
        counted, counted_params = _ancestors_counted(parent, +1)
        sql += f", counted AS ({counted} RETURNING id)"
        params = (*params, *counted_params)
        # Comment rows before the article's row, the order every writer takes
        # them in: the article's row is reached only once this is known.
        after_ancestors = "AND (SELECT count(*) FROM counted) >= 0"
    sql += f"""
        UPDATE {articles} SET comment_count = comment_count + 1 FROM new
        WHERE {articles}.id = %s {after_ancestors}
        RETURNING new.id, {articles}.comment_count
    """  # noqa: S608 - our own table, and parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, comment.article_id))
        comment.pk, count = cursor.fetchone()
    comment._state.adding, comment._state.db = False, connection.alias
    return count


def _insert_returning_pk(obj) -> tuple[str, tuple]:
    """The INSERT ... RETURNING id that ``obj.save()`` would run, to go in a larger statement."""
    meta = obj._meta
    query = InsertQuery(type(obj))
    query.insert_values(
        [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated],
        [obj],
    )
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, tuple(params)


def article_count_changed(article_id: int, delta: int) -> int:
    """Add ``delta`` to the article's count of published comments; returns the new count.

    Precondition: inside atomic(), after the transaction's tree and comment
    locks. Every writer takes the article's row lock last, so no two writers
    can each hold what the other waits for.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET comment_count = comment_count + %s "
            "WHERE id = %s RETURNING comment_count",
            [delta, article_id],
        )
        return cursor.fetchone()[0]


def tidy_reason(reason: str) -> str:
    """A moderator's reason as it is kept and told: one line, at most an audit entry's 300."""
    return " ".join(reason.split())[:300]


def audit(*, actor, action: str, comment: Comment | None = None, **fields) -> AuditEntry:
    if comment is not None:
        fields.setdefault("article_id", comment.article_id)
        fields.setdefault("target_user_id", comment.author_id)
        fields.setdefault("detail", f"Comment {comment.pk}: {comment.body[:200]}")
    return AuditEntry.objects.create(actor=actor, action=action, comment=comment, **fields)


def set_status(
    comment: Comment, status: str, *, reason: str = "", counts: dict[int, int] | None = None
) -> tuple[Comment, str]:
    """Change the status under the tree lock, keeping the counters; returns (row, old status).

    Precondition: inside atomic(). A comment that becomes published (approved,
    or restored from the bin) is announced (replies, mentions) as if it had just
    been posted, to whoever hasn't been told about it before. With ``counts``,
    the change to its article's comment count is added there for the caller to
    write once it holds every tree lock it needs (see ``article_count_changed``).
    """
    tree_lock(comment.tree_id)
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    before = current.status
    Comment.objects.filter(pk=current.pk).update(status=status, moderation_reason=reason)
    current.status, current.moderation_reason = status, reason
    pagecache.discussion_changed(current.article_id)
    if (before == Comment.Status.PUBLISHED) != current.is_visible:
        delta = +1 if current.is_visible else -1
        published_count_changed(current, delta)
        if counts is None:
            article_count_changed(current.article_id, delta)
        else:
            counts[current.article_id] = counts.get(current.article_id, 0) + delta
    if not current.is_visible:
        # A thread must not lead with "[removed by a moderator]".
        Article.objects.filter(pinned_comment=current).update(pinned_comment=None)
    if before != Comment.Status.PUBLISHED and current.is_visible:
        current.parent = Comment.objects.get(pk=current.parent_id) if current.parent_id else None
        told = frozenset(
            Notification.objects.filter(comment=current, kind__in=READER_KINDS).values_list(
                "recipient_id", flat=True
            )
        )
        notify_readers(current, mentioned_users(current.body), already=told)
    comment.status, comment.moderation_reason = status, reason
    return current, before


def revision_keep(comment: Comment, *, replaced_at: datetime) -> CommentRevision:
    """Keep the text a comment is about to lose (an edit, a moderator's spoiler) for moderators.

    Precondition: inside atomic(), holding the comment's row lock, before its text changes.
    """
    return CommentRevision.objects.create(
        comment=comment,
        body=comment.body,
        body_html=comment.body_html,
        written_at=comment.edited_at or comment.created_at,
        replaced_at=replaced_at,
    )
