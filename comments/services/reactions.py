"""Readers reacting to others' comments: likes and flags.

A like changes the comment's ``like_count`` and Best score under its row lock;
a flag puts the comment in the moderators' Flagged queue.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from comments import pagecache
from comments.models import Comment, CommentFlag, CommentLike
from comments.ranking import best_score
from comments.rules import ensure_not_blocked
from comments.sanitize import normalize


def comment_like_toggle(*, comment: Comment, user) -> Comment:
    """Like the comment, or take the like back; returns ``comment`` with the new count.

    ``comment.liked`` says which. Authors can't like their own comments.
    The comment's row lock serialises toggles, so the count always equals
    the number of likes.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Log in to like comments.")
    ensure_not_blocked(user)
    if comment.author_id == user.pk:
        raise PermissionDenied("You can't like your own comment.")
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article")
            .get(pk=comment.pk)
        )
        if not current.is_visible:
            raise PermissionDenied("This comment can't be liked any more.")
        if not current.article.accepts_comments:
            # A closed discussion is settled: no new replies, and no new likes
            # reordering it. Flags are still taken, since moderation goes on.
            raise PermissionDenied("This discussion is closed, so its comments can't be liked.")
        removed, _ = CommentLike.objects.filter(comment=current, user=user).delete()
        if not removed:
            CommentLike.objects.create(comment=current, user=user)
        likes = max(current.like_count + (-1 if removed else 1), 0)
        score = best_score(likes=likes, replies=current.reply_count, created_at=current.created_at)
        Comment.objects.filter(pk=current.pk).update(like_count=likes, best_score=score)
        pagecache.discussion_changed(current.article_id)
    comment.like_count, comment.best_score, comment.reply_count = likes, score, current.reply_count
    comment.liked = not removed
    return comment


def user_likes_withdraw(*, user) -> int:
    """Take back every like ``user`` gave, keeping counts and scores right; returns how many.

    For deleting an account: its likes would otherwise go by CASCADE and leave
    the liked comments' ``like_count`` and ``best_score`` too high. Takes each
    comment's row lock, as ``comment_like_toggle`` does, in id order.
    """
    withdrawn = 0
    with transaction.atomic():
        liked = CommentLike.objects.filter(user=user).values("comment_id")
        for current in Comment.objects.select_for_update().filter(pk__in=liked).order_by("pk"):
            CommentLike.objects.filter(comment=current, user=user).delete()
            likes = max(current.like_count - 1, 0)
            Comment.objects.filter(pk=current.pk).update(
                like_count=likes,
                best_score=best_score(
                    likes=likes, replies=current.reply_count, created_at=current.created_at
                ),
            )
            pagecache.discussion_changed(current.article_id)
            withdrawn += 1
    return withdrawn


def comment_flag(*, comment: Comment, user, reason: str, text: str = "") -> CommentFlag:
    """Report a comment to the moderators; one flag per reader per comment."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Log in to flag comments.")
    ensure_not_blocked(user)
    if comment.author_id == user.pk:
        raise ValidationError("You can't flag your own comment. Edit or delete it instead.")
    if not comment.is_visible:
        raise ValidationError("This comment is no longer shown, so there is nothing to flag.")
    if reason not in CommentFlag.Reason.values:
        raise ValidationError("Choose a reason for flagging this comment.")
    text = normalize(text)
    if reason == CommentFlag.Reason.OTHER and not text:
        raise ValidationError("Tell the moderators what is wrong with this comment.")
    if len(text) > 1000:
        raise ValidationError("Keep the explanation under 1,000 characters.")
    try:
        with transaction.atomic():
            return CommentFlag.objects.create(comment=comment, user=user, reason=reason, text=text)
    except IntegrityError:
        raise ValidationError(
            "You have already flagged this comment. The moderators will look at it."
        ) from None
