"""What a screen reader hears: actions named by their comment, and changes made in place.

Links are listed out of context by screen readers ("Flag, Flag, Flag..."), so
each action names the comment it acts on. Changes htmx makes in place are
read out politely from one live region (base.html's #live-status, filled by
site.js).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_actions_are_named_by_their_comment(any_page, live_server, log_in, article, user):
    page = any_page
    lily = UserFactory(username="lily", first_name="Lily", last_name="Tran")
    theirs = CommentFactory(article=article, author=lily, body="Worth a flag?")
    CommentFactory(article=article, author=user, body="My own words")
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    mine = re.escape(user.display_name)

    expect(page.get_by_role("link", name="Flag comment by Lily Tran", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Reply to Lily Tran", exact=True)).to_be_visible()
    permalink = page.get_by_role("link", name=re.compile(r"^Link to comment by Lily Tran, "))
    expect(permalink).to_have_attribute("href", theirs.get_absolute_url())
    expect(permalink).to_have_accessible_name(re.compile(r", (just now|\d+\s\w+ ago)$"))
    edit = page.get_by_role("link", name=re.compile(rf"^Edit comment by {mine}, "))
    delete = page.get_by_role("link", name=re.compile(rf"^Delete comment by {mine}, "))
    expect(edit).to_have_count(1)
    expect(delete).to_have_count(1)
    # The visible words are unchanged, and nothing is named by the bare word any more.
    expect(edit).to_have_text(re.compile(r"^Edit"))
    for bare in ("Link", "Flag", "Edit", "Delete"):
        expect(page.get_by_role("link", name=bare, exact=True)).to_have_count(0)


def test_like_and_reply_are_announced(page, live_server, log_in, article, user):
    lily = UserFactory(username="lily", first_name="Lily", last_name="Tran")
    theirs = CommentFactory(article=article, author=lily, body="Say something")
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    live = page.locator("#live-status")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_text("")

    like = page.locator(f"#like-{theirs.pk}").get_by_role("button")
    like.click()
    expect(live).to_have_text("Liked. 1 like.")
    page.locator(f"#like-{theirs.pk}").get_by_role("button").click()
    expect(live).to_have_text("Like taken back. 0 likes.")

    page.get_by_role("link", name="Reply to Lily Tran").click()
    page.get_by_role("textbox", name="Reply to Lily Tran").fill("Something, then.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(f"#replies-{theirs.pk} > article.comment")).to_contain_text(
        "Something, then."
    )
    expect(live).to_have_text("Your reply was posted. 2 Comments.")

    page.get_by_role("textbox", name="Your comment").fill("And a thread of my own.")
    page.get_by_role("button", name="Post comment").click()
    expect(live).to_have_text("Your comment was posted. 3 Comments.")
