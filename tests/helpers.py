"""Assertion helpers shared by the test modules."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

from articles.models import Article
from comments.models import Comment


def thread_as_text(article: Article) -> str:
    """The article's comments as an indented outline, in stored tree order.

    One line per comment, indented two spaces per level, so a whole discussion
    can be compared with one readable string (as django-mptt's own tests
    compare trees as text). The order comes from ``(tree_id, lft)`` and the
    indentation from ``level``: a node in the wrong place shows up as a line
    in the wrong place.
    """
    rows = (
        Comment.objects.for_article(article).order_by("tree_id", "lft").values_list("body", "level")
    )
    lines = []
    for body, level in rows:
        start = body[:30].replace("\n", " ")
        lines.append(f"{'  ' * level}{start} (level {level})")
    return "\n".join(lines)


def reply_chain(article: Article, depth: int, label: str = "level") -> list[Comment]:
    """A root and ``depth`` replies, each answering the one before ("level 0" ... ``depth``)."""
    from tests.factories import CommentFactory

    node = CommentFactory(article=article, body=f"{label} 0")
    chain = [node]
    for level in range(1, depth + 1):
        node = CommentFactory(article=article, parent=node, body=f"{label} {level}")
        chain.append(node)
    return chain


class _AncestorFinder(HTMLParser):
    """Records the ids of the open elements around the element with ``target`` id."""

    VOID = frozenset(
        {
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        }
    )

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id")
        if element_id == self.target and self.found is None:
            self.found = [open_id for _, open_id in self.stack if open_id]
        if tag not in self.VOID:
            self.stack.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def ancestor_ids(html: str, element_id: str) -> list[str]:
    """The ids of the elements that contain ``element_id``, outermost first.

    Fails the test when the element is not on the page at all.
    """
    finder = _AncestorFinder(element_id)
    finder.feed(html)
    assert finder.found is not None, f"#{element_id} is not on the page"
    return finder.found


class _CommentLister(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id") or ""
        if tag == "article" and element_id.startswith("comment-"):
            self.ids.append(int(element_id.removeprefix("comment-")))


def comment_ids(html: str) -> list[int]:
    """The ids of the comments rendered in a page or fragment, in page order."""
    lister = _CommentLister()
    lister.feed(html)
    return lister.ids


def add_likes(comment: Comment, count: int) -> Comment:
    """``count`` new readers like ``comment`` through the service; returns it re-read."""
    from comments.services import comment_like_toggle
    from tests.factories import UserFactory

    for reader in UserFactory.create_batch(count):
        comment_like_toggle(comment=comment, user=reader)
    comment.refresh_from_db()
    return comment


def moderators_group():
    """The "Moderators" group that comments' migration 0005 creates.

    A transactional test (the browser tests) ends with a flush that empties
    every table, data migrations' rows included; the group is then put back
    with the permissions the migration lists, so later tests still get it.
    """
    import importlib

    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        return group
    migration = importlib.import_module("comments.migrations.0005_moderators_group")
    group = Group.objects.create(name="Moderators")
    for app_label, codenames in migration.MODERATOR_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    # Migration 0017 gave them the list of standard reasons to keep.
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="comments", codename__endswith="_standardreason"
        )
    )
    return group


def standard_reasons() -> list[str]:
    """The standard reasons the migration gives every site, back if a flushing test emptied them.

    Tests that run with ``transaction=True`` empty every table when they end,
    the migration's rows included; the ones after them must not depend on order.
    """
    import importlib

    from comments.models import StandardReason

    reasons = importlib.import_module("comments.migrations.0017_standard_reasons").REASONS
    for position, text in enumerate(reasons):
        StandardReason.objects.get_or_create(text=text, defaults={"position": position * 10})
    return reasons


def make_moderator(**fields):
    """A staff user in the Moderators group, read back fresh so no permission cache is stale.

    The site they moderate has its standard reasons (``standard_reasons``).
    """
    from tests.factories import UserFactory

    standard_reasons()
    moderator = UserFactory(is_staff=True, **fields)
    moderator.groups.add(moderators_group())
    return type(moderator).objects.get(pk=moderator.pk)


def make_editor(**fields):
    """A staff user who edits articles and can look at comments, but may not moderate them."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    editor = UserFactory(is_staff=True, **fields)
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["articles", "comments"],
            codename__in=["view_article", "change_article", "view_comment", "change_comment"],
        )
    )
    return type(editor).objects.get(pk=editor.pk)


def assert_trees_valid() -> None:
    """Run check_comment_tree; it raises CommandError, naming what broke, on any bad tree."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check_comment_tree", stdout=out, stderr=out)
    assert out.getvalue().startswith("OK:"), out.getvalue()


def comment_block(html: str, pk: int) -> str:
    """The page's markup for one comment, up to the next comment's (or the page's end)."""
    start = html.index(f'id="comment-{pk}"')
    end = html.find('<article class="comment', start)
    return html[start:] if end == -1 else html[start:end]


ROOT = Path(__file__).resolve().parent.parent
# Variables a test's start-up must decide for itself (DJANGO_ALLOW_ASYNC_UNSAFE is
# the browser tests' and would itself be a warning).
_START_UP_VARIABLES = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "TREKBOARD_ENV",
    "RATE_LIMITS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def manage_py(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` in a fresh process: the settings as a real start-up reads them."""
    environment = {k: v for k, v in os.environ.items() if k not in _START_UP_VARIABLES}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_at_once(target, count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


_LIVE_POLL = re.compile(r'(id="live-poll" hidden data-live-poll hx-get="[^"?]*)\?[^"]*"')
_INBOX_MOMENT = re.compile(r'name="inbox" value="\d+"')


def without_live_moments(html: str) -> str:
    """A page with its live-updates poll's "as of" (and the bell's) taken out.

    They say when (and under which version) the page was drawn: two drawings
    of the same page differ there and nowhere else.
    """
    html = _LIVE_POLL.sub(r'\1?AS_OF"', html)
    return _INBOX_MOMENT.sub('name="inbox" value="MOMENT"', html)
