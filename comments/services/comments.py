"""A reader's own writes: post a comment or a reply, edit it, withdraw it; and the import.

Each runs in one transaction under the thread's lock (``comments.tree.locks``);
the text is checked (``comments.rules``), screened (``screening``) and
sanitized once, here, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from articles.models import Article
from comments import pagecache
from comments.importing.loader import import_records
from comments.importing.records import Summary
from comments.models import READER_KINDS, Comment, CommentQuerySet, Notification
from comments.rules import (
    check_can_comment,
    check_spoils,
    comment_body_errors,
    ensure_can_edit,
    ensure_own,
)
from comments.sanitize import normalize, sanitize_comment, search_text
from comments.services.notifications import mention_urls, mentioned_users, notify_readers
from comments.services.screening import hold_reason, word_rules_column, word_rules_from
from comments.services.status import (
    article_count_changed,
    published_comment_insert,
    published_count_changed,
    revision_keep,
    set_status,
)
from comments.tree.locks import new_tree_lock, tree_lock
from comments.tree.placement import inside, place

# A reply's mark, unless its writer chose another: what answers a spoiler
# usually spoils the same thing.
PARENTS_MARK = object()


def comment_create(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
    created_at: datetime | None = None,
    screen: bool = True,
    spoils=PARENTS_MARK,
) -> Comment:
    """Post a top-level comment, or a reply when ``parent`` is given.

    ``spoils``: the release it is marked as spoiling, or None for none; a reply
    left at ``PARENTS_MARK`` takes its parent's mark (a top-level comment, none).

    Raises ``ValidationError`` (nothing written) when the body, the article or
    the parent don't allow it, or it contains a blocked word. A held word, too
    many links or a new account's first comments make it ``pending``: stored,
    shown to its author as awaiting moderation, counted and announced only
    once approved. ``created_at`` and ``screen=False`` are for imports and demo
    content that carry their own dates and were moderated where they came from.

    A double submit (``_repeats``) writes nothing and returns the comment
    it repeats, with ``resubmitted`` True (False on a comment just written).
    """
    errors = comment_body_errors(body)
    if errors:
        raise ValidationError(errors)
    check_can_comment(article=article, author=author)
    if parent is not None and parent.article_id != article.pk:
        raise ValidationError("You can only reply to a comment on the same article.")
    if spoils is not PARENTS_MARK and spoils is not None:
        check_spoils(article=article, release=spoils)

    text = normalize(body)
    mentioned = mentioned_users(text)
    body_html = _body_html(text, mentioned)
    # A reply is screened with the word list read along with its parent, below.
    held_because = hold_reason(text, body_html, author) if screen and parent is None else ""
    with transaction.atomic():
        if parent is None:
            new_tree_lock()
        else:
            tree_lock(parent.tree_id)
            # Re-read under the lock: a respread may have moved the parent's
            # edges since it was fetched, and the reply is placed from them.
            # ... and, in the same query, the reply this one would repeat, the
            # parent's last edge (see last_edge) and the word list.
            repeat = _repeats(author=author, text=text).filter(parent=OuterRef("pk"))
            try:
                parent = (
                    Comment.objects.select_for_update(of=("self",))
                    .select_related("author")
                    .annotate(
                        repeat_of=Subquery(repeat.values("pk")[:1]),
                        last_edge=Subquery(
                            inside(OuterRef("tree_id"), OuterRef("lft"), OuterRef("rght"))[:1]
                        ),
                        word_rules=word_rules_column(),
                    )
                    .get(pk=parent.pk)
                )
            except Comment.DoesNotExist:
                raise ValidationError("The comment you replied to no longer exists.") from None
            if parent.status != Comment.Status.PUBLISHED:
                raise ValidationError("That comment can't take replies any more.")
            if screen:
                rules = word_rules_from(parent.word_rules)
                held_because = hold_reason(text, body_html, author, rules=rules)
        if created_at is None:
            if parent is None:
                earlier = _repeats(author=author, text=text).filter(parent=None, article=article)
                earlier = earlier.first()
            else:
                earlier = parent.repeat_of and Comment.objects.get(pk=parent.repeat_of)
            if earlier:
                earlier.article, earlier.resubmitted = article, True
                return earlier
        if spoils is PARENTS_MARK:
            spoils_id = parent.spoils_id if parent is not None else None
        else:
            spoils_id = spoils.pk if spoils is not None else None
        comment = Comment(
            article=article,
            author=author,
            parent=parent,
            spoils_id=spoils_id,
            body=text,
            body_html=body_html,
            search_text=search_text(body_html),
            created_at=created_at or timezone.now(),
            ip_address=ip_address,
            status=Comment.Status.PENDING if held_because else Comment.Status.PUBLISHED,
            moderation_reason=held_because,
        )
        place(comment, parent)
        if comment.is_visible:
            # The row, its ancestors' counters and the article's count, in one statement.
            article.comment_count = published_comment_insert(comment, parent=parent)
        else:
            comment.save()  # mptt leaves edges it finds set alone
        comment.resubmitted = False
        pagecache.discussion_changed(article.pk)
        if comment.is_visible:
            notify_readers(comment, mentioned)
    return comment


# A second click on "Post", a reload that re-sends the form, a retry after a
# slow response: the same text from the same author in the same place within
# this window is the comment already posted, not a new one.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def _body_html(text: str, mentioned: list) -> str:
    return sanitize_comment(text, mentions=mention_urls(mentioned))


def comment_preview(*, body: str) -> str:
    """The HTML this text would be posted (or saved) with: what the Preview button shows.

    The same steps as ``comment_create`` and ``comment_edit``, writing nothing.
    Raises ``ValidationError`` for a body they would refuse (empty, too long).
    """
    errors = comment_body_errors(body)
    if errors:
        raise ValidationError(errors)
    text = normalize(body)
    return _body_html(text, mentioned_users(text))


def _repeats(*, author, text: str) -> CommentQuerySet:
    """The author's comments a new one with ``text`` would repeat (see DOUBLE_SUBMIT_WINDOW).

    Removed and deleted comments don't count: posting the text again is then
    deliberate. Callers narrow it to the new comment's place and read it while
    holding the lock that place takes (``new_tree_lock()`` or the parent's
    ``tree_lock``), so of two identical submits racing, the second sees the first.
    """
    return Comment.objects.filter(
        author=author,
        body=text,
        status__in=[Comment.Status.PUBLISHED, Comment.Status.PENDING],
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    ).order_by("-created_at")


def comment_edit(*, comment: Comment, user, body: str) -> Comment:
    """Replace the text of the user's own comment within the edit window.

    The text it replaces is kept as a CommentRevision for moderators. Readers
    mentioned for the first time are notified; earlier ones are not again.
    Raises PermissionDenied (someone else's comment, or too late) or
    ValidationError (bad text); nothing is written then.
    """
    ensure_can_edit(comment, user)
    errors = comment_body_errors(body)
    if errors:
        raise ValidationError(errors)
    text = normalize(body)
    mentioned = mentioned_users(text)
    body_html = _body_html(text, mentioned)
    # An edit can't bring in what a new comment couldn't: blocked words are
    # refused, and held ones (or too many links) send it back for review.
    held_because = hold_reason(text, body_html, user, new=False)
    with transaction.atomic():
        # The thread's lock before the row's, the order every tree write takes them in.
        tree_lock(comment.tree_id)
        current = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("parent", "article", "author")
            .get(pk=comment.pk)
        )
        ensure_can_edit(current, user)  # again, under the lock: it may have changed
        if text == current.body:
            return current
        now = timezone.now()
        revision_keep(current, replaced_at=now)
        # Written here, so Markdown, whatever system the text it replaces came from.
        Comment.objects.filter(pk=current.pk).update(
            body=text,
            body_html=body_html,
            search_text=search_text(body_html),
            body_format=Comment.BodyFormat.MARKDOWN,
            edited_at=now,
        )
        current.body, current.body_html, current.edited_at = text, body_html, now
        current.body_format = Comment.BodyFormat.MARKDOWN
        pagecache.discussion_changed(current.article_id)
        if held_because and current.is_visible:
            current, _ = set_status(current, Comment.Status.PENDING, reason=held_because)
        if current.is_visible:
            notified = frozenset(
                Notification.objects.filter(comment=current, kind__in=READER_KINDS).values_list(
                    "recipient_id", flat=True
                )
            )
            notify_readers(current, mentioned, already=notified)
    return current


def comment_delete(*, comment: Comment, user) -> Comment:
    """The author withdraws their comment: it reads "[deleted]" and its replies stay.

    The text is kept for moderators (abuse can't be erased by deleting it);
    readers never see it again. Precondition: none; takes the tree lock.
    """
    ensure_own(comment, user, "delete")
    with transaction.atomic():
        tree_lock(comment.tree_id)
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.is_deleted:
            comment.status = current.status
            return comment
        if current.status not in (Comment.Status.PUBLISHED, Comment.Status.PENDING):
            raise PermissionDenied("This comment was removed by a moderator.")
        was_published = current.is_visible
        Comment.objects.filter(pk=current.pk).update(status=Comment.Status.DELETED)
        current.status = Comment.Status.DELETED
        pagecache.discussion_changed(current.article_id)
        if was_published:
            published_count_changed(current, -1)
            article_count_changed(current.article_id, -1)
    comment.status = current.status
    comment.descendant_count = current.descendant_count
    return comment


def discussions_import(
    *,
    records: Iterable[object],
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    threads: bool = False,
) -> Summary:
    """Write a WordPress or Disqus export's records: articles, authors and whole threads.

    The one bulk writer of comments, kept in ``comments.importing.loader``
    (see its docstring): one transaction, trees built in memory, written with
    ``bulk_create`` and checked under the lock before the commit. Returns the
    ``Summary``; with ``dry_run`` nothing is kept. ``threads``: the article
    records are Disqus threads, matched to existing articles by link.
    """
    return import_records(records=records, dry_run=dry_run, progress=progress, threads=threads)
