"""Where a reader lands after a form, and what a refusal looks like (issue 12, points 1 and 1b).

Without JavaScript every post, edit, flag and delete lands on the comment's own
page with the confirmation right above it. With JavaScript a refusal (a banned
reader, a blocked word, a proxy's 502, a lost connection) appears in the form
or beside the button; the page and the typed text stay.
"""

from __future__ import annotations

import pytest

from comments.models import Comment, CommentFlag, WordRule
from tests.factories import CommentFactory, UserFactory, WordRuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _busy_discussion(article, threads: int = 60):
    # More threads than a page shows under Best, each liked, so a new comment
    # (no likes yet) sorts behind "Load more comments".
    likers = UserFactory.create_batch(2)
    from comments import services

    for n in range(threads):
        comment = CommentFactory(article=article, body=f"Earlier thread {n}")
        for liker in likers:
            services.comment_like_toggle(comment=comment, user=liker)


def test_a_new_comment_without_javascript_lands_where_it_is_shown(
    browser, live_server, article, user, log_in
):
    _busy_discussion(article)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator("article.comment", has_text="Earlier thread").count() >= 50
    page.get_by_label("Your comment").fill("Buried under Best on the article page")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("article.comment", has_text="Buried under Best on the article page")
    mine.wait_for()
    comment = Comment.objects.get(body="Buried under Best on the article page")
    assert page.url.endswith(f"/comments/{comment.pk}/#confirmation")
    confirmation = page.locator("#confirmation")
    assert confirmation.inner_text().strip() == "Your comment is posted."
    # Both in view without scrolling, the confirmation directly above the comment.
    for element in (confirmation, mine):
        box = element.bounding_box()
        assert box is not None
        assert 0 <= box["y"] < 740
    assert confirmation.bounding_box()["y"] < mine.bounding_box()["y"]
    context.close()


def test_a_flag_without_javascript_is_confirmed_at_the_comment(
    browser, live_server, article, user, log_in
):
    _busy_discussion(article, threads=5)
    target = Comment.objects.filter(article=article).order_by("pk")[3]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, user)
    page.goto(f"{live_server.url}/comments/{target.pk}/flag/")
    page.get_by_label("Abusive or harassing").check()
    page.get_by_role("button", name="Send to moderators").click()
    page.wait_for_url(f"**/comments/{target.pk}/#confirmation")
    confirmation = page.locator("#confirmation")
    text = confirmation.inner_text()
    assert "Thanks for flagging this comment." in text
    assert "You flagged this comment (abusive or harassing)." in text
    assert page.locator(f"#comment-{target.pk}").is_visible()
    assert CommentFlag.objects.filter(comment=target, user=user).count() == 1
    # Seen again later, the comment still says so.
    page.goto(f"{live_server.url}/comments/{target.pk}/")
    assert "You flagged this comment" in page.locator("#confirmation").inner_text()
    assert "Thanks for flagging" not in page.locator("#confirmation").inner_text()
    context.close()


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_refusal_with_javascript_stays_in_the_form(
    page, live_server, article, log_in, settings, debug
):
    # With DEBUG on, django-htmx's debug helper used to replace the whole page
    # with the refusal's fragment.
    settings.DEBUG = debug
    banned = UserFactory(banned=True, moderation_reason="Trolling the trailer thread")
    CommentFactory(article=article, body="Someone else's comment")
    log_in(page, banned)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Your comment").fill("Words I typed with care")
    page.get_by_role("button", name="Post comment").click()
    form = page.locator("#comment-form-new")
    form.get_by_text("Trolling the trailer thread").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator(".skip-link").count() == 1  # still the whole site, not a fragment
    assert page.get_by_label("Your comment").input_value() == "Words I typed with care"
    assert Comment.objects.filter(author=banned).count() == 0


def test_a_blocked_word_is_refused_in_the_form(page, live_server, article, user, log_in):
    WordRuleFactory(phrase="casino bonus", action=WordRule.Action.BLOCK)
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Your comment").fill("Get your casino bonus now")
    page.get_by_role("button", name="Post comment").click()
    page.locator("#comment-form-new .form-errors, #comment-form-new .field-errors").first.wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_by_label("Your comment").input_value() == "Get your casino bonus now"


@pytest.mark.parametrize("failure", ["502", "lost connection"])
def test_a_failed_request_says_so_and_keeps_the_text(
    page, live_server, article, user, log_in, failure
):
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")

    def fail(route):
        if failure == "502":
            route.fulfill(status=502, body="<html><body>Bad gateway</body></html>")
        else:
            route.abort("connectionreset")

    page.route("**/comments/", fail)
    page.get_by_label("Your comment").fill("Sent into the void")
    page.get_by_role("button", name="Post comment").click()
    note = page.locator("#comment-form-new .request-failed")
    note.wait_for()
    text = note.inner_text()
    assert "Couldn't send that" in text
    assert ("(502)" in text) is (failure == "502")
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_by_label("Your comment").input_value() == "Sent into the void"
    assert page.get_by_role("button", name="Post comment").is_enabled()
    # Sent again once the network is back: the note goes, the comment is posted.
    page.unroute("**/comments/")
    page.get_by_role("button", name="Post comment").click()
    page.locator("article.comment", has_text="Sent into the void").wait_for()
    assert page.locator(".request-failed").count() == 0
    assert Comment.objects.filter(body="Sent into the void").count() == 1


def test_a_first_comment_with_javascript_logs_no_console_errors(
    page, live_server, article, user, log_in
):
    errors = []
    page.on("console", lambda message: errors.append(message.text))
    log_in(page, user)
    for n in range(2):  # the first comment, and one beside it
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        page.get_by_label("Your comment").fill(f"Comment number {n}")
        page.get_by_role("button", name="Post comment").click()
        page.locator("article.comment", has_text=f"Comment number {n}").wait_for()
        if n == 0:
            assert page.locator("#no-comments").is_hidden()
    assert not [text for text in errors if "oob" in text.lower() or "error" in text.lower()]
