"""Taking a queue decision back: a moderator's approve, remove, spam, restore or dismissal.

A busy queue is worked by keyboard, and a wrong key costs a reader their
comment. For ``UNDO_WINDOW`` after a decision, the moderator who made it can
take it back, as long as nothing has happened to the comment since: it goes
back to how it was, the notice its author got is withdrawn if still unread
(an email already sent stays sent), and the undo is audited with what it undid.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from comments import pagecache
from comments.models import AuditEntry, Comment, CommentFlag, Notification
from comments.rules import require_permission
from comments.services.moderation import NOTICES
from comments.services.status import audit, set_status

UNDO_WINDOW = timedelta(minutes=10)

Action = AuditEntry.Action
# The decisions an undo takes back, and the notice each sent.
UNDOABLE = {
    Action.APPROVE: NOTICES["approve"],
    Action.REMOVE: NOTICES["remove"],
    Action.SPAM: None,
    Action.RESTORE: NOTICES["restore"],
    Action.DISMISS: None,
}


def undoable_decisions(*, actor, limit: int = 10):
    """This moderator's decisions still in the undo window, newest first (undone ones left out)."""
    return list(
        AuditEntry.objects.filter(
            actor=actor,
            action__in=list(UNDOABLE),
            created_at__gte=timezone.now() - UNDO_WINDOW,
            comment__isnull=False,
            undone_by__isnull=True,
        ).order_by("-created_at", "-pk")[:limit]
    )


def decision_undo(*, entry: AuditEntry, actor) -> Comment:
    """Take back ``entry`` (one of ``actor``'s decisions); ValidationError when it can't be."""
    require_permission(actor, "comments.can_moderate")
    if entry.action not in UNDOABLE or entry.comment_id is None:
        raise ValidationError("That act can't be undone from the queue.")
    if entry.actor_id != actor.pk:
        raise ValidationError("Only the moderator who made a decision can undo it.")
    if timezone.now() - entry.created_at > UNDO_WINDOW:
        raise ValidationError(
            f"Too late to undo: decisions can be taken back for "
            f"{int(UNDO_WINDOW.total_seconds() // 60)} minutes. Act on the comment again instead."
        )
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("author")
            .get(pk=entry.comment_id)
        )
        # Under the comment's lock: two undos of one decision can't both pass.
        if AuditEntry.objects.filter(undoes=entry).exists():
            raise ValidationError("That decision was undone already.")
        if entry.action == Action.DISMISS:
            reopened = CommentFlag.objects.filter(
                comment=current, dismissed_at=entry.created_at, dismissed_by=actor
            ).update(dismissed_at=None, dismissed_by=None)
            if not reopened:
                raise ValidationError("Those flags were acted on since; nothing to undo.")
            before = after = current.status
        else:
            later = AuditEntry.objects.filter(comment=current, created_at__gt=entry.created_at)
            if current.status != entry.after_status or later.exists():
                raise ValidationError(
                    "The comment changed since that decision; act on it again instead."
                )
            reason = (
                "Back in the queue: its approval was undone."
                if entry.action == Action.APPROVE
                else current.moderation_reason
                if entry.action == Action.RESTORE
                else ""
            )
            current, _ = set_status(current, entry.before_status, reason=reason)
            before, after = entry.after_status, entry.before_status
            kind = UNDOABLE[entry.action]
            if kind is not None:
                # Withdrawn while unread: the author never learns of a slip of the key.
                withdrawn, _ = Notification.objects.filter(
                    recipient_id=current.author_id,
                    comment=current,
                    kind=kind,
                    created_at__gte=entry.created_at,
                    read_at=None,
                ).delete()
                if withdrawn:
                    pagecache.inbox_changed(current.author_id)
        audit(
            actor=actor,
            action=Action.UNDO,
            comment=current,
            reason=f"Undid “{entry.get_action_display()}”",
            before_status=before,
            after_status=after,
            detail=f"{entry.get_action_display()} of comment {current.pk}",
            undoes=entry,
        )
    return current
