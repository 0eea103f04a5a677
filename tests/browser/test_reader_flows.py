"""What a reader clicks through, in a real browser, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from comments.models import Comment
from tests.factories import CommentFactory
from tests.helpers import reply_chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "warp-Nine-engage-42"


def _log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-Trekboard-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def _sign_up(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/accounts/signup/sent/")
    # The account is made when the emailed link is followed (accounts.services).
    link = re.search(r"/accounts/signup/confirm/[\w-]+/", mail.outbox[-1].body).group(0)
    page.goto(f"{live_server.url}{link}")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Log out").is_visible()


def test_sign_up_post_and_reply_three_levels_deep(any_page, live_server, article):
    page = any_page
    chain = reply_chain(article, depth=3)
    target = chain[3]
    _sign_up(page, live_server, "reader_" + ("js" if page.javascript else "nojs"))

    # A top-level comment.
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    if page.javascript:
        page.evaluate("window.__sameDocument = true")
    page.get_by_label("Your comment").fill("My first comment 🖖")
    page.get_by_role("button", name="Post comment").click()
    top = page.locator("article.comment", has_text="My first comment 🖖")
    top.wait_for()
    assert top.get_attribute("data-depth") == "0"
    if not page.javascript:
        # Landed on the comment's own page, the confirmation right above it.
        mine = Comment.objects.get(body="My first comment 🖖")
        assert page.url.endswith(f"/comments/{mine.pk}/#confirmation")
        assert page.locator("#confirmation").inner_text().strip() == "Your comment is posted."
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator("#comments-title").inner_text() == "5 Comments"

    # A reply to the comment three levels deep.
    page.locator(f"#comment-content-{target.pk} > .comment__actions").get_by_text("Reply").click()
    if not page.javascript:
        page.wait_for_url(f"**/comments/{target.pk}/reply/")
    page.get_by_role("textbox", name=f"Reply to {target.author.display_name}").fill(
        "A reply, deep down"
    )
    page.get_by_role("button", name="Post reply").click()

    if not page.javascript:
        page.locator("#confirmation", has_text="Your comment is posted.").wait_for()
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
    nested = page.locator(f"#replies-{target.pk} > article.comment", has_text="A reply, deep down")
    nested.wait_for()
    assert nested.get_attribute("data-depth") == "4"
    reply = Comment.objects.get(body="A reply, deep down")
    assert reply.parent_id == target.pk
    assert nested.get_attribute("id") == f"comment-{reply.pk}"
    if page.javascript:
        # htmx inserted both without leaving the page.
        assert page.evaluate("window.__sameDocument") is True
        assert page.locator(f"#reply-slot-{target.pk} form").count() == 0

    # After a reload the reply is still in the same place.
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator(f"#replies-{target.pk} > #comment-{reply.pk}").count() == 1


def test_logged_out_reader_logs_in_and_keeps_text(any_page, live_server, article, user):
    page = any_page
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.get_by_label("Your comment").fill("Typed while logged out")
    page.get_by_role("button", name="Log in and post").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-Trekboard-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{article.get_absolute_url()}**")
    assert page.get_by_label("Your comment").input_value() == "Typed while logged out"
    page.get_by_role("button", name="Post comment").click()
    page.locator("article.comment", has_text="Typed while logged out").wait_for()


def test_continue_this_thread_and_permalink_ancestors(page, live_server, article):
    chain = reply_chain(article, depth=10)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator(f"#comment-{chain[8].pk}").count() == 0
    page.get_by_role("link", name="Continue this thread →").click()
    page.wait_for_url(f"**/comments/{chain[7].pk}/")
    for node in chain[8:]:
        assert page.locator(f"#comment-{node.pk}").is_visible()
    # The permalink page shows the chain the comment answers, in order.
    context = page.locator(".ancestor")
    assert context.count() == 7
    assert context.first.inner_text().endswith("level 0")
    assert "level 6" in context.last.inner_text()


def test_htmx_reply_form_opens_in_place_and_cancels(page, live_server, article, user):
    comment = CommentFactory(article=article, body="Open a form under me")
    _log_in(page, live_server, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.locator(f"#comment-{comment.pk} .comment__actions").get_by_text("Reply").click()
    form = page.locator(f"#reply-slot-{comment.pk} form")
    form.wait_for()
    assert page.url.endswith(article.get_absolute_url())
    form.get_by_role("button", name="Post reply").click()  # empty: the browser refuses
    assert form.is_visible()
    assert Comment.objects.count() == 1
    form.get_by_role("link", name="Cancel").click()
    assert page.locator(f"#reply-slot-{comment.pk} form").count() == 0


def test_error_is_shown_in_place_with_text_kept(page, live_server, article, user):
    _log_in(page, live_server, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    too_long = "a" * 10_001
    # maxlength stops typing past the limit; a pasted/scripted value can still arrive.
    page.eval_on_selector(
        "#id_body_new", "(el, v) => { el.removeAttribute('maxlength'); el.value = v; }", too_long
    )
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("the limit is 10,000").wait_for()
    assert page.locator("#id_body_new").input_value() == too_long
    assert Comment.objects.count() == 0


def test_no_horizontal_scroll_on_a_phone(browser, live_server, article):
    reply_chain(article, depth=10)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
