"""check_comment_tree: silent on healthy threads, loud and specific on broken ones."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory
from tests.helpers import thread_as_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def forest(article) -> dict[str, Comment]:
    """Two threads on one article and one on another, built through the service.

    Thread "root":  root > a > a1; root > b > b1 (a before b)
    Thread "solo":  solo
    Thread "far":   far, on another article
    """
    root = CommentFactory(article=article, body="root")
    a = CommentFactory(parent=root, body="a")
    a1 = CommentFactory(parent=a, body="a1")
    b = CommentFactory(parent=root, body="b")
    b1 = CommentFactory(parent=b, body="b1")
    solo = CommentFactory(article=article, body="solo")
    far = CommentFactory(article=ArticleFactory(), body="far")
    nodes = {"root": root, "a": a, "a1": a1, "b": b, "b1": b1, "solo": solo, "far": far}
    for node in nodes.values():
        node.refresh_from_db()
    return nodes


def run_check() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_comment_tree", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_valid_forest_passes(forest):
    assert thread_as_text(forest["root"].article) == "\n".join(
        [
            "root (level 0)",
            "  a (level 1)",
            "    a1 (level 2)",
            "  b (level 1)",
            "    b1 (level 2)",
            "solo (level 0)",
        ]
    )
    # Replies take a slice of their parent's interval and leave room behind them.
    root, a, a1, b, b1 = (forest[name] for name in ("root", "a", "a1", "b", "b1"))
    assert (root.lft, root.rght) == (1, 2**62)
    assert root.lft < a.lft < a1.lft < a1.rght < a.rght < b.lft < b1.lft < b1.rght < b.rght
    assert b.rght < root.rght - 2**60
    out, err = run_check()
    assert out.strip() == "OK: 3 comment trees checked."
    assert err == ""


def test_empty_database_passes():
    out, _ = run_check()
    assert out.strip() == "OK: 0 comment trees checked."


def test_quiet_verbosity_prints_nothing_when_ok(forest):
    out = StringIO()
    call_command("check_comment_tree", verbosity=0, stdout=out)
    assert out.getvalue() == ""


# Each corruption is what a write bypassing the services could leave behind.
# Values are written with raw SQL on purpose: the ORM's MPTT code would fix them.
CORRUPTIONS = [
    pytest.param(
        "UPDATE comments_comment SET lft = %(b_lft)s WHERE id = %(a)s",
        "lft < rght, every edge used once in its tree",
        id="duplicate-lft",
    ),
    pytest.param(
        "UPDATE comments_comment SET level = 2 WHERE id = %(b)s",
        "children inside their parent, same tree, level = parent's + 1",
        id="wrong-level",
    ),
    pytest.param(
        "UPDATE comments_comment SET level = 1 WHERE id = %(solo)s",
        "roots have level 0",
        id="root-not-at-level-0",
    ),
    pytest.param(
        "UPDATE comments_comment SET parent_id = %(b)s WHERE id = %(a1)s",
        "children inside their parent, same tree, level = parent's + 1",
        id="child-outside-parent-interval",
    ),
    pytest.param(
        "UPDATE comments_comment SET parent_id = NULL, level = 0 WHERE id = %(b1)s",
        "one root per tree",
        id="two-roots",
    ),
    pytest.param(
        "UPDATE comments_comment SET rght = %(a_rght)s - 1 WHERE id = %(root)s",
        "edges nest as the replies do",
        id="root-ends-inside-a-reply",
    ),
    pytest.param(
        "UPDATE comments_comment SET lft = %(b_rght)s + 1, rght = %(b_rght)s + 2 WHERE id = %(a1)s",
        "children inside their parent, same tree, level = parent's + 1",
        id="reply-outside-its-parent",
    ),
    pytest.param(
        # b and its reply moved into a's free room: inside the root still, but
        # nested in a sibling rather than beside it.
        """UPDATE comments_comment
           SET lft = %(a1_rght)s + CASE id WHEN %(b)s THEN 1 ELSE 2 END,
               rght = %(a1_rght)s + CASE id WHEN %(b)s THEN 4 ELSE 3 END
           WHERE id IN (%(b)s, %(b1)s)""",
        "edges nest as the replies do",
        id="nested-in-a-sibling",
    ),
    pytest.param(
        "UPDATE comments_comment SET lft = rght, rght = lft WHERE id = %(b1)s",
        "lft < rght, every edge used once in its tree",
        id="inverted-interval",
    ),
    pytest.param(
        "UPDATE comments_comment SET tree_id = %(solo_tree)s WHERE id = %(a1)s",
        "children inside their parent, same tree, level = parent's + 1",
        id="child-in-another-tree",
    ),
    pytest.param(
        "UPDATE articles_article SET comment_count = comment_count + 1 WHERE id = %(far_article)s",
        "an article's comment_count = its published comments",
        id="article-count-off",
    ),
    pytest.param(
        "UPDATE comments_comment SET article_id = %(far_article)s WHERE id = %(b1)s",
        "a thread belongs to one article",
        id="thread-spans-articles",
    ),
]


@pytest.mark.parametrize(("sql", "violation"), CORRUPTIONS)
def test_corrupted_tree_fails_and_names_the_violation(forest, sql, violation):
    run_check()  # healthy before the corruption
    params = {name: node.pk for name, node in forest.items()} | {
        "b_lft": forest["b"].lft,
        "b_rght": forest["b"].rght,
        "a_rght": forest["a"].rght,
        "a1_rght": forest["a1"].rght,
        "solo_tree": forest["solo"].tree_id,
        "far_article": forest["far"].article_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.rowcount >= 1

    err = StringIO()
    with pytest.raises(CommandError, match=r"violation\(s\) in \d+ of 3 trees"):
        call_command("check_comment_tree", stdout=StringIO(), stderr=err)
    assert f": {violation}: " in err.getvalue()


def test_each_violation_line_names_the_tree_and_comment(forest):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE comments_comment SET level = 5 WHERE id = %s", [forest["a1"].pk])
    err = StringIO()
    with pytest.raises(CommandError, match=r"^1 violation\(s\) in 1 of 3 trees\.$"):
        call_command("check_comment_tree", stdout=StringIO(), stderr=err)
    root, a, a1 = forest["root"], forest["a"], forest["a1"]
    assert err.getvalue().strip() == (
        f"tree {root.tree_id}, comment {forest['a1'].pk}: "
        "children inside their parent, same tree, level = parent's + 1: "
        f"parent {forest['a'].pk}: tree {root.tree_id} vs {root.tree_id}, "
        f"interval ({a1.lft},{a1.rght}) vs parent ({a.lft},{a.rght}), level 5 vs parent 1"
    )


def test_broken_thread_is_reported_while_healthy_ones_are_not(forest):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE comments_comment SET rght = lft WHERE id = %s", [forest["solo"].pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_comment_tree", stdout=StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert lines
    assert all(line.startswith(f"tree {forest['solo'].tree_id}") for line in lines)
