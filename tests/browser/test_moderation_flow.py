"""A held comment, from the reader who posts it through the moderator who approves it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from comments.models import Comment, WordRule
from tests.factories import PASSWORD, WordRuleFactory
from tests.helpers import make_moderator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "My tribble had babies"


def test_held_comment_is_approved_in_the_admin_and_reaches_everyone(
    browser, page, live_server, log_in, article, user
):
    WordRuleFactory(phrase="tribble", action=WordRule.Action.HOLD)
    moderator = make_moderator(username="odo")
    article_url = f"{live_server.url}{article.get_absolute_url()}"

    # The reader posts; htmx shows the comment in place, marked as waiting, uncounted.
    log_in(page, user)
    page.goto(article_url)
    page.get_by_label("Your comment").fill(TEXT)
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("article.comment", has_text=TEXT)
    expect(mine.locator(".badge--pending")).to_have_text("Awaiting moderation")
    expect(page.locator("#comments-title")).to_have_text("0 Comments")
    comment = Comment.objects.get(author=user)
    assert comment.status == Comment.Status.PENDING

    # Still there, still marked, after a reload.
    page.reload()
    expect(mine.locator(".badge--pending")).to_have_text("Awaiting moderation")

    # An anonymous reader sees no trace of it.
    anonymous_context = browser.new_context()
    anonymous = anonymous_context.new_page()
    anonymous.goto(article_url)
    expect(anonymous.locator("#comments-title")).to_have_text("0 Comments")
    expect(anonymous.get_by_text(TEXT)).to_have_count(0)
    expect(anonymous.locator(f"#comment-{comment.pk}")).to_have_count(0)

    # The moderator logs into the admin and approves it from the comments list.
    moderator_context = browser.new_context()
    admin = moderator_context.new_page()
    admin.goto(f"{live_server.url}/admin/")
    admin.locator("#id_username").fill(moderator.username)
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("input[type=submit], button[type=submit]").click()
    expect(admin.locator("#user-tools")).to_contain_text(
        moderator.username.upper(), ignore_case=True
    )
    admin.goto(f"{live_server.url}{reverse('admin:comments_comment_changelist')}")
    admin.locator(f'input[name="_selected_action"][value="{comment.pk}"]').check()
    actions = admin.locator('select[name="action"]')
    approve = actions.locator("option", has_text="Approve")
    expect(approve).to_have_count(1)
    actions.select_option(approve.get_attribute("value"))
    admin.locator('button[name="index"]').click()
    expect(admin.locator(".messagelist")).to_contain_text("approved")

    # Now every reader sees it, counted and unmarked.
    anonymous.reload()
    shown = anonymous.locator(f"#comment-{comment.pk}")
    expect(shown).to_contain_text(TEXT)
    expect(shown.locator(".badge--pending")).to_have_count(0)
    expect(anonymous.locator("#comments-title")).to_have_text("1 Comment")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED

    anonymous_context.close()
    moderator_context.close()
