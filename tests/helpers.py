"""Assertion helpers shared by the test modules."""

from __future__ import annotations

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
