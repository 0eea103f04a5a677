"""The comment markup as assistive technology reads it (comments/render.py, sanitize.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from comments import render, selectors
from comments.sanitize import SPOILER_CONTROL_OPEN, html_to_text, spoiler_controls
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

LEGACY = '<span class="spoiler" tabindex="0" title="Spoiler: click to reveal">'


def _html(comment) -> str:
    """The comment's markup as an anonymous reader gets it."""
    ctx = render.RenderContext.build(
        article=comment.article, request=RequestFactory().get("/"), sort="best"
    )
    return "".join(render.comment(selectors.shown(comment, user=AnonymousUser()), ctx))


def test_the_fold_summary_holds_no_link_and_names_the_comment(article):
    author = UserFactory(first_name="Lily", last_name="Tran")
    comment = CommentFactory(article=article, author=author)
    html = _html(comment)
    summary = re.search(r"<summary\b.*?</summary>", html).group(0)
    assert "<a " not in summary
    assert "Comment by </span>Lily Tran" in summary
    # The author's link and the permalink are in the header, after the summary.
    assert html.index("</summary>") < html.index('class="comment__author"')


def test_actions_name_their_comment(article):
    comment = CommentFactory(
        article=article, author=UserFactory(first_name="Lily", last_name="Tran")
    )
    html = _html(comment)
    assert re.search(
        r'>Link<span class="visually-hidden"> to comment by Lily Tran, just now<', html
    )
    assert '>Flag<span class="visually-hidden"> comment by Lily Tran</span></a>' in html


def test_old_spoiler_markup_is_upgraded_and_the_upgrade_is_idempotent():
    old = f"<p>Twist: {LEGACY}the <b>captain</b> dies</span>, sadly.</p>"
    new = spoiler_controls(old)
    assert (
        new == f"<p>Twist: {SPOILER_CONTROL_OPEN}the <b>captain</b> dies</span></label>, sadly.</p>"
    )
    assert spoiler_controls(new) == new
    assert html_to_text(new) == "Twist: [spoiler], sadly."


def test_a_spoiler_in_a_spoiler_or_a_link_gets_no_control_of_its_own():
    html = spoiler_controls(
        f'<p>{LEGACY}a {LEGACY}b</span> c</span> <a href="https://x.org">{LEGACY}d</span></a></p>'
    )
    assert html.count("<input") == 1
    assert html.endswith('<a href="https://x.org"><span class="spoiler">d</span></a></p>')


def test_an_authors_header_follows_their_name_staff_flag_and_the_articles_author(article):
    """The process keeps each author's header by every value it is made of, never stale."""
    author = UserFactory(first_name="Lily", last_name="Tran", username="lily")
    comment = CommentFactory(article=article, author=author)
    assert ">Lily Tran</a>" in _html(comment)

    author.first_name, author.is_staff = "Lilian", True
    author.save(update_fields=["first_name", "is_staff"])
    comment.refresh_from_db()
    html = _html(comment)
    assert ">Lilian Tran</a>" in html
    assert "badge--staff" in html
    assert "badge--author" not in html

    article.author = author
    article.save(update_fields=["author"])
    comment.refresh_from_db()
    assert "badge--author" in _html(comment)
