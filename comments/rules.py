"""Who may do what with a comment, and what a body must be: pure rules, no writes.

The services enforce these before they write; the selectors ask the same
functions to decide which buttons a reader sees (``can_edit``,
``can_delete``), and the comment form shows ``comment_body_errors`` beside the
field. One module, so a page never offers what a write would refuse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.timesince import timesince

from articles.models import Article
from comments.models import Comment
from comments.sanitize import normalize
from trekboard.text import has_visible_character


def comment_body_errors(body: str) -> list[str]:
    """What is wrong with a body, in words a reader understands (empty when fine)."""
    errors = []
    if "\x00" in body:
        errors.append(
            "Your comment contains a NUL character, which can't be stored. Remove it and try again."
        )
    text = normalize(body.replace("\x00", ""))
    if not text:
        errors.append("Your comment is empty. Write something before posting.")
    elif not has_visible_character(text):
        # Zero-width spaces and the like: a comment that renders as nothing.
        errors.append(
            "Your comment has no visible characters (only spaces or invisible formatting "
            "characters). Write something before posting."
        )
    elif len(text) > settings.COMMENT_MAX_LENGTH:
        errors.append(
            f"Your comment is {len(text):,} characters long; the limit is "
            f"{settings.COMMENT_MAX_LENGTH:,}. Shorten it and try again."
        )
    return errors


def check_can_comment(*, article: Article, author) -> None:
    if author is None or not author.is_authenticated:
        raise ValidationError("Log in to join the discussion.")
    blocked = author.posting_block_reason()
    if blocked:
        raise ValidationError(blocked)
    if not author.is_active:
        raise ValidationError("This account can't post comments.")
    if not article.is_published:
        raise ValidationError("This article isn't published, so it can't take comments.")
    if not article.comments_open:
        raise ValidationError("Comments are closed on this article.")
    if article.auto_closed:
        raise ValidationError(
            f"Comments closed automatically {article.close_after_days} days after publication."
        )


def edit_deadline(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


def can_edit(comment: Comment, user) -> bool:
    # Asked for every comment on a page: most are someone else's, settled
    # without building the refusal ensure_can_edit would raise.
    if not user.is_authenticated or comment.author_id != user.pk:
        return False
    if timezone.now() > edit_deadline(comment):
        return False
    try:
        ensure_can_edit(comment, user)
    except PermissionDenied:
        return False
    return True


def can_delete(comment: Comment, user) -> bool:
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.status in (Comment.Status.PUBLISHED, Comment.Status.PENDING)
    )


def ensure_own(comment: Comment, user, doing: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(f"Log in to {doing} your comments.")
    if comment.author_id != user.pk:
        raise PermissionDenied(f"You can only {doing} your own comments.")
    if not user.is_active:
        raise PermissionDenied("This account can't change comments.")


def ensure_can_edit(comment: Comment, user) -> None:
    """Raise PermissionDenied, saying why, unless ``user`` may edit ``comment`` now."""
    ensure_own(comment, user, "edit")
    # A banned or suspended reader can't post, so can't edit either: an edit
    # would publish new words (and mention, and notify) just as a post would.
    # Withdrawing their own comment stays allowed (comment_delete).
    ensure_not_blocked(user)
    if comment.status not in (Comment.Status.PUBLISHED, Comment.Status.PENDING):
        raise PermissionDenied("This comment has been deleted or removed and can't be edited.")
    now = timezone.now()
    if now > edit_deadline(comment):
        raise PermissionDenied(
            f"Comments can be edited for {settings.COMMENT_EDIT_MINUTES} minutes after "
            f"posting; this one was posted {timesince(comment.created_at, now, depth=1)} ago."
        )


def ensure_not_blocked(user) -> None:
    blocked = user.posting_block_reason()
    if blocked:
        raise PermissionDenied(blocked)


def require_permission(actor, permission: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise PermissionDenied("You don't have permission to moderate this.")


NEW_LIMIT = 1000


def is_unseen(comment: Comment, *, since: datetime | None, own: bool) -> bool:
    """Marked "New": published by someone else since the reader's previous visit (``since``)."""
    return bool(since and not own and comment.is_visible and comment.created_at > since)


def shows_text(comment: Comment, *, user) -> bool:
    """Whether ``user`` may read ``comment``'s words: the one rule for every page.

    Published comments, and the author's own comment while it waits for a
    moderator. Removed, spam and withdrawn comments keep their text for the
    moderators (in the admin) only: every page, fragment and email that shows
    a comment's text asks this, or filters on ``published`` in SQL, which says
    the same for lists of other readers' comments.
    """
    if comment.is_visible:
        return True
    return bool(user.is_authenticated and comment.author_id == user.pk and comment.is_pending)


def check_spoils(*, article: Article, release) -> None:
    """A comment can be marked as spoiling a release of one of its article's shows."""
    if release.pk == article.release_id:
        return
    if not article.tags.filter(pk=release.show_id).exists():
        raise ValidationError(
            f"{release.code} isn't an episode of this article's shows: choose one from the list."
        )
