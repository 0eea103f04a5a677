"""Mentions and notifications: who is told about a comment, and a reader's inbox.

A reply tells its parent's author; ``@username`` tells the reader named; a
moderator's act tells the author it was done to (``notice_author``).
Emails go out as jobs after the commit (``comments.notify``, ``trekboard.jobs``),
to those who opted in.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from comments import notify, pagecache
from comments.models import Comment, Notification
from comments.sanitize import mentioned_names
from trekboard import jobs


def mentioned_users(text: str) -> list:
    """Active users named with ``@username`` in the text (case-insensitive)."""
    return mentionable_users(mentioned_names(text))


def mentionable_users(names: Iterable[str]) -> list:
    """The active readers these lower-cased ``@names`` stand for, in one query."""
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    if not query:
        return []
    users = get_user_model().objects.filter(query, is_active=True, is_guest=False).order_by("pk")
    found = {}
    for user in users:
        # Two accounts differing only in case: the exact spelling wins, else the older.
        key = user.username.lower()
        if key not in found or user.username == key:
            found[key] = user
    return list(found.values())


def mention_urls(users: list) -> dict[str, str]:
    return {user.username.lower(): user.get_absolute_url() for user in users}


def notify_readers(
    comment: Comment, mentioned: list, *, already: frozenset[int] = frozenset()
) -> None:
    """Tell the parent's author about a reply, and anyone mentioned; email those who opted in.

    Precondition: inside atomic(). The parent's author is told in this
    transaction (one row); the readers named are told by a job after the
    commit (``fan_out_mentions``), so a comment naming many costs its writer
    nothing more and a rolled-back one tells nobody. Emails are jobs too.
    """
    parent = comment.parent.author if comment.parent_id else None
    told: set[int] = set()
    if (
        parent is not None
        and parent.pk not in already
        and parent.pk != comment.author_id
        and not parent.is_guest  # imported guest authors have no inbox to read
    ):
        _notify(comment, {parent.pk: Notification.Kind.REPLY})
        told.add(parent.pk)
        if parent.email_notifications:
            jobs.run_after_commit(
                notify.send_notification_emails, comment_id=comment.pk, recipient_ids=[parent.pk]
            )
    named = sorted({user.pk for user in mentioned} - set(already) - told - {comment.author_id})
    if named:
        jobs.run_after_commit(fan_out_mentions, comment_id=comment.pk, user_ids=named)


def fan_out_mentions(*, comment_id: int, user_ids: list[int]) -> int:
    """The job: tell the readers a comment names, and email those who opted in; how many.

    Safe to run again (one mention per reader and comment; emails only where
    none went out yet). A comment no longer shown when it runs tells nobody.
    """
    comment = (
        Comment.objects.filter(pk=comment_id, status=Comment.Status.PUBLISHED)
        .select_related("parent")
        .first()
    )
    if comment is None:
        return 0
    readers = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True, is_guest=False))
    if not readers:
        return 0
    _notify(comment, {reader.pk: Notification.Kind.MENTION for reader in readers})
    emailed = sorted(reader.pk for reader in readers if reader.email_notifications)
    if emailed:
        notify.send_notification_emails(comment_id=comment.pk, recipient_ids=emailed)
    return len(readers)


def _notify(comment: Comment, recipients: dict[int, str]) -> None:
    Notification.objects.bulk_create(
        [
            # Dated like the text they point at (an import's or the demo's past, or now).
            Notification(
                recipient_id=user_id,
                comment=comment,
                kind=kind,
                created_at=comment.edited_at or comment.created_at,
            )
            for user_id, kind in recipients.items()
        ],
        ignore_conflicts=True,
    )
    for user_id in recipients:
        pagecache.inbox_changed(user_id)


def notice_author(
    *,
    recipient,
    kind: str,
    actor=None,
    comment: Comment | None = None,
    reason: str = "",
    detail: str = "",
) -> Notification | None:
    """Tell an author what a moderator did to their comment or account, and why.

    In their inbox, and by email after the commit if they opted in. Nobody is
    told of their own act, and imported guest authors have no inbox. Spam is
    never told (the callers don't): a spammer learns nothing to work around.
    Precondition: inside atomic().
    """
    if recipient.is_guest or (actor is not None and actor.pk == recipient.pk):
        return None
    notice = Notification.objects.create(
        recipient=recipient, comment=comment, kind=kind, reason=reason, detail=detail
    )
    pagecache.inbox_changed(recipient.pk)
    if recipient.email_notifications and recipient.email and recipient.is_active:
        jobs.run_after_commit(notify.send_notice_email, notification_id=notice.pk)
    return notice


def notifications_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark some of a reader's notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        pagecache.inbox_changed(user.pk)
    return marked


def email_notifications_set(*, user, enabled: bool) -> None:
    get_user_model().objects.filter(pk=user.pk).update(email_notifications=enabled)
    user.email_notifications = enabled
