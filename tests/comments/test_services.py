"""comment_create: where comments land in the tree, and what it refuses to write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import import_module
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from articles.services import article_save
from comments.models import Comment
from comments.services import comment_create, comment_delete, comment_status_set
from comments.tree import intervals, placement
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import thread_as_text

pytestmark = pytest.mark.django_db


def assert_trees_valid() -> None:
    """check_comment_tree finds every thread consistent."""
    out = StringIO()
    call_command("check_comment_tree", stdout=out)
    assert out.getvalue().startswith("OK:")


def assert_refused(message: str, **kwargs: Any) -> None:
    """comment_create(**kwargs) raises ``message`` and leaves every thread as it was."""
    count = Comment.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        comment_create(body=kwargs.pop("body", "Permission to speak freely?"), **kwargs)
    assert message in excinfo.value.messages
    assert Comment.objects.count() == count
    assert_trees_valid()


def test_top_level_comment_starts_a_new_thread(article, user):
    first = comment_create(article=article, author=user, body="First!")
    second = comment_create(article=article, author=user, body="Second")
    for root in (first, second):
        root.refresh_from_db()
        assert root.parent is None
        assert (root.level, root.lft, root.rght) == (0, 1, 2**62)
    assert first.tree_id != second.tree_id
    assert thread_as_text(article) == "First! (level 0)\nSecond (level 0)"


def test_threads_of_different_articles_never_share_a_tree(article):
    other = ArticleFactory()
    here = CommentFactory(article=article)
    there = CommentFactory(article=other)
    assert here.tree_id != there.tree_id


def test_reply_nests_under_its_parent(article, user, other_user):
    root = comment_create(article=article, author=user, body="Root")
    reply = comment_create(article=article, author=other_user, body="Reply", parent=root)
    root.refresh_from_db()
    assert reply.parent_id == root.pk
    assert reply.tree_id == root.tree_id
    assert reply.level == root.level + 1
    assert list(root.get_descendants()) == [reply]
    assert root.lft < reply.lft < reply.rght < root.rght


def test_interleaved_replies_three_levels_deep_land_in_place(article):
    kirk = CommentFactory(article=article, body="Kirk: thread one")
    picard = CommentFactory(article=article, body="Picard: thread two")
    spock = CommentFactory(parent=kirk, body="Spock replies to Kirk")
    riker = CommentFactory(parent=picard, body="Riker replies to Picard")
    CommentFactory(parent=spock, body="McCoy replies to Spock")
    CommentFactory(parent=kirk, body="Uhura replies to Kirk")
    data = CommentFactory(parent=riker, body="Data replies to Riker")
    CommentFactory(parent=data, body="Lore replies to Data")
    CommentFactory(parent=spock, body="Scotty replies to Spock")
    CommentFactory(article=article, body="Janeway: thread three")
    CommentFactory(parent=picard, body="Worf replies to Picard")

    assert thread_as_text(article) == "\n".join(
        [
            "Kirk: thread one (level 0)",
            "  Spock replies to Kirk (level 1)",
            "    McCoy replies to Spock (level 2)",
            "    Scotty replies to Spock (level 2)",
            "  Uhura replies to Kirk (level 1)",
            "Picard: thread two (level 0)",
            "  Riker replies to Picard (level 1)",
            "    Data replies to Riker (level 2)",
            "      Lore replies to Data (level 3)",
            "  Worf replies to Picard (level 1)",
            "Janeway: thread three (level 0)",
        ]
    )
    assert_trees_valid()


def test_reply_with_a_stale_parent_object_still_lands_in_place(article):
    root = CommentFactory(article=article, body="Root")
    stale_root = Comment.objects.get(pk=root.pk)  # lft/rght as they are now
    CommentFactory(parent=root, body="First reply")
    CommentFactory(parent=stale_root, body="Second reply")
    assert thread_as_text(article) == (
        "Root (level 0)\n  First reply (level 1)\n  Second reply (level 1)"
    )
    assert_trees_valid()


def test_reply_renumbers_only_its_own_thread(article):
    busy = CommentFactory(article=article, body="Busy thread")
    CommentFactory(parent=busy)
    quiet = CommentFactory(article=article, body="Quiet thread")
    CommentFactory(parent=CommentFactory(parent=quiet))
    other_article_root = CommentFactory(body="Elsewhere")
    CommentFactory(parent=other_article_root)

    def snapshot(*, exclude_tree: int) -> list[tuple[int, int, int, int, int]]:
        return list(
            Comment.objects.exclude(tree_id=exclude_tree)
            .order_by("pk")
            .values_list("pk", "tree_id", "lft", "rght", "level")
        )

    before = snapshot(exclude_tree=busy.tree_id)
    busy_before = list(Comment.objects.filter(tree_id=busy.tree_id).values_list("lft", "rght"))
    CommentFactory(parent=busy, body="New reply")
    assert snapshot(exclude_tree=busy.tree_id) == before
    # ...while its own thread did change (the snapshot is not blind).
    busy_after = list(Comment.objects.filter(tree_id=busy.tree_id).values_list("lft", "rght"))
    assert busy_after != busy_before


# The migration's renumbering; backwards (gap 1) it numbers threads as mptt did.
MIGRATION = import_module("comments.migrations.0009_spaced_intervals")
RENUMBER, SPREAD = MIGRATION.RENUMBER, MIGRATION.SPREAD


def edges(**filters: Any) -> dict[int, tuple[int, int]]:
    return {
        pk: (lft, rght)
        for pk, lft, rght in Comment.objects.filter(**filters).values_list("pk", "lft", "rght")
    }


def test_a_reply_moves_no_other_comment(article):
    root = CommentFactory(article=article, body="Root")
    middle = CommentFactory(parent=root, body="Middle")
    CommentFactory(parent=middle)
    CommentFactory(parent=root, body="Last")
    before = edges()
    reply = CommentFactory(parent=middle, body="New")
    after = edges()
    assert {pk: after[pk] for pk in before} == before
    assert middle.lft < reply.lft < reply.rght < middle.rght
    assert_trees_valid()


def test_a_thread_numbered_without_room_is_spread_out_by_its_next_reply(article):
    """Threads mptt numbered 1..2n (before edges had room) take replies all the same."""
    root = CommentFactory(article=article, body="Root")
    a = CommentFactory(parent=root, body="A")
    a1 = CommentFactory(parent=a, body="A1")
    CommentFactory(parent=root, body="B")
    elsewhere = CommentFactory(article=article, body="Elsewhere")
    CommentFactory(parent=elsewhere, body="E1")
    with connection.cursor() as cursor:
        cursor.execute(RENUMBER.format(gap=1))  # what migrating back leaves
    assert sorted(edges(tree_id=root.tree_id).values()) == [(1, 8), (2, 5), (3, 4), (6, 7)]
    untouched = edges(tree_id=elsewhere.tree_id)

    new = CommentFactory(parent=a1, body="A1a")

    assert thread_as_text(article) == "\n".join(
        [
            "Root (level 0)",
            "  A (level 1)",
            "    A1 (level 2)",
            "      A1a (level 3)",
            "  B (level 1)",
            "Elsewhere (level 0)",
            "  E1 (level 1)",
        ]
    )
    assert_trees_valid()
    assert edges(tree_id=elsewhere.tree_id) == untouched
    # The thread's old edges now have room between them (the reply took a slice of it).
    spread_out = sorted(
        edge for pk, pair in edges(tree_id=root.tree_id).items() if pk != new.pk for edge in pair
    )
    assert min(b - a for a, b in pairwise(spread_out)) >= intervals.MIN_GAP


def test_migrating_spreads_every_thread_over_its_range(article):
    root = CommentFactory(article=article, body="Root")
    CommentFactory(parent=CommentFactory(parent=root))
    solo = CommentFactory(article=article, body="Solo")
    with connection.cursor() as cursor:
        cursor.execute(RENUMBER.format(gap=1))
        cursor.execute(RENUMBER.format(gap=SPREAD))
    assert_trees_valid()
    solo.refresh_from_db()
    assert (solo.lft, solo.rght) == (1, intervals.TOP)
    thread = sorted(edge for pair in edges(tree_id=root.tree_id).values() for edge in pair)
    assert thread[0] == 1
    assert {b - a for a, b in pairwise(thread)} == {(intervals.TOP - 1) // 5}


@pytest.mark.parametrize("share", [2])
def test_hundreds_of_replies_to_one_comment_and_a_deep_chain_stay_in_place(
    article, monkeypatch, share
):
    # Replies halve their parent's room (not 1/8 of it), so room runs out and
    # threads are respread many times within this test.
    monkeypatch.setattr(intervals, "SHARE", share)
    respreads = []
    make_room = placement.make_room
    monkeypatch.setattr(placement, "make_room", lambda parent: respreads.append(make_room(parent)))
    root = CommentFactory(article=article, body="Root")
    replies = [CommentFactory(parent=root, body=f"Reply {n}") for n in range(150)]
    chain = [root]
    for depth in range(1, 80):
        chain.append(CommentFactory(parent=chain[-1], body=f"Depth {depth}"))
    CommentFactory(parent=replies[70], body="Late reply to 70")

    assert_trees_valid()
    lines = thread_as_text(article).splitlines()
    assert lines[:3] == ["Root (level 0)", "  Reply 0 (level 1)", "  Reply 1 (level 1)"]
    assert lines[lines.index("  Reply 70 (level 1)") + 1] == "    Late reply to 70 (level 2)"
    assert lines[-1] == " " * 2 * 79 + "Depth 79 (level 79)"
    root.refresh_from_db()
    assert root.get_descendant_count() == 150 + 79 + 1
    assert len(respreads) >= 3


def test_body_is_stored_as_typed_and_rendered_to_html(article, user):
    typed = "  **Engage!** 🖖\r\n<sarcasm>great</sarcasm>\r\n\r\n> quote  \n"
    comment = comment_create(article=article, author=user, body=typed)
    comment.refresh_from_db()
    assert comment.body == "**Engage!** 🖖\n<sarcasm>great</sarcasm>\n\n> quote"
    assert comment.body_html == (
        "<p><strong>Engage!</strong> 🖖<br>&lt;sarcasm&gt;great&lt;/sarcasm&gt;</p>"
        "<blockquote><p>quote</p></blockquote>"
    )


def test_author_article_ip_and_default_timestamp_are_recorded(article, user):
    before = datetime.now(tz=UTC)
    comment = comment_create(article=article, author=user, body="Hi", ip_address="203.0.113.7")
    comment.refresh_from_db()
    assert comment.author == user
    assert comment.article == article
    assert comment.ip_address == "203.0.113.7"
    assert comment.status == Comment.Status.PUBLISHED
    assert before <= comment.created_at <= datetime.now(tz=UTC)


def test_created_at_is_honoured_for_imports(article, user):
    stamp = datetime(2364, 1, 1, 12, 0, tzinfo=UTC)
    comment = comment_create(
        article=article, author=user, body="From the archive", created_at=stamp
    )
    comment.refresh_from_db()
    assert comment.created_at == stamp


def test_body_of_exactly_the_limit_is_accepted(article, user, settings):
    assert settings.COMMENT_MAX_LENGTH == 10_000
    body = "x" * 10_000
    comment = comment_create(article=article, author=user, body=f"\n  {body}  \n")
    assert len(Comment.objects.get(pk=comment.pk).body) == 10_000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Your comment is empty. Write something before posting."),
        (" \n\t\r\n  ", "Your comment is empty. Write something before posting."),
        ("x" * 10_001, "Your comment is 10,001 characters long; the limit is 10,000."),
        ("Make it\x00 so", "Your comment contains a NUL character"),
    ],
    ids=["empty", "whitespace-only", "over-limit", "nul-byte"],
)
def test_bad_body_is_refused_and_nothing_is_written(article, user, body, message):
    CommentFactory(article=article)
    count = Comment.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        comment_create(article=article, author=user, body=body)
    assert any(message in text for text in excinfo.value.messages)
    assert Comment.objects.count() == count
    assert_trees_valid()


def test_reply_to_a_comment_on_another_article_is_refused(article, user):
    foreign = CommentFactory(body="On another article")
    assert_refused(
        "You can only reply to a comment on the same article.",
        article=article,
        author=user,
        parent=foreign,
    )
    assert thread_as_text(foreign.article) == "On another article (level 0)"


def test_comment_on_closed_article_is_refused(closed_article, user):
    assert_refused("Comments are closed on this article.", article=closed_article, author=user)


def test_reply_after_comments_were_closed_is_refused(article, user):
    root = CommentFactory(article=article, body="Posted while open")
    article.comments_open = False
    article_save(article=article)
    assert_refused(
        "Comments are closed on this article.", article=article, author=user, parent=root
    )
    assert thread_as_text(article) == "Posted while open (level 0)"


def test_comment_on_draft_article_is_refused(draft_article, user):
    assert_refused(
        "This article isn't published, so it can't take comments.",
        article=draft_article,
        author=user,
    )


def test_comment_on_scheduled_article_is_refused(user):
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    assert_refused(
        "This article isn't published, so it can't take comments.", article=scheduled, author=user
    )


@pytest.mark.parametrize("author", [AnonymousUser(), None], ids=["anonymous", "none"])
def test_comment_without_a_logged_in_author_is_refused(article, author):
    assert_refused("Log in to join the discussion.", article=article, author=author)


def test_comment_by_inactive_user_is_refused(article):
    inactive = UserFactory(is_active=False)
    assert_refused("This account can't post comments.", article=article, author=inactive)


@pytest.mark.parametrize(
    "status", [Comment.Status.PENDING, Comment.Status.REMOVED, Comment.Status.SPAM]
)
def test_reply_to_unpublished_comment_is_refused(article, user, status):
    root = CommentFactory(article=article, body="Root")
    hidden = CommentFactory(parent=root, body="Hidden")
    comment_status_set(comment=hidden, status=status)
    assert_refused(
        "That comment can't take replies any more.", article=article, author=user, parent=hidden
    )
    assert thread_as_text(article) == "Root (level 0)\n  Hidden (level 1)"


def test_reply_to_deleted_comment_is_refused(article, user):
    root = CommentFactory(article=article, body="Root")
    gone = CommentFactory(parent=root, body="Gone")
    # A hard delete (superusers only): hidden first, so no counter above it
    # still counts it; mptt's own delete() closes the gap it leaves.
    comment_status_set(comment=gone, status=Comment.Status.REMOVED)
    Comment.objects.get(pk=gone.pk).delete()
    assert_refused(
        "The comment you replied to no longer exists.", article=article, author=user, parent=gone
    )


# --- Counters kept beside the tree ---------------------------------------------


def counters(article) -> dict[str, tuple[int, int]]:
    """body -> (reply_count, descendant_count) for every comment of the article."""
    rows = Comment.objects.for_article(article).values_list(
        "body", "reply_count", "descendant_count"
    )
    return {body: (replies, below) for body, replies, below in rows}


def test_replies_update_parent_and_ancestor_counters(article):
    root = CommentFactory(article=article, body="root")
    child = CommentFactory(parent=root, body="child")
    CommentFactory(parent=child, body="grandchild")
    CommentFactory(parent=root, body="second child")
    assert counters(article) == {
        "root": (2, 3),
        "child": (1, 1),
        "grandchild": (0, 0),
        "second child": (0, 0),
    }
    assert_trees_valid()


def test_hiding_and_restoring_a_comment_moves_the_counters_both_ways(article):
    root = CommentFactory(article=article, body="root")
    child = CommentFactory(parent=root, body="child")
    CommentFactory(parent=child, body="grandchild")

    comment_status_set(comment=child, status=Comment.Status.REMOVED)
    assert counters(article)["root"] == (0, 1)
    comment_status_set(comment=child, status=Comment.Status.SPAM)  # hidden to hidden: no change
    assert counters(article)["root"] == (0, 1)
    comment_status_set(comment=child, status=Comment.Status.PUBLISHED)
    assert counters(article)["root"] == (1, 2)
    assert_trees_valid()


def test_author_delete_keeps_the_replies_and_uncounts_the_comment(article):
    root = CommentFactory(article=article, body="root")
    child = CommentFactory(parent=root, body="child")
    CommentFactory(parent=child, body="grandchild")

    comment_delete(comment=child, user=child.author)

    assert Comment.objects.get(pk=child.pk).status == Comment.Status.DELETED
    assert counters(article) == {"root": (0, 1), "child": (1, 1), "grandchild": (0, 0)}
    assert thread_as_text(article) == (
        "root (level 0)\n  child (level 1)\n    grandchild (level 2)"
    )
    assert_trees_valid()


def test_check_comment_tree_catches_a_counter_written_behind_the_services(article):
    root = CommentFactory(article=article, body="root")
    CommentFactory(parent=root, body="child")
    Comment.objects.filter(pk=root.pk).update(descendant_count=5)
    with pytest.raises(CommandError, match="violation"):
        assert_trees_valid()
