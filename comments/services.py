"""The only code that writes comments.

Views, admin actions and commands call these functions; nothing else saves a
``Comment``. django-mptt does no locking of its own and gives a new tree
``MAX(tree_id) + 1``, so every write that touches the tree runs in one
transaction under a PostgreSQL advisory lock:

* a reply locks its thread (one lock per ``tree_id``), so replies to other
  threads proceed in parallel;
* a new top-level comment takes one global lock, which serialises the
  ``MAX(tree_id) + 1`` allocation.

Transaction-level advisory locks are released at commit or rollback, so an
error can never leave a lock behind.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.sanitize import normalize, sanitize_comment

# Two-key advisory locks: (namespace, id). The namespace keeps ours apart from
# any other advisory lock user of the same database.
LOCK_NAMESPACE_TREE = 0x54524545  # "TREE"
LOCK_NAMESPACE_ROOTS = 0x524F4F54  # "ROOT"


def _advisory_lock(namespace: int, key: int) -> None:
    """Block until this transaction holds the lock. Precondition: inside atomic()."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def tree_lock(tree_id: int) -> None:
    """Serialise writes to one thread (one MPTT tree). Call inside atomic()."""
    _advisory_lock(LOCK_NAMESPACE_TREE, tree_id)


def new_tree_lock() -> None:
    """Serialise the allocation of new tree ids. Call inside atomic()."""
    _advisory_lock(LOCK_NAMESPACE_ROOTS, 0)


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
    elif len(text) > settings.COMMENT_MAX_LENGTH:
        errors.append(
            f"Your comment is {len(text):,} characters long; the limit is "
            f"{settings.COMMENT_MAX_LENGTH:,}. Shorten it and try again."
        )
    return errors


def _check_can_comment(*, article: Article, author) -> None:
    if author is None or not author.is_authenticated:
        raise ValidationError("Log in to join the discussion.")
    if not author.is_active:
        raise ValidationError("This account can't post comments.")
    if not article.is_published:
        raise ValidationError("This article isn't published, so it can't take comments.")
    if not article.comments_open:
        raise ValidationError("Comments are closed on this article.")


def comment_create(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
    created_at: datetime | None = None,
) -> Comment:
    """Post a top-level comment, or a reply when ``parent`` is given.

    Raises ``ValidationError`` (nothing written) when the body, the article or
    the parent don't allow it. ``created_at`` is for imports and demo content
    that carry their own dates; readers' posts are stamped now.
    """
    errors = comment_body_errors(body)
    if errors:
        raise ValidationError(errors)
    _check_can_comment(article=article, author=author)
    if parent is not None and parent.article_id != article.pk:
        raise ValidationError("You can only reply to a comment on the same article.")

    text = normalize(body)
    body_html = sanitize_comment(text)
    with transaction.atomic():
        if parent is None:
            new_tree_lock()
        else:
            tree_lock(parent.tree_id)
            # Re-read under the lock: the parent's lft/rght may have moved since
            # it was fetched, and mptt computes the new node's place from them.
            try:
                parent = Comment.objects.select_for_update().get(pk=parent.pk)
            except Comment.DoesNotExist:
                raise ValidationError("The comment you replied to no longer exists.") from None
            if parent.status != Comment.Status.PUBLISHED:
                raise ValidationError("That comment can't take replies any more.")
        comment = Comment(
            article=article,
            author=author,
            parent=parent,
            body=text,
            body_html=body_html,
            created_at=created_at or timezone.now(),
            ip_address=ip_address,
        )
        comment.save()
    return comment
