"""The import writer: an export's records in, articles, users and comment threads out.

``comments.services.discussions_import`` is the entry point; this module does
the work. Besides ``comments.services`` only it and the discussion generator
(``comments.generate``) write comments, because the services'
one-comment-at-a-time path (a lock, a ``MAX(tree_id)``, a placement and
counter updates per comment) would take hours for a large export. Instead
each thread is built in memory (``comments.tree.build``) and written with
``bulk_create``, with every tree field and counter already right, and the
trees written are then checked (``comments.tree.integrity``, what
``check_comment_tree`` runs) before the transaction commits.

What the import guarantees:

* **One transaction.** Any error, including an ``ImportFileError`` a parser
  raises halfway through the file, rolls back everything, so the database is
  as it was. ``dry_run`` does all the work and rolls back at the end.
* **Idempotent.** Articles and comments are keyed on their ``source_key``; a
  record whose key is already stored is counted as already imported and
  written again never. Users are matched the same way every run
  (``authors``), articles and Disqus threads as ``articles`` says.
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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from comments import pagecache
from comments.importing.articles import Articles, aware
from comments.importing.authors import LOOKUP_CHUNK, Authors, mention_urls
from comments.importing.records import (
    ArticleRecord,
    AuthorRecord,
    CommentRecord,
    Skipped,
    Summary,
)
from comments.models import Comment
from comments.ranking import best_score
from comments.sanitize import normalize, sanitize_comment
from comments.tree.build import (
    TreeNode,
    allocate_comment_ids,
    article_comment_counts_refresh,
    comment_row,
    first_free_tree_id,
    number_tree as _number_tree,
)
from comments.tree.integrity import find_violations
from comments.tree.locks import tree_lock

BATCH_SIZE = 2000
LOCK_NAMESPACE_IMPORT = 0x494D5054  # "IMPT", beside comments.tree.locks' TREE and ROOT
STATUSES = {
    "published": Comment.Status.PUBLISHED,
    "pending": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "removed": Comment.Status.REMOVED,  # by a moderator here, before an export
    "deleted": Comment.Status.DELETED,
}


class ImportIntegrityError(Exception):
    """The threads built fail the tree check; nothing was written."""


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
    created, and only when comments are written to it; one marked
    ``external_page`` goes on the discussion of its link, a page on another
    site (``comments.importing.pages``). Raises whatever the
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
    if summary.to_pages:
        lines.insert(
            1,
            "Pages on other sites (the embed): "
            + f"{count(summary.pages_created, 'discussion')} "
            + ("would be made" if dry_run else "made")
            + f", {count(summary.pages_matched, 'existing one')} matched.",
        )
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


class _Loader:
    def __init__(self, *, progress: Callable[[int], None] | None, threads: bool) -> None:
        self.summary = Summary()
        self.progress = progress
        self.now = timezone.now()
        self.authors = Authors(self.summary)
        self.articles = Articles(
            summary=self.summary, authors=self.authors, threads=threads, now=self.now
        )
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
                self.articles.add(record)
            elif isinstance(record, AuthorRecord) and record.login.strip():
                self.authors.registered(
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
        self.articles.threads_left()
        self._verify()

    def _flush(self) -> None:
        """Write the comments read since the last article began (see "Buffering")."""
        if not self.pending:
            return
        groups, self.pending = self.pending, defaultdict(list)
        nodes: dict[str, _Node] = {}
        for article_key, records in groups.items():
            article = self.articles.for_comments(article_key)
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
                    created = aware(record.created_at)
                    node.created_at = created or article.published_at or self.now
                    nodes[key] = node
        del groups

        stored = self._stored_comments(
            set(nodes) | {n.record.parent_key for n in nodes.values() if n.record.parent_key}
        )
        touched = set()  # articles with comments to write or already written
        imported: dict[str, int] = {}  # article key -> where its comments were written before
        for key in [key for key in nodes if key in stored]:
            article_key = nodes.pop(key).record.article_key
            touched.add(article_key)
            imported.setdefault(article_key, stored[key][2])
            self.summary.already_imported += 1
        roots = self._link_parents(nodes, stored)
        self._prune_deleted(roots, nodes)
        kept = [n for n in nodes.values() if n.status]
        touched.update(n.record.article_key for n in kept)
        self.articles.resolve_threads(touched, imported=imported)
        articles = self.articles.by_key
        lost = {n.record.article_key for n in kept if articles[n.record.article_key] is None}
        if lost:  # a thread whose article couldn't be made: its comments go with it
            for node in kept:
                if node.record.article_key in lost:
                    reason = "on an article that isn't imported"
                    self.summary.skipped.append(Skipped("comment", node.record.source_key, reason))
            kept = [n for n in kept if n.record.article_key not in lost]
            roots = [n for n in roots if n.record.article_key not in lost]
        attach: dict[int, list[_Node]] = defaultdict(list)
        for node in kept:
            node.article_id = articles[node.record.article_key].pk
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
        authors = self.authors.comment_authors([node.record for node in kept])
        pks = allocate_comment_ids(len(kept))
        for node, author_id, pk in zip(kept, authors, pks, strict=True):
            node.author_id, node.pk = author_id, pk

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

    def _write(self, nodes: list[_Node]) -> None:
        """Insert new comments (tree fields and counters already set), in batches."""
        new = [node for node in nodes if node.record is not None]
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            bodies = [normalize(node.record.body.replace("\x00", "")) for node in batch]
            mentions = mention_urls(bodies)
            rows = []
            for node, body in zip(batch, bodies, strict=True):
                rows.append(
                    comment_row(
                        node,
                        article_id=node.article_id,
                        author_id=node.author_id,
                        body=body,
                        body_html=sanitize_comment(
                            body, mentions=mentions, markdown=node.record.markdown
                        ),
                        body_format=Comment.BodyFormat.MARKDOWN
                        if node.record.markdown
                        else Comment.BodyFormat.HTML,
                        ip_address=_ip(node.record.ip_address),
                        source_key=node.record.source_key,
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
        """Check every tree written, as ``check_comment_tree`` would, before the commit."""
        if not self.trees_written:
            return
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


def _ip(value: str) -> str | None:
    """The address as the model field would clean it, or None when it isn't one."""
    field = Comment._meta.get_field("ip_address")
    try:
        address = field.to_python(value.strip())
        field.run_validators(address)
    except ValidationError:
        return None
    return address or None
