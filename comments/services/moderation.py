"""What moderators do to comments and discussions: approve, remove, spoiler, pin, pick, close.

Every act checks the actor's permission itself (admin is not the only
caller), runs in one transaction under the thread's lock, and leaves an
``AuditEntry`` with the status before and after.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments import pagecache
from comments.models import AuditEntry, Comment, CommentFlag, Notification
from comments.ranking import best_score
from comments.rules import check_spoils, require_permission
from comments.sanitize import sanitize_comment, search_text
from comments.services.notifications import mention_urls, mentioned_users, notice_author
from comments.services.status import (
    article_count_changed,
    audit,
    revision_keep,
    set_status,
    tidy_reason,
)
from comments.tree.locks import tree_lock
from comments.tree.placement import up_from


def comment_status_set(*, comment: Comment, status: str, reason: str = "") -> Comment:
    """Change a comment's status, keeping the counters above it right (no audit: see moderate)."""
    if status not in Comment.Status.values:
        raise ValidationError(f"Unknown comment status {status!r}.")
    with transaction.atomic():
        set_status(comment, status, reason=reason)
    return comment


# What each moderation act does: (new status, audit action, statuses it applies to).
# The author is told of each (NOTICES), except spam: a spammer learns nothing.
MODERATION = {
    "approve": (Comment.Status.PUBLISHED, AuditEntry.Action.APPROVE, {"pending"}),
    "remove": (
        Comment.Status.REMOVED,
        AuditEntry.Action.REMOVE,
        {"published", "pending", "spam"},
    ),
    "spam": (Comment.Status.SPAM, AuditEntry.Action.SPAM, {"published", "pending", "removed"}),
    "restore": (Comment.Status.PUBLISHED, AuditEntry.Action.RESTORE, {"removed", "spam"}),
}
NOTICES = {
    "approve": Notification.Kind.APPROVED,
    "remove": Notification.Kind.REMOVED,
    "restore": Notification.Kind.RESTORED,
}


def comment_moderate(*, comment: Comment, actor, act: str, reason: str = "") -> bool:
    """Approve, remove, mark as spam or restore one comment; False when it doesn't apply.

    Removing keeps the replies: readers see "[removed by a moderator]" above
    them. Restoring brings back removed or spam comments (never an author's own
    deletion). Each act is recorded in the audit log with its reason, and the
    author is told (not of spam). A held comment is not approved onto an
    article whose comments are closed: it would appear where nobody can answer.
    """
    require_permission(actor, "comments.can_moderate")
    status, action, applies_to = MODERATION[act]
    reason = tidy_reason(reason)
    if act == "remove" and not reason:
        raise ValidationError("Give a reason for removing the comment.")
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article", "author")
            .get(pk=comment.pk)
        )
        if current.status not in applies_to:
            return False
        author = current.author
        if act == "approve" and not current.article.accepts_comments:
            raise ValidationError(
                "Comments are closed on this article: reopen them to approve a held comment, "
                "or remove it."
            )
        current, before = set_status(current, status, reason=reason)
        audit(
            actor=actor,
            action=action,
            comment=current,
            reason=reason,
            before_status=before,
            after_status=status,
        )
        if act in NOTICES:
            notice_author(
                recipient=author,
                kind=NOTICES[act],
                actor=actor,
                comment=current,
                reason=reason,
            )
    comment.status = status
    return True


def comment_hard_delete(*, comment: Comment, actor) -> int:
    """Delete a comment and every reply below it for good; superusers only. Returns how many.

    The audit entry keeps the text's opening words, since the row is gone.
    """
    if actor is None or not actor.is_authenticated or not actor.is_superuser:
        raise PermissionDenied("Only superusers can delete comments for good.")
    with transaction.atomic():
        tree_lock(comment.tree_id)
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        gone = current.get_descendant_count() + 1
        published_gone = (1 if current.is_visible else 0) + current.descendant_count
        if current.parent_id is not None:
            parent = Comment.objects.select_for_update().get(pk=current.parent_id)
            replies = parent.reply_count - (1 if current.is_visible else 0)
            Comment.objects.filter(pk=parent.pk).update(
                reply_count=replies,
                best_score=best_score(
                    likes=parent.like_count, replies=replies, created_at=parent.created_at
                ),
            )
            Comment.objects.filter(pk__in=up_from(parent.pk)).update(
                descendant_count=F("descendant_count") - published_gone
            )
        audit(
            actor=actor,
            action=AuditEntry.Action.HARD_DELETE,
            comment=current,
            before_status=current.status,
            reason=f"{gone} comment(s) deleted with their replies.",
        )
        # Not mptt's delete(): it would close the gap by shifting every edge to
        # the right, and gaps are welcome here (see comments.tree.intervals).
        current.get_descendants(include_self=True).delete()
        article_count_changed(current.article_id, -published_gone)
        pagecache.discussion_changed(current.article_id)
    return gone


_ALREADY_SPOILERED = re.compile(r"\[spoiler\].*\[/spoiler\]", re.I | re.S)


def comment_retro_spoiler(*, comment: Comment, actor, reason: str = "") -> Comment:
    """Hide a whole comment behind a spoiler warning instead of removing it; tell the author.

    The author's text is kept as an earlier version, as an edit would keep it.
    """
    return _spoiler_set(comment=comment, actor=actor, reason=reason, hidden=True)


def _locked_published(comment: Comment, done: str) -> Comment:
    """The comment re-read under its row lock, refused unless readers see it."""
    current = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("article", "author")
        .get(pk=comment.pk)
    )
    if not current.is_visible:
        raise ValidationError(f"Only a published comment can be {done}.")
    return current


def _spoiler_told(current: Comment, *, actor, reason: str, covered: bool) -> None:
    """Its author told, and the audit log written, of a spoiler mark put on or taken off."""
    notice_author(
        recipient=current.author,
        kind=Notification.Kind.SPOILERED if covered else Notification.Kind.UNSPOILERED,
        actor=actor,
        comment=current,
        reason=reason,
    )
    audit(
        actor=actor,
        action=AuditEntry.Action.SPOILER if covered else AuditEntry.Action.UNSPOILER,
        comment=current,
        reason=reason,
        before_status=current.status,
        after_status=current.status,
    )


def comment_spoils_mark(*, comment: Comment, actor, release, reason: str = "") -> Comment:
    """Mark a comment as spoiling ``release`` (None: unmark it); its author is told.

    Readers who haven't watched the release see a cover from then on, on every
    page (the discussion's pages are drawn again).
    """
    require_permission(actor, "comments.can_moderate")
    with transaction.atomic():
        current = _locked_published(comment, "marked as a spoiler")
        if current.spoils_id == (release.pk if release else None):
            raise ValidationError("It is marked that way already.")
        if release is not None:
            check_spoils(article=current.article, release=release)
        Comment.objects.filter(pk=current.pk).update(spoils=release)
        current.spoils = release
        pagecache.discussion_changed(current.article_id)
        said = f"Marked as spoiling {release.code}" if release else "No longer marked as a spoiler"
        reason = tidy_reason(f"{said}: {reason}" if reason else said)
        _spoiler_told(current, actor=actor, reason=reason, covered=release is not None)
    return current


def comment_spoiler_lift(*, comment: Comment, actor, reason: str = "") -> Comment:
    """Undo a retro-spoiler: the text as it was before it was wrapped; the author is told."""
    return _spoiler_set(comment=comment, actor=actor, reason=reason, hidden=False)


def is_spoilered(comment: Comment) -> bool:
    """Whether the whole comment is behind a spoiler warning (a retro-spoiler's wrapping)."""
    return bool(_ALREADY_SPOILERED.fullmatch(comment.body.strip()))


def _wrapped(text: str) -> str:
    return "[spoiler]" + re.sub(r"\[/spoiler\]", "", text, flags=re.I) + "[/spoiler]"


def _unwrapped(comment: Comment) -> str:
    body = comment.body.strip()
    # The version the retro-spoiler kept, when wrapping it again gives today's
    # text: then its own spoilers come back too, exactly as the author wrote them.
    kept = comment.revisions.order_by("-replaced_at", "-pk").values_list("body", flat=True)
    before = kept.first()
    if before is not None and _wrapped(before) == body:
        return before
    return body[len("[spoiler]") : -len("[/spoiler]")]


def _spoiler_set(*, comment: Comment, actor, reason: str, hidden: bool) -> Comment:
    require_permission(actor, "comments.can_moderate")
    with transaction.atomic():
        current = _locked_published(comment, "hidden behind a spoiler")
        if hidden and is_spoilered(current):
            raise ValidationError("This comment is already hidden behind a spoiler warning.")
        if not hidden and not is_spoilered(current):
            raise ValidationError("This comment is not behind a spoiler warning.")
        text = _wrapped(current.body) if hidden else _unwrapped(current)
        revision_keep(current, replaced_at=timezone.now())
        body_html = sanitize_comment(
            text,
            mentions=mention_urls(mentioned_users(text)),
            markdown=current.body_format == Comment.BodyFormat.MARKDOWN,
        )
        Comment.objects.filter(pk=current.pk).update(
            body=text, body_html=body_html, search_text=search_text(body_html)
        )
        current.body, current.body_html = text, body_html
        pagecache.discussion_changed(current.article_id)
        reason = tidy_reason(reason)
        _spoiler_told(current, actor=actor, reason=reason, covered=hidden)
    return current


def comment_flags_dismiss(*, comment: Comment, actor, reason: str = "") -> int:
    """A moderator looked at the flags and keeps the comment: it leaves the Flagged queue.

    The flags stay on record (dismissed, by whom and when); returns how many.
    """
    require_permission(actor, "comments.can_moderate")
    now = timezone.now()
    with transaction.atomic():
        dismissed = CommentFlag.objects.filter(comment=comment, dismissed_at=None).update(
            dismissed_at=now, dismissed_by=actor
        )
        if dismissed:
            audit(
                actor=actor,
                action=AuditEntry.Action.DISMISS,
                comment=comment,
                reason=tidy_reason(reason)
                or f"{dismissed} flag{'' if dismissed == 1 else 's'} dismissed.",
                before_status=comment.status,
                after_status=comment.status,
                # The flags' own dismissal time, so an undo finds exactly these.
                created_at=now,
            )
    return dismissed


def comment_pin(*, comment: Comment, actor, pinned: bool = True, reason: str = "") -> None:
    """Show a top-level comment first in its discussion (one per article), or unpin it."""
    require_permission(actor, "comments.can_moderate")
    reason = tidy_reason(reason)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=comment.article_id)
        # As it is now, under the article's lock.
        comment = Comment.objects.select_related("author").get(pk=comment.pk)
        if pinned and (comment.parent_id is not None or not comment.is_visible):
            raise ValidationError("Only a published top-level comment can be pinned.")
        if not pinned and article.pinned_comment_id != comment.pk:
            return
        replaced = article.pinned_comment_id if pinned else None
        Article.objects.filter(pk=article.pk).update(pinned_comment=comment if pinned else None)
        pagecache.discussion_changed(article.pk)
        audit(
            actor=actor,
            action=AuditEntry.Action.PIN if pinned else AuditEntry.Action.UNPIN,
            comment=comment,
            reason=reason,
        )
        if replaced is not None and replaced != comment.pk:
            # One pin per article: the comment it replaces is unpinned, and recorded so.
            audit(
                actor=actor,
                action=AuditEntry.Action.UNPIN,
                comment=Comment.objects.get(pk=replaced),
                reason=f"Replaced by the pin of comment #{comment.pk}.",
            )
        notice_author(
            recipient=comment.author,
            kind=Notification.Kind.PINNED if pinned else Notification.Kind.UNPINNED,
            actor=actor,
            comment=comment,
            reason=reason,
        )


def comment_pick(*, comment: Comment, actor, picked: bool = True, reason: str = "") -> None:
    """Mark a comment an Editor's pick, or take the badge away; the author is told."""
    require_permission(actor, "comments.can_moderate")
    if picked and not Comment.objects.filter(pk=comment.pk).published().exists():
        raise ValidationError("Only a published comment can be an Editor's pick.")
    reason = tidy_reason(reason)
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk).exclude(is_editors_pick=picked)
        if changed.update(is_editors_pick=picked):
            pagecache.discussion_changed(comment.article_id)
            audit(
                actor=actor,
                action=AuditEntry.Action.PICK if picked else AuditEntry.Action.UNPICK,
                comment=comment,
                reason=reason,
            )
            notice_author(
                recipient=get_user_model().objects.get(pk=comment.author_id),
                kind=Notification.Kind.PICKED if picked else Notification.Kind.UNPICKED,
                actor=actor,
                comment=comment,
                reason=reason,
            )
    comment.is_editors_pick = picked


def article_comments_set(*, article: Article, actor, open_: bool, reason: str = "") -> None:
    """Close an article's comments (existing ones stay, no new ones) or reopen them."""
    require_permission(actor, "articles.moderate_discussion")
    reason = tidy_reason(reason)
    with transaction.atomic():
        if (
            Article.objects.filter(pk=article.pk)
            .exclude(comments_open=open_)
            .update(comments_open=open_)
        ):
            pagecache.discussion_changed(article.pk)
            audit(
                actor=actor,
                action=AuditEntry.Action.OPEN if open_ else AuditEntry.Action.CLOSE,
                article=article,
                reason=reason,
                detail=article.title[:300],
            )
    article.comments_open = open_


def user_remove_all_comments(*, user, actor, reason: str) -> int:
    """Remove every shown comment a reader wrote (a spammer), in one go; returns how many."""
    require_permission(actor, "comments.can_moderate")
    reason = tidy_reason(reason) or "All of this reader's comments removed."
    with transaction.atomic():
        targets = list(
            Comment.objects.filter(
                author=user, status__in=[Comment.Status.PUBLISHED, Comment.Status.PENDING]
            ).order_by("tree_id", "pk")  # one lock order, so no deadlock with other writers
        )
        counts: dict[int, int] = {}
        for comment in targets:
            current, before = set_status(
                comment, Comment.Status.REMOVED, reason=reason, counts=counts
            )
            audit(
                actor=actor,
                action=AuditEntry.Action.REMOVE,
                comment=current,
                reason=reason,
                before_status=before,
                after_status=current.status,
            )
        for article_id, delta in sorted(counts.items()):
            article_count_changed(article_id, delta)
        audit(
            actor=actor,
            action=AuditEntry.Action.REMOVE_ALL,
            target_user=user,
            reason=reason,
            detail=f"{user.username}: {len(targets)} comment(s)",
        )
        if targets:
            notice_author(
                recipient=user,
                kind=Notification.Kind.REMOVED_ALL,
                actor=actor,
                reason=reason,
                detail=f"{len(targets)} comment{'' if len(targets) == 1 else 's'}",
            )
    return len(targets)
