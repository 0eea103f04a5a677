"""The only code that writes comments.

Views, admin actions and commands call these functions; nothing else saves a
``Comment``. A new thread takes ``MAX(tree_id) + 1`` and a reply a slice of
its parent's interval (``comments.intervals``), both read before the write, so
every write that touches the tree runs in one transaction under a PostgreSQL
advisory lock:

* a reply locks its thread (one lock per ``tree_id``), so replies to other
  threads proceed in parallel;
* a new top-level comment takes one global lock, which serialises the
  ``MAX(tree_id) + 1`` allocation.

Transaction-level advisory locks are released at commit or rollback, so an
error can never leave a lock behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Max,
    OuterRef,
    PositiveIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.timesince import timesince

from articles.models import Article
from comments import intervals, notify, pagecache
from comments.importing.records import Summary
from comments.models import (
    ArticleVisit,
    AuditEntry,
    Comment,
    CommentFlag,
    CommentLike,
    CommentQuerySet,
    CommentRevision,
    Notification,
    WordRule,
)
from comments.ranking import Sort, best_score
from comments.sanitize import mentioned_names, normalize, sanitize_comment
from trekboard.text import has_visible_character

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


def _check_can_comment(*, article: Article, author) -> None:
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


def comment_create(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
    created_at: datetime | None = None,
    screen: bool = True,
) -> Comment:
    """Post a top-level comment, or a reply when ``parent`` is given.

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
    _check_can_comment(article=article, author=author)
    if parent is not None and parent.article_id != article.pk:
        raise ValidationError("You can only reply to a comment on the same article.")

    text = normalize(body)
    mentioned = _mentioned_users(text)
    body_html = sanitize_comment(text, mentions=_mention_urls(mentioned))
    held_because = _screen(text, body_html, author) if screen else ""
    with transaction.atomic():
        if parent is None:
            new_tree_lock()
        else:
            tree_lock(parent.tree_id)
            # Re-read under the lock: a respread may have moved the parent's
            # edges since it was fetched, and the reply is placed from them.
            # ... and, in the same query, the reply this one would repeat and
            # the parent's last edge (see _last_edge).
            repeat = _repeats(author=author, text=text).filter(parent=OuterRef("pk"))
            try:
                parent = (
                    Comment.objects.select_for_update(of=("self",))
                    .select_related("author")
                    .annotate(
                        repeat_of=Subquery(repeat.values("pk")[:1]),
                        last_edge=Subquery(
                            _inside(OuterRef("tree_id"), OuterRef("lft"), OuterRef("rght"))[:1]
                        ),
                    )
                    .get(pk=parent.pk)
                )
            except Comment.DoesNotExist:
                raise ValidationError("The comment you replied to no longer exists.") from None
            if parent.status != Comment.Status.PUBLISHED:
                raise ValidationError("That comment can't take replies any more.")
        if created_at is None:
            if parent is None:
                earlier = _repeats(author=author, text=text).filter(parent=None, article=article)
                earlier = earlier.first()
            else:
                earlier = parent.repeat_of and Comment.objects.get(pk=parent.repeat_of)
            if earlier:
                earlier.article, earlier.resubmitted = article, True
                return earlier
        comment = Comment(
            article=article,
            author=author,
            parent=parent,
            body=text,
            body_html=body_html,
            created_at=created_at or timezone.now(),
            ip_address=ip_address,
            status=Comment.Status.PENDING if held_because else Comment.Status.PUBLISHED,
            moderation_reason=held_because,
        )
        _place(comment, parent)
        comment.save()  # mptt leaves edges it finds set alone
        comment.resubmitted = False
        pagecache.discussion_changed(article.pk)
        if comment.is_visible:
            if parent is not None:
                _published_count_changed(comment, +1, parent=parent)
            article.comment_count = _article_count_changed(article.pk, +1)
            _notify(comment, mentioned)
    return comment


# A second click on "Post", a reload that re-sends the form, a retry after a
# slow response: the same text from the same author in the same place within
# this window is the comment already posted, not a new one.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


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


def _place(comment: Comment, parent: Comment | None) -> None:
    """Give a new comment its tree id and edges (see ``comments.intervals``).

    Precondition: inside atomic(), holding ``new_tree_lock()`` for a new thread
    or the parent's ``tree_lock`` (with ``parent`` read under it) for a reply.
    """
    if parent is None:
        top = Comment.objects.aggregate(top=Max("tree_id"))["top"]
        comment.tree_id, comment.level = (top or 0) + 1, 0
        comment.lft, comment.rght = intervals.ROOT_LFT, intervals.TOP
        return
    last_edge = getattr(parent, "last_edge", None)
    place = intervals.reply_interval(parent.lft if last_edge is None else last_edge, parent.rght)
    if place is None:
        _make_room(parent)
        parent.refresh_from_db(fields=["lft", "rght"])
        place = intervals.reply_interval(_last_edge(parent), parent.rght)
    comment.tree_id, comment.level = parent.tree_id, parent.level + 1
    comment.lft, comment.rght = place


def _inside(tree_id, lft, rght) -> QuerySet:
    """The edges inside an interval, largest first: the first is its last reply's ``rght``.

    Edges nest, so the largest ``rght`` inside a parent's interval is its last
    reply's. The bounds are values, or ``OuterRef``s to ask inside a query of the parent.
    """
    return (
        Comment.objects.filter(tree_id=tree_id, rght__gt=lft, rght__lt=rght)
        .order_by("-rght")
        .values("rght")
    )


def _last_edge(parent: Comment) -> int:
    """The parent's last reply's ``rght``, or its own ``lft`` when it has none."""
    last = _inside(parent.tree_id, parent.lft, parent.rght).first()
    return parent.lft if last is None else last["rght"]


def _make_room(parent: Comment) -> None:
    """Spread out the smallest subtree around ``parent`` with room for one more reply.

    Walks up from the parent to the first ancestor whose interval spaces its
    subtree's edges (one more reply's included) at least ``MIN_GAP`` apart; the
    thread's root may grow its ``rght`` up to ``TOP``. Rare (see
    ``comments.intervals``); costs one statement over that subtree.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    with connection.cursor() as cursor:
        # The parent and its ancestors, innermost first, with their subtree sizes.
        cursor.execute(
            f"""
            SELECT a.lft, a.rght, a.parent_id IS NULL,
                   (SELECT count(*) FROM {table} d
                    WHERE d.tree_id = a.tree_id AND d.lft BETWEEN a.lft AND a.rght)
            FROM {table} a
            WHERE a.tree_id = %s AND a.lft <= %s AND a.rght >= %s
            ORDER BY a.lft DESC
            """,  # noqa: S608 - the table name is our own
            [parent.tree_id, parent.lft, parent.rght],
        )
        for lft, rght, is_root, size in cursor.fetchall():
            hi = intervals.TOP if is_root else rght
            gap = intervals.spread(2 * (size + 1), lo=lft, hi=hi)
            if gap >= intervals.MIN_GAP:
                cursor.execute(
                    intervals.RESPREAD_SQL.format(table=table),
                    {"tree_id": parent.tree_id, "lo": lft, "rght": rght, "gap": gap},
                )
                return
    raise ValidationError("This thread is too large to take more replies.")


# --- Screening new comments -------------------------------------------------

_LINK = re.compile(r'<a href="https?:', re.I)


def _rule_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def _screen(text: str, body_html: str, author, *, new: bool = True) -> str:
    """Why a comment must wait for a moderator ("" when it needn't).

    Raises ValidationError for a blocked word, whoever writes it. Staff and
    moderators are not held. ``new=False`` (an edit) skips the new-account rule.
    """
    # Moderators are staff (admin needs it); is_staff avoids a permissions query per post.
    trusted = author.is_staff or author.is_superuser
    for rule in _word_rules():
        if not _rule_pattern(rule.phrase).search(text):
            continue
        if rule.action == WordRule.Action.BLOCK:
            raise ValidationError(
                f"Your comment contains “{rule.phrase}”, which isn't allowed here. "
                "Change it and try again."
            )
        if not trusted:
            return f"Contains the held word “{rule.phrase}”."
    if trusted:
        return ""
    links = len(_LINK.findall(body_html))
    if links > settings.COMMENT_MAX_LINKS:
        return f"Has {links} links (more than {settings.COMMENT_MAX_LINKS})."
    first = settings.HOLD_FIRST_COMMENTS
    if new and first and Comment.objects.filter(author=author).count() < first:
        return f"One of a new account's first {first} comments."
    return ""


def _word_rules() -> list[WordRule]:
    """The word list, from the shared cache (it is read on every post, changed rarely)."""
    rules = cache.get(word_rules_cache_key())
    if rules is None:
        rules = list(WordRule.objects.order_by("action", "phrase"))
        cache.set(word_rules_cache_key(), rules, 3600)
    return rules


def word_rules_cache_key() -> str:
    return f"{settings.PAGE_CACHE_PREFIX}comments:word-rules"


def word_rules_changed() -> None:
    """Forget the cached word list (on every change to it, from anywhere)."""
    cache.delete(word_rules_cache_key())
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(cache.delete, word_rules_cache_key()), robust=True)


# --- Counters ---------------------------------------------------------------


def _published_count_changed(
    comment: Comment, delta: int, *, parent: Comment | None = None
) -> None:
    """Keep the parent's reply count and score and the ancestors' descendant counts.

    Precondition: inside atomic(), holding the comment's tree lock. ``parent``
    is the parent as read under that lock, when the caller has it.
    """
    if comment.parent_id is None:
        return
    if parent is None:
        parent = Comment.objects.select_for_update().get(pk=comment.parent_id)
    replies = max(parent.reply_count + delta, 0)
    # Every ancestor, the parent included, in one statement; the parent's reply
    # count and score with them.
    Comment.objects.filter(pk__in=_up_from(parent.pk)).update(
        descendant_count=F("descendant_count") + delta,
        reply_count=Case(
            When(pk=parent.pk, then=Value(replies)),
            default=F("reply_count"),
            output_field=PositiveIntegerField(),
        ),
        best_score=Case(
            When(
                pk=parent.pk,
                then=Value(
                    best_score(
                        likes=parent.like_count, replies=replies, created_at=parent.created_at
                    )
                ),
            ),
            default=F("best_score"),
            output_field=FloatField(),
        ),
    )


def _up_from(pk: int) -> RawSQL:
    """The ids of a comment and its ancestors, by their parent links.

    Not by interval (``lft <= x <= rght``): that range scans half the thread's
    index to find a dozen rows; this is one primary-key lookup per level.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    return RawSQL(  # noqa: S611 - a parameter, and our own table name
        f"""
        WITH RECURSIVE up (id, parent_id) AS (
            SELECT id, parent_id FROM {table} WHERE id = %s
            UNION ALL
            SELECT c.id, c.parent_id FROM {table} c JOIN up ON c.id = up.parent_id
        )
        SELECT id FROM up
        """,  # noqa: S608
        [pk],
    )


def _article_count_changed(article_id: int, delta: int) -> int:
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


def article_comment_counts_refresh(article_ids: Iterable[int]) -> None:
    """Count the articles' published comments afresh (after a bulk write; inside atomic())."""
    ids = sorted(set(article_ids))
    if ids:
        published = Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.PUBLISHED)
        Article.objects.filter(pk__in=ids).update(
            comment_count=Coalesce(
                Subquery(
                    published.order_by().values("article").annotate(n=Count("pk")).values("n")
                ),
                0,
            )
        )


# --- Mentions and notifications ---------------------------------------------


def _mentioned_users(text: str) -> list:
    """Active users named with ``@username`` in the text (case-insensitive)."""
    names = mentioned_names(text)
    if not names:
        return []
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    users = get_user_model().objects.filter(query, is_active=True, is_guest=False).order_by("pk")
    found = {}
    for user in users:
        # Two accounts differing only in case: the exact spelling wins, else the older.
        key = user.username.lower()
        if key not in found or user.username == key:
            found[key] = user
    return list(found.values())


def _mention_urls(users: list) -> dict[str, str]:
    return {user.username.lower(): user.get_absolute_url() for user in users}


def _notify(comment: Comment, mentioned: list, *, already: frozenset[int] = frozenset()) -> None:
    """Tell the parent's author about a reply and anyone mentioned; email those who opted in.

    Precondition: inside atomic(). Emails go out after the commit and a
    failing mail server is logged, never raised: the post stands either way.
    """
    recipients: dict[int, str] = {}
    parent_author_id = comment.parent.author_id if comment.parent_id else None
    if parent_author_id and parent_author_id not in already:
        recipients[parent_author_id] = Notification.Kind.REPLY
    for user in mentioned:
        if user.pk not in recipients and user.pk not in already:
            recipients[user.pk] = Notification.Kind.MENTION
    recipients.pop(comment.author_id, None)
    people = {user.pk: user for user in mentioned}
    if parent_author_id is not None:
        people[parent_author_id] = comment.parent.author
    for user_id in list(recipients):
        # Imported guest authors have no inbox to read.
        if people[user_id].is_guest:
            recipients.pop(user_id)
    if not recipients:
        return
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
    emailed = sorted(pk for pk in recipients if people[pk].email_notifications)
    if emailed:
        transaction.on_commit(
            partial(notify.send_notification_emails, comment_id=comment.pk, recipient_ids=emailed),
            robust=True,
        )


def notifications_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark some of a reader's notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def email_notifications_set(*, user, enabled: bool) -> None:
    get_user_model().objects.filter(pk=user.pk).update(email_notifications=enabled)
    user.email_notifications = enabled


# --- Edit and delete --------------------------------------------------------


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


def _ensure_own(comment: Comment, user, doing: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(f"Log in to {doing} your comments.")
    if comment.author_id != user.pk:
        raise PermissionDenied(f"You can only {doing} your own comments.")
    if not user.is_active:
        raise PermissionDenied("This account can't change comments.")


def ensure_can_edit(comment: Comment, user) -> None:
    """Raise PermissionDenied, saying why, unless ``user`` may edit ``comment`` now."""
    _ensure_own(comment, user, "edit")
    # A banned or suspended reader can't post, so can't edit either: an edit
    # would publish new words (and mention, and notify) just as a post would.
    # Withdrawing their own comment stays allowed (comment_delete).
    _ensure_not_blocked(user)
    if comment.status not in (Comment.Status.PUBLISHED, Comment.Status.PENDING):
        raise PermissionDenied("This comment has been deleted or removed and can't be edited.")
    now = timezone.now()
    if now > edit_deadline(comment):
        raise PermissionDenied(
            f"Comments can be edited for {settings.COMMENT_EDIT_MINUTES} minutes after "
            f"posting; this one was posted {timesince(comment.created_at, now, depth=1)} ago."
        )


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
    mentioned = _mentioned_users(text)
    body_html = sanitize_comment(text, mentions=_mention_urls(mentioned))
    # An edit can't bring in what a new comment couldn't: blocked words are
    # refused, and held ones (or too many links) send it back for review.
    held_because = _screen(text, body_html, user, new=False)
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
        CommentRevision.objects.create(
            comment=current,
            body=current.body,
            body_html=current.body_html,
            written_at=current.edited_at or current.created_at,
            replaced_at=now,
        )
        Comment.objects.filter(pk=current.pk).update(body=text, body_html=body_html, edited_at=now)
        current.body, current.body_html, current.edited_at = text, body_html, now
        pagecache.discussion_changed(current.article_id)
        if held_because and current.is_visible:
            current, _ = _set_status(current, Comment.Status.PENDING, reason=held_because)
        if current.is_visible:
            notified = frozenset(
                Notification.objects.filter(comment=current).values_list("recipient_id", flat=True)
            )
            _notify(current, mentioned, already=notified)
    return current


def comment_delete(*, comment: Comment, user) -> Comment:
    """The author withdraws their comment: it reads "[deleted]" and its replies stay.

    The text is kept for moderators (abuse can't be erased by deleting it);
    readers never see it again. Precondition: none; takes the tree lock.
    """
    _ensure_own(comment, user, "delete")
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
            _published_count_changed(current, -1)
            _article_count_changed(current.article_id, -1)
    comment.status = current.status
    comment.descendant_count = current.descendant_count
    return comment


def _ensure_not_blocked(user) -> None:
    blocked = user.posting_block_reason()
    if blocked:
        raise PermissionDenied(blocked)


# --- Moderation -------------------------------------------------------------
#
# Every act checks the actor's permission itself (admin is not the only
# caller), runs in one transaction under the thread's lock, and leaves an
# AuditEntry with the status before and after.


def _require(actor, permission: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise PermissionDenied("You don't have permission to moderate this.")


def _audit(*, actor, action: str, comment: Comment | None = None, **fields) -> AuditEntry:
    if comment is not None:
        fields.setdefault("article_id", comment.article_id)
        fields.setdefault("target_user_id", comment.author_id)
        fields.setdefault("detail", f"Comment {comment.pk}: {comment.body[:200]}")
    return AuditEntry.objects.create(actor=actor, action=action, comment=comment, **fields)


def _set_status(
    comment: Comment, status: str, *, reason: str = "", counts: dict[int, int] | None = None
) -> tuple[Comment, str]:
    """Change the status under the tree lock, keeping the counters; returns (row, old status).

    Precondition: inside atomic(). A comment that becomes published (approved,
    or restored from the bin) is announced (replies, mentions) as if it had just
    been posted, to whoever hasn't been told about it before. With ``counts``,
    the change to its article's comment count is added there for the caller to
    write once it holds every tree lock it needs (see ``_article_count_changed``).
    """
    tree_lock(comment.tree_id)
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    before = current.status
    Comment.objects.filter(pk=current.pk).update(status=status, moderation_reason=reason)
    current.status, current.moderation_reason = status, reason
    pagecache.discussion_changed(current.article_id)
    if (before == Comment.Status.PUBLISHED) != current.is_visible:
        delta = +1 if current.is_visible else -1
        _published_count_changed(current, delta)
        if counts is None:
            _article_count_changed(current.article_id, delta)
        else:
            counts[current.article_id] = counts.get(current.article_id, 0) + delta
    if not current.is_visible:
        # A thread must not lead with "[removed by a moderator]".
        Article.objects.filter(pinned_comment=current).update(pinned_comment=None)
    if before != Comment.Status.PUBLISHED and current.is_visible:
        current.parent = Comment.objects.get(pk=current.parent_id) if current.parent_id else None
        told = frozenset(
            Notification.objects.filter(comment=current).values_list("recipient_id", flat=True)
        )
        _notify(current, _mentioned_users(current.body), already=told)
    comment.status, comment.moderation_reason = status, reason
    return current, before


def comment_status_set(*, comment: Comment, status: str, reason: str = "") -> Comment:
    """Change a comment's status, keeping the counters above it right (no audit: see moderate)."""
    if status not in Comment.Status.values:
        raise ValidationError(f"Unknown comment status {status!r}.")
    with transaction.atomic():
        _set_status(comment, status, reason=reason)
    return comment


# What each moderation act does: (new status, audit action, statuses it applies to).
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


def comment_moderate(*, comment: Comment, actor, act: str, reason: str = "") -> bool:
    """Approve, remove, mark as spam or restore one comment; False when it doesn't apply.

    Removing keeps the replies: readers see "[removed by a moderator]" above
    them. Restoring brings back removed or spam comments (never an author's own
    deletion). Each act is recorded in the audit log with its reason.
    """
    _require(actor, "comments.can_moderate")
    status, action, applies_to = MODERATION[act]
    reason = " ".join(reason.split())[:300]
    if act == "remove" and not reason:
        raise ValidationError("Give a reason for removing the comment.")
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.status not in applies_to:
            return False
        current, before = _set_status(current, status, reason=reason)
        _audit(
            actor=actor,
            action=action,
            comment=current,
            reason=reason,
            before_status=before,
            after_status=status,
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
            Comment.objects.filter(pk__in=_up_from(parent.pk)).update(
                descendant_count=F("descendant_count") - published_gone
            )
        _audit(
            actor=actor,
            action=AuditEntry.Action.HARD_DELETE,
            comment=current,
            before_status=current.status,
            reason=f"{gone} comment(s) deleted with their replies.",
        )
        # Not mptt's delete(): it would close the gap by shifting every edge to
        # the right, and gaps are welcome here (see comments.intervals).
        current.get_descendants(include_self=True).delete()
        _article_count_changed(current.article_id, -published_gone)
        pagecache.discussion_changed(current.article_id)
    return gone


_ALREADY_SPOILERED = re.compile(r"\[spoiler\].*\[/spoiler\]", re.I | re.S)


def comment_retro_spoiler(*, comment: Comment, actor, reason: str = "") -> Comment:
    """Hide a whole comment behind a spoiler warning instead of removing it; tell the author.

    The author's text is kept as an earlier version, as an edit would keep it.
    """
    _require(actor, "comments.can_moderate")
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article", "author")
            .get(pk=comment.pk)
        )
        if not current.is_visible:
            raise ValidationError("Only a published comment can be hidden behind a spoiler.")
        if _ALREADY_SPOILERED.fullmatch(current.body):
            raise ValidationError("This comment is already hidden behind a spoiler warning.")
        inner = re.sub(r"\[/spoiler\]", "", current.body, flags=re.I)
        text = f"[spoiler]{inner}[/spoiler]"
        mentions = _mention_urls(_mentioned_users(text))
        now = timezone.now()
        CommentRevision.objects.create(
            comment=current,
            body=current.body,
            body_html=current.body_html,
            written_at=current.edited_at or current.created_at,
            replaced_at=now,
        )
        body_html = sanitize_comment(text, mentions=mentions)
        Comment.objects.filter(pk=current.pk).update(body=text, body_html=body_html)
        current.body, current.body_html = text, body_html
        pagecache.discussion_changed(current.article_id)
        Notification.objects.update_or_create(
            recipient_id=current.author_id,
            comment=current,
            defaults={"kind": Notification.Kind.SPOILERED, "created_at": now, "read_at": None},
        )
        transaction.on_commit(
            partial(
                notify.send_notification_emails,
                comment_id=current.pk,
                recipient_ids=[current.author_id],
            ),
            robust=True,
        )
        _audit(
            actor=actor,
            action=AuditEntry.Action.SPOILER,
            comment=current,
            reason=reason,
            before_status=current.status,
            after_status=current.status,
        )
    return current


def comment_flags_dismiss(*, comment: Comment, actor, reason: str = "") -> int:
    """A moderator looked at the flags and keeps the comment: it leaves the Flagged queue.

    The flags stay on record (dismissed, by whom and when); returns how many.
    """
    _require(actor, "comments.can_moderate")
    with transaction.atomic():
        dismissed = CommentFlag.objects.filter(comment=comment, dismissed_at=None).update(
            dismissed_at=timezone.now(), dismissed_by=actor
        )
        if dismissed:
            _audit(
                actor=actor,
                action=AuditEntry.Action.DISMISS,
                comment=comment,
                reason=" ".join(reason.split())[:300] or f"{dismissed} flag(s) dismissed.",
                before_status=comment.status,
                after_status=comment.status,
            )
    return dismissed


def comment_pin(*, comment: Comment, actor, pinned: bool = True) -> None:
    """Show a top-level comment first in its discussion (one per article), or unpin it."""
    _require(actor, "comments.can_moderate")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=comment.article_id)
        comment = Comment.objects.get(pk=comment.pk)  # as it is now, under the article's lock
        if pinned and (comment.parent_id is not None or not comment.is_visible):
            raise ValidationError("Only a published top-level comment can be pinned.")
        if not pinned and article.pinned_comment_id != comment.pk:
            return
        Article.objects.filter(pk=article.pk).update(pinned_comment=comment if pinned else None)
        pagecache.discussion_changed(article.pk)
        _audit(
            actor=actor,
            action=AuditEntry.Action.PIN if pinned else AuditEntry.Action.UNPIN,
            comment=comment,
        )


def comment_pick(*, comment: Comment, actor, picked: bool = True) -> None:
    """Mark a comment an Editor's pick, or take the badge away."""
    _require(actor, "comments.can_moderate")
    if picked and not Comment.objects.filter(pk=comment.pk).published().exists():
        raise ValidationError("Only a published comment can be an Editor's pick.")
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk).exclude(is_editors_pick=picked)
        if changed.update(is_editors_pick=picked):
            pagecache.discussion_changed(comment.article_id)
            _audit(
                actor=actor,
                action=AuditEntry.Action.PICK if picked else AuditEntry.Action.UNPICK,
                comment=comment,
            )
    comment.is_editors_pick = picked


def article_comments_set(*, article: Article, actor, open_: bool) -> None:
    """Close an article's comments (existing ones stay, no new ones) or reopen them."""
    _require(actor, "articles.moderate_discussion")
    with transaction.atomic():
        if (
            Article.objects.filter(pk=article.pk)
            .exclude(comments_open=open_)
            .update(comments_open=open_)
        ):
            pagecache.discussion_changed(article.pk)
            _audit(
                actor=actor,
                action=AuditEntry.Action.OPEN if open_ else AuditEntry.Action.CLOSE,
                article=article,
                detail=article.title[:300],
            )
    article.comments_open = open_


def user_suspend(*, user, actor, until: datetime | None, reason: str) -> None:
    """Stop a reader posting, replying, liking and flagging until ``until``, or for good (a ban).

    They are told why, and until when, the next time they try.
    """
    _require(actor, "accounts.moderate_user")
    reason = " ".join(reason.split())[:300]
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
        _audit(
            actor=actor,
            action=AuditEntry.Action.BAN if until is None else AuditEntry.Action.SUSPEND,
            target_user=user,
            reason=reason,
            detail=user.username
            + (f" until {until:%Y-%m-%d %H:%M %Z}" if until is not None else ", no end date"),
        )
    user.banned, user.suspended_until, user.moderation_reason = until is None, until, reason


def user_reinstate(*, user, actor) -> None:
    _require(actor, "accounts.moderate_user")
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(
            banned=False, suspended_until=None, moderation_reason=""
        )
        _audit(
            actor=actor, action=AuditEntry.Action.REINSTATE, target_user=user, detail=user.username
        )
    user.banned, user.suspended_until, user.moderation_reason = False, None, ""


def user_remove_all_comments(*, user, actor, reason: str) -> int:
    """Remove every shown comment a reader wrote (a spammer), in one go; returns how many."""
    _require(actor, "comments.can_moderate")
    reason = " ".join(reason.split())[:300] or "All of this reader's comments removed."
    with transaction.atomic():
        targets = list(
            Comment.objects.filter(
                author=user, status__in=[Comment.Status.PUBLISHED, Comment.Status.PENDING]
            ).order_by("tree_id", "pk")  # one lock order, so no deadlock with other writers
        )
        counts: dict[int, int] = {}
        for comment in targets:
            current, before = _set_status(
                comment, Comment.Status.REMOVED, reason=reason, counts=counts
            )
            _audit(
                actor=actor,
                action=AuditEntry.Action.REMOVE,
                comment=current,
                reason=reason,
                before_status=before,
                after_status=current.status,
            )
        for article_id, delta in sorted(counts.items()):
            _article_count_changed(article_id, delta)
        _audit(
            actor=actor,
            action=AuditEntry.Action.REMOVE_ALL,
            target_user=user,
            reason=reason,
            detail=f"{user.username}: {len(targets)} comment(s)",
        )
    return len(targets)


# --- Likes and flags --------------------------------------------------------


def comment_like_toggle(*, comment: Comment, user) -> Comment:
    """Like the comment, or take the like back; returns ``comment`` with the new count.

    ``comment.liked`` says which. Authors can't like their own comments.
    The comment's row lock serialises toggles, so the count always equals
    the number of likes.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Log in to like comments.")
    _ensure_not_blocked(user)
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
    _ensure_not_blocked(user)
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


# --- Reading state ----------------------------------------------------------

# Page loads closer together than this are one visit: reloading or paging
# through a discussion keeps highlighting what was new when the visit began.
VISIT_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Visit:
    """A signed-in reader's visit to an article, and what is new to them since the one before."""

    previous: datetime | None  # when the visit before this one began (None: first visit)
    new_count: int = 0  # published comments by others since then (at most NEW_LIMIT)
    first_new_id: int | None = None  # the earliest of them


NEW_LIMIT = 1000


def article_visit_record(*, user, article: Article) -> Visit:
    """Note that a signed-in reader is reading an article; say what is new to them.

    One statement: the visit upsert, and from its previous time the count of
    newer comments by others and the earliest of them.
    """
    now = timezone.now()
    visits = connection.ops.quote_name(ArticleVisit._meta.db_table)
    comments = connection.ops.quote_name(Comment._meta.db_table)
    newer = f"""
        FROM {comments} c
        WHERE c.article_id = %(article)s AND c.status = 'published'
          AND c.author_id <> %(user)s AND c.created_at > v.previous_seen_at
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH v AS (
                INSERT INTO {visits} AS v (user_id, article_id, last_seen_at, previous_seen_at)
                VALUES (%(user)s, %(article)s, %(now)s, NULL)
                ON CONFLICT (user_id, article_id) DO UPDATE SET
                    previous_seen_at = CASE WHEN v.last_seen_at < %(now)s - %(gap)s
                                            THEN v.last_seen_at ELSE v.previous_seen_at END,
                    last_seen_at = EXCLUDED.last_seen_at
                RETURNING previous_seen_at
            )
            SELECT v.previous_seen_at,
                   (SELECT count(*) FROM (SELECT 1 {newer} LIMIT %(limit)s) n),
                   (SELECT c.id {newer} ORDER BY c.created_at, c.id LIMIT 1)
            FROM v
            """,  # noqa: S608 - the table names are ours, every value a parameter
            {
                "user": user.pk,
                "article": article.pk,
                "now": now,
                "gap": VISIT_GAP,
                "limit": NEW_LIMIT,
            },
        )
        previous, count, first = cursor.fetchone()
    return Visit(previous=previous, new_count=count or 0, first_new_id=first)


def sort_remember(*, user, sort: Sort) -> None:
    """Keep a signed-in reader's chosen sort for the pages whose URL names none."""
    if user.is_authenticated and user.comment_sort != sort:
        get_user_model().objects.filter(pk=user.pk).update(comment_sort=sort)
        user.comment_sort = sort


# --- Imports ----------------------------------------------------------------


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
    from comments.importing.loader import import_records

    return import_records(records=records, dry_run=dry_run, progress=progress, threads=threads)
