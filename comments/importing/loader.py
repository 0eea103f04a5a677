"""The import writer: an export's records in, articles, users and comment threads out.

``comments.services.discussions_import`` is the entry point; this module does
the work. Besides ``comments.services`` only it and the discussion generator
(``comments.generate``) write comments, because the services'
one-comment-at-a-time path (a lock, a ``MAX(tree_id)``, an mptt insert and
counter updates per comment) would take hours for a large export. Instead
each thread is built in memory (``comments.treebuild``) and written with
``bulk_create``, with every tree field and counter already right, and the
trees written are then checked with ``check_comment_tree``'s queries before
the transaction commits.

What the import guarantees:

* **One transaction.** Any error, including an ``ImportFileError`` a parser
  raises halfway through the file, rolls back everything, so the database is
  as it was. ``dry_run`` does all the work and rolls back at the end.
* **Idempotent.** Articles and comments are keyed on their ``source_key``; a
  record whose key is already stored is counted as already imported and
  written again never. Users are matched the same way every run (below).
* **Valid trees.** ``new_tree_lock()`` is taken once, before the first new
  thread is written, and held to the commit, so new tree ids run on from
  ``MAX(tree_id)`` without a gap or a clash; site readers can't start a new
  top-level comment until the import ends (replies are not held up). Every
  tree written is checked before the commit; a violation raises
  ``ImportIntegrityError`` and nothing is kept.
* **One import at a time**, under an advisory lock of its own, so two runs
  of one file can't both find its keys free.

Decisions:

* **Buffering.** Comments are kept in memory (as records, never XML) until
  the next article begins, then written: a WordPress file lists an item's
  comments right after it, so only one article's comments are held at a time.
  A Disqus file lists every thread before any post, so all its posts are held
  until the end of the file, the price of resolving parents that may come
  later in the file. A reply whose parent was written by an earlier batch, or
  by an earlier import, is attached to that thread by renumbering the whole
  thread under its ``tree_lock``, as mptt's ``partial_rebuild`` would.
* **Parents.** A comment whose parent is not in the file (nor stored) becomes
  top-level and is listed in ``Summary.orphans``; so is one caught in a cycle
  of parents. Replies are ordered by date (then file order) in the tree.
* **Statuses.** published, pending, spam and removed (this site's own
  exports) are kept; a deleted comment is kept (as "deleted by its author",
  text hidden) only when replies hang under it, else skipped. No
  notifications are sent and no likes are made.
* **Text.** Bodies go through ``sanitize_comment`` as posted comments do, with
  ``@username`` linked when such a reader exists here, so a WXR export of this
  site imports back to the same HTML. No length limit is applied: the comment
  was accepted where it was written. A comment without a date gets its
  article's publication date, or the time of the import.
* **Authors.** A registered author (``AuthorRecord``, or a comment's
  ``author_login``) is matched to an existing account by email, then by
  username unless that account's email says it is someone else; otherwise an
  account is created with an unusable password. A guest becomes an
  ``is_guest`` user named ``guest-<hash of name and email>``, so the same
  guest is found again on the next run; guests have no usable password and
  can't sign in. An empty name is "Anonymous".
* **Articles** are created through ``article_save`` (which sanitizes the
  body; an empty body gets a line linking to the original, as the field is
  required). The slug is the source's when free, else made from the title,
  with a number added until it is free. A published article without a date
  is dated now.
* **Threads** (``threads=True``, Disqus). Disqus keeps a thread for every
  page its embed ever loaded, so a thread is looked up only once comments are
  to be written to it; the others are listed as skipped. It matches, in
  order: an article imported from it before (``source_key``); an earlier
  thread of this file with the same link (http and https copies); an article
  of this site whose URL its link or identifier is; an article whose slug is
  the last segment of that path ("…/2011/03/podcast-229/", "…/229_8880.html")
  or the identifier itself. Otherwise it is created, with that last segment
  as its slug, so a later file's copy of the thread finds it. The source link
  is not stored (there is no field for it): a thread whose link has no usable
  last segment is found again only through its ``source_key``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.html import escape
from django.utils.text import slugify

from articles.models import Article, Tag
from articles.services import article_save
from comments import pagecache
from comments.importing.records import (
    ArticleRecord,
    AuthorRecord,
    CommentRecord,
    Skipped,
    Summary,
)
from comments.models import Comment
from comments.ranking import best_score
from comments.sanitize import mentioned_names, normalize, sanitize_comment
from comments.treebuild import (
    TreeNode,
    allocate_comment_ids,
    first_free_tree_id,
    number_tree as _number_tree,
)

BATCH_SIZE = 2000
LOCK_NAMESPACE_IMPORT = 0x494D5054  # "IMPT", beside comments.services' TREE and ROOT
# Keys per "which of these are stored already?" query.
LOOKUP_CHUNK = 5000
ANONYMOUS = "Anonymous"
STATUSES = {
    "published": Comment.Status.PUBLISHED,
    "pending": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "removed": Comment.Status.REMOVED,  # by a moderator here, before an export
    "deleted": Comment.Status.DELETED,
}
_USERNAME_INVALID = re.compile(r"[^\w.@+-]+")
_PAGE_SUFFIX = re.compile(r"\.(html?|php|aspx?)$", re.I)


class ImportIntegrityError(Exception):
    """The threads built don't pass check_comment_tree; nothing was written."""


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def import_records(
    *,
    records: Iterable[object],
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    threads: bool = False,
) -> Summary:
    """Write a parser's records in one transaction and say what was (or would be) done.

    ``progress`` is called with the number of comments each batch wrote.
    ``threads`` says the article records are discussion threads (Disqus): each
    is matched to an existing article by its link or identifier, or else
    created, and only when comments are written to it. Raises whatever the
    records' iterator raises (``ImportFileError``) or ``ImportIntegrityError``;
    nothing is written then.
    """
    loader = _Loader(progress=progress, threads=threads)
    try:
        with transaction.atomic():
            loader.run(records)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return loader.summary


def summary_lines(summary: Summary, *, dry_run: bool = False) -> list[str]:
    """The summary in words, one line per fact, for a command to print."""

    def count(n: int, singular: str, plural: str | None = None) -> str:
        return f"{n:,} {singular if n == 1 else plural or singular + 's'}"

    matched = summary.articles_matched
    lines = [
        ("Would import" if dry_run else "Imported")
        + f": {count(summary.articles, 'article')}"
        + (f" (and {count(matched, 'existing article')} matched)" if matched else "")
        + f", {count(summary.comments, 'comment')},"
        + f" {count(summary.users, 'user')}, {count(summary.guests, 'guest author')}.",
        f"Already imported (left as they are): {count(summary.already_imported, 'item')}.",
    ]
    if summary.orphans:
        shown = ", ".join(summary.orphans[:20])
        more = f" and {len(summary.orphans) - 20:,} more" if len(summary.orphans) > 20 else ""
        lines.append(
            f"Parent not in the file, made top-level: {count(len(summary.orphans), 'comment')}"
            f" ({shown}{more})."
        )
    if summary.skipped:
        reasons = Counter((item.kind, item.reason) for item in summary.skipped)
        lines.append("Skipped:")
        lines.extend(
            f"  {count(n, kind)}: {reason}" for (kind, reason), n in sorted(reasons.items())
        )
    return lines


# --- Comment nodes ----------------------------------------------------------


class _Node(TreeNode):
    """One comment of a thread being built: a record to write, or a stored row to renumber."""

    __slots__ = ("article_id", "author_id", "old", "orphan", "record", "stored_parent")

    def __init__(self, *, record: CommentRecord | None, order: int) -> None:
        # ``order``: file order for new comments, the primary key for stored ones.
        super().__init__(order=order)
        self.record = record
        self.article_id: int | None = None
        self.author_id: int | None = None
        self.stored_parent: tuple[int, int, int] | None = None  # (id, tree id, article id)
        self.orphan = False
        self.old: tuple | None = None  # a stored row's tree fields and counters as read

    def sort_key(self) -> tuple:
        return (self.created_at, self.record is not None, self.order)


def _subtree(top: _Node) -> list[_Node]:
    """``top`` and everything below it, each node before its descendants."""
    found, stack = [], [top]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


# --- The loader -------------------------------------------------------------


@dataclass
class _ArticleInfo:
    pk: int
    published_at: datetime | None


@dataclass
class _Thread:
    """A discussion thread (Disqus) not yet looked up: it becomes an article only with comments."""

    record: ArticleRecord
    order: int

    @property
    def published_at(self) -> datetime | None:
        return _aware(self.record.published_at)


class _Loader:
    def __init__(self, *, progress: Callable[[int], None] | None, threads: bool) -> None:
        self.summary = Summary()
        self.progress = progress
        self.threads = threads
        self.now = timezone.now()
        # Source key -> the article, a thread not looked up yet, or None (not imported).
        self.articles: dict[str, _ArticleInfo | _Thread | None] = {}
        self.links: dict[str, int] = {}  # article links seen in this run -> article
        self.logins: dict[str, int] = {}  # lower-cased login -> user id
        self.guests: dict[str, int] = {}  # guest identity hash -> user id
        self.pending: dict[str, list[CommentRecord]] = defaultdict(list)
        self.next_tree_id: int | None = None
        self.trees_written: set[int] = set()
        self.order = 0

    def run(self, records: Iterable[object]) -> None:
        with connection.cursor() as cursor:
            # One import at a time: two runs of one file would both find its
            # keys free, and the second would fail on the unique constraint.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE_IMPORT])
        for record in records:
            if isinstance(record, CommentRecord):
                self.pending[record.article_key].append(record)
            elif isinstance(record, ArticleRecord):
                self._flush()
                self._article(record)
            elif isinstance(record, AuthorRecord) and record.login.strip():
                self._registered_user(
                    record.login,
                    email=record.email,
                    first_name=record.first_name,
                    last_name=record.last_name,
                    display_name=record.display_name,
                )
            elif isinstance(record, Skipped):
                self.summary.skipped.append(record)
            elif not isinstance(record, AuthorRecord):
                raise TypeError(f"Not an import record: {record!r}")
        self._flush()
        self._threads_left()
        self._verify()

    # --- Users ---------------------------------------------------------------

    def _registered_user(
        self,
        login: str,
        *,
        email: str = "",
        first_name: str = "",
        last_name: str = "",
        display_name: str = "",
    ) -> int:
        key = login.strip().lower()
        if key in self.logins:
            return self.logins[key]
        User = get_user_model()
        email = email.strip()[:254]
        users = User.objects.filter(is_guest=False).order_by("pk")
        user = users.filter(email__iexact=email).first() if email else None
        if user is None:
            user = users.filter(username__iexact=_clean_username(login)).first()
            if user is not None and email and user.email and user.email.lower() != email.lower():
                user = None  # same name, someone else
        if user is None:
            if not (first_name or last_name) and display_name.strip() != login.strip():
                first_name = " ".join(display_name.split())
            user = User(
                username=_free_username(_clean_username(login) or "author"),
                email=email,
                first_name=first_name[:150],
                last_name=last_name[:150],
            )
            user.set_unusable_password()
            user.save()
            self.summary.users += 1
        self.logins[key] = user.pk
        return user.pk

    def _guest_users(self, wanted: dict[str, tuple[str, str]]) -> None:
        """Find or create the guests in ``wanted`` (identity hash -> (name, email)), in bulk.

        A guest is ``guest-`` and 12 hex digits of the hash. Anyone may sign up
        with such a name, so only ``is_guest`` accounts are matched, and a name
        a reader already holds is passed over for a longer one: a sign-up can't
        collect a guest's comments.
        """
        User = get_user_model()
        missing = [digest for digest in wanted if digest not in self.guests]
        names = {digest: _guest_usernames(digest) for digest in missing}
        taken: dict[str, tuple[int, bool]] = {}
        candidates = [name for digest in missing for name in names[digest]]
        for start in range(0, len(candidates), LOOKUP_CHUNK):
            rows = User.objects.filter(username__in=candidates[start : start + LOOKUP_CHUNK])
            taken.update(
                (name, (pk, guest))
                for name, pk, guest in rows.values_list("username", "pk", "is_guest")
            )
        new: dict[str, Any] = {}  # identity hash -> the guest to create
        for digest in missing:
            held = [n for n in names[digest] if n in taken]
            guest = next((taken[n][0] for n in held if taken[n][1]), None)
            if guest is not None:
                self.guests[digest] = guest
                continue
            free = [n for n in names[digest] if n not in taken]
            name, email = wanted[digest]
            new[digest] = User(
                username=free[0] if free else f"guest-{digest[:12]}-{get_random_string(8).lower()}",
                first_name=name[:150],
                email=email[:254],
                is_guest=True,
                password=make_password(None),
            )
        User.objects.bulk_create(new.values(), batch_size=BATCH_SIZE)
        self.guests.update((digest, user.pk) for digest, user in new.items())
        self.summary.guests += len(new)

    def _comment_author(self, record: CommentRecord) -> tuple[str, str, str] | int:
        """A registered author's user id, or a guest's (identity hash, name, email)."""
        if record.author_login.strip():
            return self._registered_user(
                record.author_login, email=record.author_email, display_name=record.author_name
            )
        name = " ".join(record.author_name.split()) or ANONYMOUS
        email = record.author_email.strip()
        return (hashlib.sha256(f"{name}\n{email.lower()}".encode()).hexdigest(), name, email)

    # --- Articles ------------------------------------------------------------

    def _article(self, record: ArticleRecord) -> None:
        key = record.source_key
        if key in self.articles:
            self.summary.skipped.append(Skipped("article", key, "listed twice in the file"))
        elif self.threads:
            self.order += 1
            self.articles[key] = _Thread(record, self.order)
        else:
            self.articles[key] = self._resolve(record)

    def _resolve(
        self,
        record: ArticleRecord,
        *,
        stored: _ArticleInfo | None = None,
        looked_up: bool = False,
    ) -> _ArticleInfo | None:
        """The article a record stands for: stored by an earlier run, matched, or created now."""
        if not looked_up:
            stored = self._info(Article.objects.filter(source_key=record.source_key))
        if stored is not None:
            self.summary.already_imported += 1
            info = stored
        elif self.threads and (found := self._match(record)) is not None:
            self.summary.articles_matched += 1
            info = found
        else:
            info = self._create_article(record)
        link = _link_key(record.link)
        if info is not None and link:
            self.links.setdefault(link, info.pk)
        return info

    def _threads_left(self) -> None:
        """Threads no comment was written to: found again if stored, else no article is made."""
        left = [key for key, thread in self.articles.items() if isinstance(thread, _Thread)]
        stored = set()
        for start in range(0, len(left), LOOKUP_CHUNK):
            chunk = left[start : start + LOOKUP_CHUNK]
            stored.update(
                Article.objects.filter(source_key__in=chunk).values_list("source_key", flat=True)
            )
        self.summary.already_imported += len(stored)
        reason = "thread with no comments to import (no article made)"
        self.summary.skipped.extend(
            Skipped("article", key, reason) for key in left if key not in stored
        )

    def _match(self, record: ArticleRecord) -> _ArticleInfo | None:
        """The existing article a Disqus thread is about, by its link or identifier."""
        link = _link_key(record.link)
        if link in self.links:
            return self._info(Article.objects.filter(pk=self.links[link]))
        candidates = [record.link.strip(), *record.identifier.split()]
        paths = [urlsplit(c).path for c in candidates if c and ("/" in c or ":" in c)]
        for path in paths:  # a URL of this site
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.view_name == "articles:detail":
                info = self._info(Article.objects.filter(slug=match.kwargs["slug"]))
                if info is not None:
                    return info
        slugs = [_last_segment(path) for path in paths]
        slugs += [c for c in record.identifier.split() if "/" not in c and ":" not in c]
        for segment in slugs:  # an old site's permalink ending in our slug
            slug = slugify(segment)
            if slug:
                info = self._info(Article.objects.filter(slug=slug))
                if info is not None:
                    return info
        return None

    @staticmethod
    def _info(articles) -> _ArticleInfo | None:
        found = articles.values_list("pk", "published_at").first()
        return _ArticleInfo(*found) if found else None

    def _create_article(self, record: ArticleRecord) -> _ArticleInfo | None:
        title = " ".join(record.title.split())[:200]
        fallback = _link_key(record.link) or record.identifier.strip() or "Untitled discussion"
        title = title or fallback[:200]
        published = record.status == Article.Status.PUBLISHED
        body = record.body
        if not body.strip():
            # The field is required; a Disqus thread or an empty post has no text of its own.
            body = _placeholder_body(record.link)
        author_id = None
        if record.author_login.strip():
            author_id = self._registered_user(record.author_login)
        # A thread's page had its slug in its link, which also lets the next file's copy match.
        source_slug = record.slug or (
            _last_segment(urlsplit(record.link).path) if self.threads else ""
        )
        article = Article(
            title=title,
            slug=self._free_slug(source_slug, title),
            body=body,
            author_id=author_id,
            status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
            published_at=_aware(record.published_at) or (self.now if published else None),
            comments_open=record.comments_open,
            source_key=record.source_key,
        )
        try:
            article_save(article=article)
        except ValidationError as error:
            reason = "; ".join(error.messages)
            self.summary.skipped.append(Skipped("article", record.source_key, reason))
            return None
        if record.tags:
            article.tags.set(self._tags(record.tags))
        self.summary.articles += 1
        return _ArticleInfo(article.pk, article.published_at)

    def _free_slug(self, source_slug: str, title: str) -> str:
        wanted = slugify(unquote(source_slug))[:200]
        if wanted and not Article.objects.filter(slug=wanted).exists():
            return wanted
        base = (slugify(title)[:190].strip("-") or wanted[:190].strip("-")) or "article"
        slug, n = base, 1
        while Article.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _tags(self, names: Iterable[str]) -> list[Tag]:
        tags = []
        for raw in names:
            name = " ".join(raw.split())[:60]
            if not name:
                continue
            tag = Tag.objects.filter(name__iexact=name).first()
            if tag is None:
                base = slugify(name)[:50] or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:8]
                slug, n = base, 1
                while Tag.objects.filter(slug=slug).exists():
                    n += 1
                    slug = f"{base}-{n}"
                tag = Tag.objects.create(name=name, slug=slug)
            tags.append(tag)
        return tags

    # --- Comments ------------------------------------------------------------

    def _flush(self) -> None:
        """Write the comments read since the last article began (see "Buffering")."""
        if not self.pending:
            return
        groups, self.pending = self.pending, defaultdict(list)
        nodes: dict[str, _Node] = {}
        for article_key, records in groups.items():
            article = self._article_for_comments(article_key)
            for record in records:
                key = record.source_key
                if article is None:
                    reason = "on an article that isn't imported"
                    self.summary.skipped.append(Skipped("comment", key, reason))
                elif key in nodes:  # (a copy in an earlier batch is "already imported")
                    reason = "listed twice in the file"
                    self.summary.skipped.append(Skipped("comment", key, reason))
                elif record.status not in STATUSES:
                    reason = f"status {record.status!r}"
                    self.summary.skipped.append(Skipped("comment", key, reason))
                else:
                    self.order += 1
                    node = _Node(record=record, order=self.order)
                    node.status = STATUSES[record.status]
                    created = _aware(record.created_at)
                    node.created_at = created or article.published_at or self.now
                    nodes[key] = node
        del groups

        stored = self._stored_comments(
            set(nodes) | {n.record.parent_key for n in nodes.values() if n.record.parent_key}
        )
        touched = set()  # articles with comments to write or already written
        for key in [key for key in nodes if key in stored]:
            touched.add(nodes.pop(key).record.article_key)
            self.summary.already_imported += 1
        roots = self._link_parents(nodes, stored)
        self._prune_deleted(roots, nodes)
        kept = [n for n in nodes.values() if n.status]
        touched.update(n.record.article_key for n in kept)
        self._resolve_threads(touched)
        lost = {n.record.article_key for n in kept if self.articles[n.record.article_key] is None}
        if lost:  # a thread whose article couldn't be made: its comments go with it
            for node in kept:
                if node.record.article_key in lost:
                    reason = "on an article that isn't imported"
                    self.summary.skipped.append(Skipped("comment", node.record.source_key, reason))
            kept = [n for n in kept if n.record.article_key not in lost]
            roots = [n for n in roots if n.record.article_key not in lost]
        attach: dict[int, list[_Node]] = defaultdict(list)
        for node in kept:
            node.article_id = self.articles[node.record.article_key].pk
            if node.stored_parent is not None:
                _, tree_id, article_id = node.stored_parent
                if article_id == node.article_id:
                    attach[tree_id].append(node)
                else:  # a reply on another article than its parent: not the same thread
                    node.stored_parent = None
                    node.orphan = True
                    roots.append(node)
        self.summary.orphans.extend(n.record.source_key for n in kept if n.orphan)
        if not kept:
            return
        self._assign_authors(kept)
        for node, pk in zip(kept, allocate_comment_ids(len(kept)), strict=True):
            node.pk = pk

        if roots:
            if self.next_tree_id is None:
                self.next_tree_id = first_free_tree_id()
            roots.sort(key=_Node.sort_key)
            numbered: list[_Node] = []
            for root in roots:
                tree_id = self.next_tree_id
                self.next_tree_id += 1
                self.trees_written.add(tree_id)
                numbered.extend(_number_tree(root, tree_id))
            self._write(numbered)  # many small threads share each INSERT
        for tree_id in sorted(attach):
            self._rebuild_stored_tree(tree_id, attach[tree_id])

    def _article_for_comments(self, article_key: str) -> _ArticleInfo | _Thread | None:
        if article_key not in self.articles:
            # Not in this file: comments may still belong to an article imported before.
            self.articles[article_key] = self._info(Article.objects.filter(source_key=article_key))
        return self.articles[article_key]

    def _resolve_threads(self, article_keys: set[str]) -> None:
        """Look up (match or create) the held threads that have comments, in file order."""
        threads = [self.articles[key] for key in article_keys]
        threads = sorted((t for t in threads if isinstance(t, _Thread)), key=lambda t: t.order)
        keys = [thread.record.source_key for thread in threads]
        stored: dict[str, _ArticleInfo] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            rows = Article.objects.filter(source_key__in=keys[start : start + LOOKUP_CHUNK])
            stored.update(
                (key, _ArticleInfo(pk, published_at))
                for key, pk, published_at in rows.values_list("source_key", "pk", "published_at")
            )
        for thread in threads:
            record = thread.record
            self.articles[record.source_key] = self._resolve(
                record, stored=stored.get(record.source_key), looked_up=True
            )

    def _stored_comments(self, keys: set[str]) -> dict[str, tuple[int, int, int]]:
        """Stored comments among ``keys``: source key -> (id, tree id, article id)."""
        found: dict[str, tuple[int, int, int]] = {}
        keys_list = sorted(keys)
        for start in range(0, len(keys_list), LOOKUP_CHUNK):
            rows = Comment.objects.filter(source_key__in=keys_list[start : start + LOOKUP_CHUNK])
            found.update(
                (key, (pk, tree_id, article_id))
                for key, pk, tree_id, article_id in rows.values_list(
                    "source_key", "pk", "tree_id", "article_id"
                )
            )
        return found

    def _link_parents(
        self, nodes: dict[str, _Node], stored: dict[str, tuple[int, int, int]]
    ) -> list[_Node]:
        """Hang each comment under its parent; returns the tops of new threads.

        A reply to a stored comment keeps that row in ``stored_parent``; one
        whose parent is nowhere (or in a cycle of parents) is a listed orphan.
        """
        roots: list[_Node] = []
        for node in nodes.values():
            parent_key = node.record.parent_key
            parent = nodes.get(parent_key) if parent_key else None
            same_article = (
                parent is not None and parent.record.article_key == node.record.article_key
            )
            if parent is not None and parent is not node and same_article:
                node.parent = parent
                parent.children.append(node)
            elif parent_key in stored:
                node.stored_parent = stored[parent_key]
            else:
                node.orphan = bool(parent_key)
                roots.append(node)
        # A cycle of parents (a malformed file) has no way up to a root: cut it.
        tops = [*roots, *(node for node in nodes.values() if node.stored_parent)]
        reached = {id(node) for top in tops for node in _subtree(top)}
        for node in nodes.values():
            if id(node) not in reached:
                node.parent.children.remove(node)
                node.parent = None
                node.orphan = True
                roots.append(node)
                reached.update(id(below) for below in _subtree(node))
        return roots

    def _prune_deleted(self, roots: list[_Node], nodes: dict[str, _Node]) -> None:
        """Drop deleted comments with no replies to show (``status`` becomes "")."""
        tops = [*roots, *(node for node in nodes.values() if node.stored_parent)]
        for node in reversed([n for top in tops for n in _subtree(top)]):
            self._prune(node)
        roots[:] = [node for node in roots if node.status]

    def _prune(self, node: _Node) -> None:
        node.children = [c for c in node.children if c.status]
        if node.status == Comment.Status.DELETED and not node.children:
            node.status = ""
            reason = "deleted, no replies"
            self.summary.skipped.append(Skipped("comment", node.record.source_key, reason))

    def _assign_authors(self, nodes: list[_Node]) -> None:
        guests: dict[str, tuple[str, str]] = {}
        wanted: list[tuple[_Node, str]] = []
        for node in nodes:
            author = self._comment_author(node.record)
            if isinstance(author, int):
                node.author_id = author
            else:
                digest, name, email = author
                guests.setdefault(digest, (name, email))
                wanted.append((node, digest))
        self._guest_users(guests)
        for node, digest in wanted:
            node.author_id = self.guests[digest]

    def _write(self, nodes: list[_Node]) -> None:
        """Insert new comments (tree fields and counters already set), in batches."""
        new = [node for node in nodes if node.record is not None]
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            bodies = [normalize(node.record.body.replace("\x00", "")) for node in batch]
            mentions = _mention_urls(bodies)
            rows = []
            for node, body in zip(batch, bodies, strict=True):
                rows.append(
                    Comment(
                        pk=node.pk,
                        article_id=node.article_id,
                        author_id=node.author_id,
                        parent_id=node.parent.pk if node.parent else None,
                        body=body,
                        body_html=sanitize_comment(body, mentions=mentions),
                        status=node.status,
                        created_at=node.created_at,
                        ip_address=_ip(node.record.ip_address),
                        source_key=node.record.source_key,
                        reply_count=node.replies,
                        descendant_count=node.descendants,
                        best_score=best_score(
                            likes=node.like_count, replies=node.replies, created_at=node.created_at
                        ),
                        tree_id=node.tree_id,
                        lft=node.lft,
                        rght=node.rght,
                        level=node.level,
                    )
                )
                node.record = None  # the text is written; let it go
            Comment.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            for article_id in {row.article_id for row in rows}:
                pagecache.discussion_changed(article_id)
            self.summary.comments += len(rows)
            if self.progress is not None:
                self.progress(len(rows))

    def _rebuild_stored_tree(self, tree_id: int, replies: list[_Node]) -> None:
        """Add new replies to a stored thread, renumbering it whole under its lock."""
        from comments.services import tree_lock

        tree_lock(tree_id)
        fields = ("lft", "rght", "level", "reply_count", "descendant_count", "best_score")
        # Row locks too: a like changes like_count, which best_score is computed from.
        rows = (
            Comment.objects.select_for_update()
            .filter(tree_id=tree_id)
            .values_list(
                "pk", "parent_id", "created_at", "status", "like_count", "article_id", *fields
            )
        )
        stored: dict[int, _Node] = {}
        for pk, parent_id, created_at, status, likes, article_id, *old in rows:
            node = _Node(record=None, order=pk)
            node.pk, node.created_at, node.status, node.like_count = pk, created_at, status, likes
            node.article_id = article_id
            node.parent = parent_id  # an id until every row is read
            node.old = tuple(old)
            stored[pk] = node
        root = None
        for node in stored.values():
            if node.parent is None:
                root = node
            else:
                node.parent = stored[node.parent]
                node.parent.children.append(node)
        for node in replies:
            node.parent = stored[node.stored_parent[0]]
            node.parent.children.append(node)
        ordered = _number_tree(root, tree_id)
        changed = []
        for node in ordered:
            if node.record is not None:
                continue
            new = (
                node.lft,
                node.rght,
                node.level,
                node.replies,
                node.descendants,
                best_score(likes=node.like_count, replies=node.replies, created_at=node.created_at),
            )
            if new != node.old:
                changed.append(Comment(pk=node.pk, **dict(zip(fields, new, strict=True))))
        Comment.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
        self.trees_written.add(tree_id)
        self._write(ordered)

    def _verify(self) -> None:
        """Check every tree written, as check_comment_tree would, before the commit."""
        if not self.trees_written:
            return
        from comments.management.commands.check_comment_tree import find_violations
        from comments.services import article_comment_counts_refresh

        trees = sorted(self.trees_written)
        with connection.cursor() as cursor:
            # The planner's statistics still describe the table as it was before
            # this transaction; the checks join it with itself row by row.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Comment._meta.db_table)}")
        article_comment_counts_refresh(
            Comment.objects.filter(tree_id__in=trees).values_list("article_id", flat=True)
        )
        violations = find_violations(tree_ids=trees)
        if violations:
            check, tree_id, pk, message = violations[0]
            raise ImportIntegrityError(
                f"The import built {len(violations)} invalid tree record(s), so nothing was "
                f"written. First: tree {tree_id}, comment {pk}: {check}: {message}"
            )


# --- Helpers ----------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    """Exports give UTC times; a naive one is read as UTC."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=UTC)
    return moment


def _ip(value: str) -> str | None:
    """The address as the model field would clean it, or None when it isn't one."""
    field = Comment._meta.get_field("ip_address")
    try:
        address = field.to_python(value.strip())
        field.run_validators(address)
    except ValidationError:
        return None
    return address or None


def _guest_usernames(digest: str) -> list[str]:
    """A guest's username, and the longer ones used when a reader holds it."""
    return [f"guest-{digest[:12]}", f"guest-{digest[:24]}", f"guest-{digest}"]


def _clean_username(login: str) -> str:
    """A login as Django accepts usernames (letters, digits and @.+-_), at most 150 characters."""
    return _USERNAME_INVALID.sub("_", login.strip()).strip("_")[:150]


def _free_username(wanted: str) -> str:
    User = get_user_model()
    name, n = wanted, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{wanted[:140]}-{n}"
    return name


def _link_key(link: str) -> str:
    """A link without scheme, query or trailing slash, so http/https copies of a thread meet."""
    parts = urlsplit(link.strip())
    if not parts.netloc and not parts.path:
        return ""
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}" or parts.netloc.lower()


def _last_segment(path: str) -> str:
    """``/2011/03/229_8880.html`` -> ``229_8880``; ``/p/podcast-229/`` -> ``podcast-229``.

    ``…/redacted/index.html`` -> ``redacted``: an index page is named by its folder.
    """
    segments = [s for s in unquote(path).split("/") if s]
    while segments:
        name = _PAGE_SUFFIX.sub("", segments.pop())
        if name.lower() not in ("index", "default"):
            return name
    return ""


def _placeholder_body(link: str) -> str:
    scheme = urlsplit(link.strip()).scheme.lower()
    if scheme in ("http", "https"):
        return f'<p>Originally published at <a href="{escape(link)}">{escape(link)}</a>.</p>'
    return "<p>Imported discussion.</p>"


def _mention_urls(bodies: list[str]) -> dict[str, str]:
    """``@names`` in these bodies that name readers here -> their profile URLs, in one query.

    As ``comments.services`` decides for a posted comment: active, not a
    guest; of two spellings differing in case the exact one wins, else the older.
    """
    names: set[str] = set()
    for body in bodies:
        if "@" in body:
            names.update(mentioned_names(body))
    if not names:
        return {}
    found = {}
    users = (
        get_user_model()
        .objects.annotate(lower=Lower("username"))
        .filter(lower__in=names, is_active=True, is_guest=False)
        .order_by("pk")
    )
    for user in users:
        key = user.username.lower()
        if key not in found or user.username == key:
            found[key] = user
    return {key: user.get_absolute_url() for key, user in found.items()}
