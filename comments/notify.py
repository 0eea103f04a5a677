"""Notification emails: built from the stored comment, sent after the commit.

A reader gets one only if they opted in (``User.email_notifications``). Each
carries the comment's text with spoilers masked, a link to it, and a one-click
unsubscribe link (RFC 8058 headers too, so mail apps can offer their own
button). Sending runs as a job after the commit (``trekboard.jobs``): the post
that caused it stands whatever the mail server does. A failure is logged and
raised, so the queue tries again later; each notification records when its
email went out, so a try sends only what the failed one didn't.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comments import spoilers
from comments.models import READER_KINDS, Notification
from comments.sanitize import html_to_text

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "trekboard.comments.unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT, compress=False)


def user_for_unsubscribe_token(token: str):
    """The user a token was made for, or None when it is forged or mangled."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk).first()


def unsubscribe_url(user) -> str:
    return settings.SITE_URL + reverse(
        "comments:unsubscribe", kwargs={"token": unsubscribe_token(user)}
    )


def notification_email(notification: Notification) -> EmailMessage:
    comment = notification.comment
    # A spoiler the reader hasn't watched stays covered in their mailbox too.
    spoilers.cover_rows([comment], user=notification.recipient)
    return _email(
        "notification",
        notification,
        {
            "actor_name": comment.author.display_name,
            "article": comment.article,
            "text": spoilers.as_text(comment.covered_by)
            if comment.covered_by is not None
            else html_to_text(comment.body_html),
            "comment_url": _comment_url(comment),
        },
    )


def notice_email(notice: Notification) -> EmailMessage:
    """The email of a moderator's notice (``comments.services.notifications.notice_author``)."""
    comment = notice.comment
    return _email(
        "notice",
        notice,
        {
            "article": comment.article if comment is not None else None,
            # Their own words, spoilers masked as everywhere outside the page.
            "text": html_to_text(comment.body_html) if comment is not None else "",
            "comment_url": _comment_url(comment)
            if comment is not None and comment.status == comment.Status.PUBLISHED
            else "",
            "inbox_url": settings.SITE_URL + reverse("comments:inbox"),
        },
    )


def _comment_url(comment) -> str:
    return settings.SITE_URL + comment.get_absolute_url() + f"#comment-{comment.pk}"


def _email(template: str, notification: Notification, context: dict) -> EmailMessage:
    """``comments/email/<template>.txt`` and its subject, with the one-click unsubscribe."""
    recipient = notification.recipient
    unsubscribe = unsubscribe_url(recipient)
    context = {
        **context,
        "notification": notification,
        "recipient": recipient,
        "unsubscribe_url": unsubscribe,
    }
    subject = render_to_string(f"comments/email/{template}_subject.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=render_to_string(f"comments/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_notice_email(*, notification_id: int) -> int:
    """Email a moderator's notice if its recipient still wants emails (a job)."""
    notice = (
        Notification.objects.filter(
            pk=notification_id,
            emailed_at=None,
            recipient__email_notifications=True,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient", "comment__article")
        .first()
    )
    if notice is None:
        return 0
    try:
        sent = notice_email(notice).send()
    except Exception:
        logger.exception("Could not send the moderation notice %s", notification_id)
        raise
    Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
    return sent


def send_notification_emails(*, comment_id: int, recipient_ids: list[int]) -> int:
    """Email the opted-in recipients of this comment's new notifications (a job); how many."""
    notifications = list(
        Notification.objects.filter(
            comment_id=comment_id,
            kind__in=READER_KINDS,
            recipient_id__in=recipient_ids,
            emailed_at=None,
            recipient__email_notifications=True,
            recipient__is_active=True,
            comment__status="published",
        )
        .exclude(recipient__email="")
        .select_related("recipient", "comment__author", "comment__article")
    )
    if not notifications:
        return 0
    sent = 0
    try:
        with get_connection(fail_silently=False) as connection:
            for notification in notifications:
                message = notification_email(notification)
                message.connection = connection
                sent += message.send()
                Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    except Exception:
        # The comment is posted either way; the queue tries the rest again later.
        logger.exception("Could not send notification emails for comment %s", comment_id)
        raise
    return sent
