"""Suspending and banning readers, and lifting it: the writes of the user pages in admin.

A suspended or banned reader can still read and sign in; every write that
publishes words or changes what others see (post, reply, edit, like, flag)
asks ``User.posting_block_reason()`` and refuses with its text. Each act is
checked against the actor's permission here (admin is not the only caller)
and leaves an ``AuditEntry``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from comments.models import AuditEntry, Notification
from comments.rules import require_permission
from comments.services.notifications import notice_author
from comments.services.status import audit, tidy_reason


def user_suspend(*, user, actor, until: datetime | None, reason: str) -> None:
    """Stop a reader posting, replying, liking and flagging until ``until``, or for good (a ban).

    They are told why, and until when, the next time they try.
    """
    require_permission(actor, "accounts.moderate_user")
    reason = tidy_reason(reason)
    if not reason:
        raise ValidationError("Give a reason: the reader is shown it.")
    if until is not None and until <= timezone.now():
        raise ValidationError("A suspension must end in the future.")
    if user.pk == actor.pk or user.is_superuser:
        raise ValidationError("You can't suspend yourself or a superuser.")
    if user.is_staff and not actor.is_superuser:
        raise ValidationError("Only a superuser can suspend or ban a member of staff.")
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(
            banned=until is None, suspended_until=until, moderation_reason=reason
        )
        audit(
            actor=actor,
            action=AuditEntry.Action.BAN if until is None else AuditEntry.Action.SUSPEND,
            target_user=user,
            reason=reason,
            detail=user.username
            + (f" until {until:%Y-%m-%d %H:%M %Z}" if until is not None else ", no end date"),
        )
        notice_author(
            recipient=user,
            kind=Notification.Kind.BANNED if until is None else Notification.Kind.SUSPENDED,
            actor=actor,
            reason=reason,
            detail=""
            if until is None
            else "until " + date_format(timezone.localtime(until), "j M Y, H:i T"),
        )
    user.banned, user.suspended_until, user.moderation_reason = until is None, until, reason


def user_reinstate(*, user, actor, reason: str = "") -> None:
    """Lift a suspension or ban; the reader is told."""
    require_permission(actor, "accounts.moderate_user")
    reason = tidy_reason(reason)
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(
            banned=False, suspended_until=None, moderation_reason=""
        )
        audit(
            actor=actor,
            action=AuditEntry.Action.REINSTATE,
            target_user=user,
            reason=reason,
            detail=user.username,
        )
        notice_author(recipient=user, kind=Notification.Kind.REINSTATED, actor=actor, reason=reason)
    user.banned, user.suspended_until, user.moderation_reason = False, None, ""
