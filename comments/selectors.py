"""Named reads of discussions: what each page shows, in a fixed number of queries.

Every discussion page is drawn from one recursive query (``_load``): a page of
comments at one level (an article's top-level threads, or the replies to one
comment), then, level by level, the first ``COMMENT_REPLIES_SHOWN`` replies of
each comment in the same sort, down to the visual depth cap and within
``COMMENT_PAGE_BUDGET`` comments. So a page costs what it shows, however big
the discussion is; what it leaves out is one "N more replies", "Continue this
thread" or "Load more comments" away.

What a page gets is typed: ``discussion()`` returns a ``Discussion`` of
``comments.display.ShownComment`` objects (the row, plus what this reader may
see and do with it), and the replies fragment and a permalink get the same
objects, so every page, fragment, feed and API draws one shape. Reads only:
the writes a page view makes first (the visit, the remembered sort) are the
services', called by ``comments.pages``. The moderation console's reads are
in ``comments.queues``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article
from comments import spoilers
from comments.display import ShownComment, walk
from comments.models import ArticleVisit, Comment, CommentFlag, CommentLike
from comments.ranking import DEFAULT_SORT, Sort, order_sql, sort_from
from comments.rules import NEW_LIMIT, can_delete, can_edit, is_unseen, shows_text
from trekboard.queries import execute_prepared, row_instance
from trekboard.replicas import read_connection

# Shown on a page: published, or a placeholder that still holds published
# replies, or the reader's own comment awaiting moderation. A withdrawn or
# removed comment nobody answered simply disappears.
_SHOWN = (
    "(c.status = 'published' OR c.descendant_count > 0"
    " OR (c.status = 'pending' AND c.author_id = %(viewer)s))"
)


_THREAD_DEFERRED = (
    *("body", "body_format", "search_text", "search_vector"),
    *("ip_address", "moderation_reason", "source_key"),
    "author__password",
    "author__last_login",
    "author__is_superuser",
    "author__email",
    "author__is_active",
    "author__date_joined",
    "author__bio",
    "author__comment_sort",
    "author__suspended_until",
    "author__banned",
    "author__moderation_reason",
    "author__email_notifications",
    "author__username_skeletons",  # an array: parsed into a list per row, and only sign-up reads it
)


def comments_readable_by(*, user) -> QuerySet[Comment]:
    """Comments on the articles this user may open (drafts only for staff)."""
    return Comment.objects.filter(article__in=Article.objects.visible_to(user)).select_related(
        "article", "author"
    )


FEED_COMMENTS = 30


def feed_comments(*, article: Article, limit: int = FEED_COMMENTS) -> list[Comment]:
    """The article's newest comments as anyone may read them, for its feed: published only.

    The rule of the discussion for a reader who isn't signed in (``_SHOWN``
    without their own pending comments; a placeholder has no text to syndicate).
    """
    rows = (
        Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED)
        .select_related("author")
        .order_by("-created_at", "-pk")[:limit]
    )
    # Nobody in particular reads a feed: every open spoiler window is covered.
    return spoilers.cover_rows(rows, user=AnonymousUser())


def flag_by(*, comment: Comment, user) -> CommentFlag | None:
    """The flag ``user`` put on ``comment``, if any (shown to them on its page)."""
    return CommentFlag.objects.filter(comment=comment, user=user).first()


def comment_count(*, article: Article) -> int:
    """The article's published comments as they are now (its counter, re-read)."""
    return Article.objects.values_list("comment_count", flat=True).get(pk=article.pk)


def sort_for(*, request_value: str | None, user) -> Sort:
    """The sort a page uses: the URL's, else the reader's remembered one, else Best."""
    chosen = sort_from(request_value)
    if chosen is not None:
        return chosen
    if user.is_authenticated:
        return sort_from(user.comment_sort) or DEFAULT_SORT
    return DEFAULT_SORT


@dataclass
class _Loaded:
    tops: list[ShownComment]
    has_more: bool
    total: int | None  # of the first level, when asked for
    published_count: int | None = None  # of the article, when asked for


def _columns(model, alias: str, deferred: set[str]) -> tuple[list[str], str]:
    """The attnames a page reads of ``model`` and their SQL select list."""
    fields = [f for f in model._meta.concrete_fields if f.name not in deferred]
    names = [f.attname for f in fields]
    sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
    return names, sql


_COMMENT_FIELDS = None


def _row_columns() -> tuple[list[str], list[str], str]:
    """(comment attnames, author attnames, select SQL): worked out once per process."""
    global _COMMENT_FIELDS
    if _COMMENT_FIELDS is None:
        own = {name for name in _THREAD_DEFERRED if "__" not in name}
        authors = {name.split("__", 1)[1] for name in _THREAD_DEFERRED if "__" in name}
        comment_names, comment_sql = _columns(Comment, "c", own)
        author_model = Comment._meta.get_field("author").related_model
        author_names, author_sql = _columns(author_model, "u", authors)
        _COMMENT_FIELDS = (comment_names, author_names, f"{comment_sql}, {author_sql}")
    return _COMMENT_FIELDS


def _load(
    *,
    where: str,
    params: dict,
    sort: Sort,
    offset: int,
    limit: int,
    max_level: int,
    user,
    pinned_id: int | None = None,
    count_first_level: bool = False,
    count_article: int | None = None,
) -> _Loaded:
    """Load one page of comments at one level with the replies a page shows under them.

    ``where`` selects the first level (SQL over alias ``c`` with named
    ``params``). Replies are expanded under comments whose level is below
    ``max_level``; ``pinned_id`` comes first at the first level. One query:
    the recursive walk, joined to the rows and their authors (and, with
    ``count_article``, that article's count of published comments).
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    users = connection.ops.quote_name(
        Comment._meta.get_field("author").related_model._meta.db_table
    )
    comment_names, author_names, columns_sql = _row_columns()
    count_sql = "NULL::bigint"
    if count_article is not None:
        # Read in the same statement as the comments, so the count matches them.
        articles = connection.ops.quote_name(Article._meta.db_table)
        count_sql = f"(SELECT comment_count FROM {articles} n WHERE n.id = %(count_article)s)"  # noqa: S608
    total_sql = "count(*) OVER ()" if count_first_level else "NULL::bigint"
    # The reader's likes ride along (one index probe a row), rather than a query of their own.
    liked_sql = "false"
    if user.is_authenticated:
        likes = connection.ops.quote_name(CommentLike._meta.db_table)
        liked_sql = (
            f"EXISTS (SELECT 1 FROM {likes} l WHERE l.comment_id = c.id AND l.user_id = %(viewer)s)"  # noqa: S608
        )
    first_order = order_sql(sort, "c")
    if pinned_id is not None:
        first_order = f"(c.id = %(pinned)s) DESC, {first_order}"
    sql = f"""
        WITH RECURSIVE
        first_level AS MATERIALIZED (
            SELECT c.id, c.level, c.siblings,
                   %(offset)s + row_number() OVER (ORDER BY {first_order}) AS rank
            FROM (
                SELECT c.*, {total_sql} AS siblings FROM {table} c
                WHERE {where} AND {_SHOWN}
                ORDER BY {first_order}
                LIMIT %(limit_plus_one)s OFFSET %(offset)s
            ) c
        ),
        walk (id, level, parent_id, rank, siblings) AS (
            SELECT id, level, NULL::bigint, rank, siblings FROM first_level
            WHERE rank <= %(last_rank)s
            UNION ALL
            SELECT r.id, r.level, r.parent_id, r.rank, r.siblings
            FROM walk w CROSS JOIN LATERAL (
                SELECT c.id, c.level, c.parent_id,
                       row_number() OVER (ORDER BY {order_sql(sort, "c")}) AS rank,
                       count(*) OVER () AS siblings
                FROM {table} c
                WHERE c.parent_id = w.id AND {_SHOWN}
                ORDER BY {order_sql(sort, "c")}
                LIMIT %(replies_shown)s
            ) r
            WHERE w.level < %(max_level)s
        )
        ,
        picked AS (
            SELECT id, parent_id, rank, siblings FROM (SELECT * FROM walk LIMIT %(budget)s) shown
            UNION ALL
            SELECT id, NULL, rank, -1 FROM first_level WHERE rank > %(last_rank)s
        )
        SELECT p.parent_id, p.rank, p.siblings, {count_sql}, {liked_sql}, {spoilers.sql()},
               {columns_sql}
        FROM picked p JOIN {table} c ON c.id = p.id JOIN {users} u ON u.id = c.author_id
    """  # noqa: S608 - table and ORDER BY come from our own constants; values are parameters
    values = {
        **params,
        "viewer": user.pk if user.is_authenticated else 0,
        "pinned": pinned_id,
        "offset": offset,
        "limit_plus_one": limit + 1,
        "last_rank": offset + limit,
        "replies_shown": settings.COMMENT_REPLIES_SHOWN,
        "max_level": max_level,
        "budget": settings.COMMENT_PAGE_BUDGET,
        "count_article": count_article,
    }
    reader = read_connection()  # a replica's, when there are any
    with reader.cursor() as cursor:
        execute_prepared(cursor, sql, values)
        rows = cursor.fetchall()
    published_count = rows[0][3] if rows else (0 if count_article is not None else None)
    has_more = any(row[2] == -1 for row in rows)
    rows = [row for row in rows if row[2] != -1]
    if not rows:
        return _Loaded(
            tops=[],
            has_more=has_more,
            total=0 if count_first_level else None,
            published_count=published_count,
        )
    author_model = Comment._meta.get_field("author").related_model
    split = 6 + len(comment_names)
    # Read off the row, not the model: a foreign key's attribute is a descriptor.
    id_at, author_at, parent_at = (
        6 + comment_names.index(name) for name in ("id", "author_id", "parent_id")
    )
    by_id: dict[int, ShownComment] = {}
    meta: dict[int, tuple[int | None, int, int]] = {}
    db = reader.alias
    authors: dict[int, object] = {}  # one model per person, however many comments they wrote
    for row in rows:
        comment = row_instance(Comment, db, comment_names, row[6:split])
        # As MPTTModel.__init__ would: the parent it was read with, for a later save().
        comment._mptt_cached_fields = {"parent": row[parent_at]}
        author = authors.get(row[author_at])
        if author is None:
            author = authors[row[author_at]] = row_instance(
                author_model, db, author_names, row[split:]
            )
        comment._state.fields_cache = {"author": author}
        pk = row[id_at]
        airings, watched = spoilers.from_column(row[5])
        by_id[pk] = ShownComment(comment, liked=row[4], airings=airings, watched=watched)
        meta[pk] = (row[0], row[1], row[2])
    first_total = None

    children: dict[int, list[tuple[int, ShownComment]]] = {}
    tops: list[tuple[int, ShownComment]] = []
    for pk, (parent_id, rank, siblings) in meta.items():
        node = by_id[pk]
        if parent_id is None:
            tops.append((rank, node))
            first_total = siblings
        else:
            children.setdefault(parent_id, []).append((rank, node))

    ordered_tops = [node for _, node in sorted(tops, key=lambda pair: pair[0])]
    for node in ordered_tops:
        _attach(node, children, meta)
    return _Loaded(
        tops=ordered_tops,
        has_more=has_more,
        total=first_total,
        published_count=published_count,
    )


def _attach(
    node: ShownComment,
    children: dict[int, list[tuple[int, ShownComment]]],
    meta: dict[int, tuple[int | None, int, int]],
) -> None:
    """Link under ``node`` the replies the page shows, and note what it leaves out.

    Not a closure: a recursive closure refers to itself, a cycle that kept the
    page's whole tree alive until the garbage collector came by."""
    kids = sorted(children.get(node.pk, []), key=lambda pair: pair[0])
    # The budget may cut a level anywhere; keep each parent's replies a
    # prefix of its sort order so that "N more replies" continues exactly.
    for expected, (rank, child) in enumerate(kids, start=1):
        if rank != expected:
            break
        node.replies.append(child)
        _attach(child, children, meta)
    node.next_offset = len(node.replies)
    if kids:
        node.more_replies = meta[kids[0][1].pk][2] - len(node.replies)
    if not node.replies and node.comment.descendant_count:
        # Past the depth cap, or the budget ran out before its replies.
        node.continue_thread = True


def for_reader(
    nodes: list[ShownComment],
    *,
    user,
    since: datetime | None = None,
    watched: frozenset[int] = frozenset(),
) -> list[ShownComment]:
    """Mark what each comment shows this reader: its text, a placeholder or a spoiler's cover;
    their buttons; "New".

    ``since``: the reader's previous visit; comments by others after it are unseen.
    ``watched``: the releases an anonymous reader's cookie says they've watched.
    """
    signed_in = user.is_authenticated
    # request.user is a lazy proxy: every attribute read below would go through
    # it, a few hundred times a page. Ask the user it wraps.
    user = getattr(user, "_wrapped", user)
    now = timezone.now()
    # Marked comments read through the ORM come without their release: one query for them all.
    bare = [n.comment.spoils_id for n in walk(nodes) if n.airings is None and n.comment.spoils_id]
    known = spoilers.airings_of(bare, user=user) if bare else {}
    for node in walk(nodes):
        comment = node.comment
        own = signed_in and comment.author_id == user.pk
        node.is_own = own
        node.shows_text = shows_text(comment, user=user)
        node.editable = can_edit(comment, user)
        node.deletable = can_delete(comment, user)
        node.is_unseen = is_unseen(comment, since=since, own=own)
        if comment.spoils_id in known:
            node.airings, node.watched = known[comment.spoils_id]
        if node.airings is not None:
            node.watched = node.watched or node.airings.release_id in watched
            # A writer reads their own words; the rest wait for the reader.
            node.covered = (
                node.shows_text
                and not own
                and spoilers.covers(node.airings, watched=node.watched, user=user, now=now)
            )
    return nodes


def _liked_by(comment: Comment, user) -> bool:
    """Whether ``user`` likes this one comment: a query for a signed-in reader."""
    return bool(
        user.is_authenticated and CommentLike.objects.filter(user=user, comment=comment).exists()
    )


def shown(
    comment: Comment,
    *,
    user,
    liked: bool | None = None,
    fresh: bool = False,
    watched: frozenset[int] = frozenset(),
) -> ShownComment:
    """One comment on its own (just posted or changed), as ``user`` sees it.

    Whether the reader liked it costs a query unless the caller knows
    (``liked``), the reader is anonymous, or it was written in this request
    (``fresh``: nobody has liked it yet).
    """
    if liked is None:
        liked = not fresh and _liked_by(comment, user)
    return for_reader([ShownComment(comment, liked=liked)], user=user, watched=watched)[0]


@dataclass(frozen=True)
class NewSince:
    count: int
    first: Comment | None

    @classmethod
    def from_visit(cls, visit) -> NewSince:
        first = Comment(pk=visit.first_new_id) if visit.first_new_id else None
        return cls(count=visit.new_count, first=first)


def new_since(*, article: Article, user, since: datetime | None) -> NewSince:
    """Published comments by others newer than the reader's previous visit, and the earliest."""
    if since is None or not user.is_authenticated:
        return NewSince(count=0, first=None)
    rows = list(
        Comment.objects.for_article(article)
        .published()
        .filter(created_at__gt=since)
        .exclude(author=user)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:NEW_LIMIT]
    )
    if not rows:
        return NewSince(count=0, first=None)
    return NewSince(count=len(rows), first=Comment(pk=rows[0]))


def previous_visit(*, user, article: Article) -> datetime | None:
    if not user.is_authenticated:
        return None
    return (
        ArticleVisit.objects.filter(user=user, article=article)
        .values_list("previous_seen_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class ThreadPage:
    threads: list[ShownComment]
    sort: Sort
    page: int
    has_next: bool
    comment_count: int | None = None  # the article's published comments (None: not read)

    @property
    def next_page(self) -> int:
        return self.page + 1


def thread_page(*, article: Article, sort: Sort, page: int, user) -> ThreadPage:
    """One page of an article's top-level threads with the replies shown under them.

    The pinned comment, if any, leads the first page whatever the sort.
    """
    per_page = settings.COMMENT_THREADS_PER_PAGE
    loaded = _load(
        where="c.article_id = %(article)s AND c.parent_id IS NULL",
        params={"article": article.pk},
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
        max_level=settings.COMMENT_VISUAL_DEPTH - 1,
        user=user,
        pinned_id=article.pinned_comment_id,
        count_article=article.pk,
    )
    return ThreadPage(
        threads=loaded.tops,
        sort=sort,
        page=page,
        has_next=loaded.has_more,
        comment_count=loaded.published_count,
    )


@dataclass(frozen=True)
class Discussion:
    """An article's discussion as one reader sees one page of it: what every view of it draws.

    The article page, the "Load more comments" and re-sort fragments (and the
    feeds and API to come) all start from this. ``comment_count``,
    ``new_since`` belong to the discussion's head, read only when ``head``
    was asked for (None otherwise).
    """

    article: Article
    threads: list[ShownComment]
    sort: Sort
    page: int
    has_next: bool
    comment_count: int | None = None
    new_since: NewSince | None = None
    sorts: ClassVar[type[Sort]] = Sort

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def first_new_on_page(self) -> bool:
        """Whether "Jump to the first" new comment can stay on this page (else its permalink)."""
        first = self.new_since.first if self.new_since is not None else None
        return first is not None and any(node.pk == first.pk for node in walk(self.threads))


def discussion(
    *,
    article: Article,
    reader,
    sort: Sort,
    page: int = 1,
    since: datetime | None = None,
    visit=None,
    head: bool = True,
    watched: frozenset[int] = frozenset(),
) -> Discussion:
    """One page of an article's discussion for ``reader``, marked for them.

    ``since`` is the reader's previous visit (comments after it are "New");
    ``visit``, when the caller just recorded one (``services.article_visit_record``),
    already counted what is new, so the head costs no query of its own.
    """
    loaded = thread_page(article=article, sort=sort, page=page, user=reader)
    for_reader(loaded.threads, user=reader, since=since, watched=watched)
    without_head = Discussion(
        article=article,
        threads=loaded.threads,
        sort=sort,
        page=page,
        has_next=loaded.has_next,
    )
    if not head:
        return without_head
    count = loaded.comment_count
    return replace(
        without_head,
        comment_count=count if count is not None else comment_count(article=article),
        new_since=NewSince.from_visit(visit)
        if visit is not None
        else new_since(article=article, user=reader, since=since),
    )


@dataclass(frozen=True)
class ReplyPage:
    replies: list[ShownComment]
    offset: int
    more: int  # replies after this batch


def reply_page(*, parent: Comment, sort: Sort, offset: int, base_level: int, user) -> ReplyPage:
    """The next batch of replies to one comment, each with the replies shown under it."""
    loaded = _load(
        where="c.parent_id = %(parent)s",
        params={"parent": parent.pk},
        user=user,
        sort=sort,
        offset=offset,
        limit=settings.COMMENT_REPLIES_SHOWN,
        max_level=base_level + settings.COMMENT_VISUAL_DEPTH - 1,
        count_first_level=True,
    )
    shown = offset + len(loaded.tops)
    more = max((loaded.total or 0) - shown, 0)
    return ReplyPage(replies=loaded.tops, offset=shown, more=more)


@dataclass(frozen=True)
class CommentContext:
    comment: ShownComment  # with its first replies linked
    ancestors: list[Comment]
    replies: ReplyPage


def comment_context(
    *, comment: Comment, sort: Sort, user, offset: int = 0, watched: frozenset[int] = frozenset()
) -> CommentContext:
    """A permalink's focus with the chain of comments it answers and a page of its replies.

    The replies' likes come with them; the focus's own is one more query for a
    signed-in reader.
    """
    ancestors = spoilers.cover_rows(
        comment.get_ancestors().select_related("author"), user=user, watched=watched
    )
    replies = reply_page(
        parent=comment, sort=sort, offset=offset, base_level=comment.level, user=user
    )
    since = previous_visit(user=user, article=comment.article)
    focus = ShownComment(
        comment,
        replies=replies.replies,
        more_replies=replies.more,
        next_offset=replies.offset,
        liked=_liked_by(comment, user),
    )
    for_reader([focus], user=user, since=since, watched=watched)
    return CommentContext(comment=focus, ancestors=ancestors, replies=replies)
