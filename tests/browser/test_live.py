"""Two readers on one article: one posts, the other sees "1 new comment" and shows it (issue 16)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _note_poll(polls: list[str], request) -> None:
    if "/live/" in request.url:
        polls.append(request.url)


@pytest.fixture
def fast_polls(settings):
    # The site polls every 10 s; the flow is the same every 2.
    settings.LIVE_POLL_SECONDS = 2


def test_a_second_reader_sees_a_new_comment_arrive_and_shows_it(
    browser, page, live_server, log_in, article, fast_polls
):
    CommentFactory(article=article, body="The first comment")
    watcher = page
    watcher.goto(f"{live_server.url}{article.get_absolute_url()}")
    watcher.get_by_text("The first comment").wait_for()
    scrolled = watcher.evaluate("window.scrollY")

    writer_context = browser.new_context()
    writer = writer_context.new_page()
    log_in(writer, UserFactory(username="worf"))
    writer.goto(f"{live_server.url}{article.get_absolute_url()}")
    writer.get_by_label("Your comment").fill("Today is a good day to comment")
    writer.get_by_role("button", name="Post comment").click()
    writer.locator("article.comment", has_text="Today is a good day").wait_for()
    writer_context.close()

    banner = watcher.locator("#live-banner")
    expect(banner).to_contain_text("1 new comment", timeout=15_000)
    expect(watcher.locator("#comments-title")).to_have_text("2 Comments")
    assert watcher.locator("article.comment", has_text="Today is a good day").count() == 0
    results = Axe().run(watcher)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

    show = banner.get_by_role("button", name="Show it")
    show.focus()
    watcher.keyboard.press("Enter")
    arrived = watcher.locator(".live-new article.comment", has_text="Today is a good day")
    arrived.wait_for()
    expect(banner).to_contain_text("1 new comment shown at the top of the discussion")
    # The focus stays in the banner, and the page where the reader left it.
    assert watcher.evaluate("document.activeElement.hasAttribute('data-live-shown')")
    assert watcher.evaluate("window.scrollY") == scrolled
    # It is a comment like any other: its reply link works in place.
    assert arrived.get_by_role("link", name="Reply to worf").is_visible()
    # Closing the message leaves the reader on what arrived, the page where it was.
    watcher.keyboard.press("Tab")
    watcher.keyboard.press("Tab")
    assert watcher.evaluate("document.activeElement.hasAttribute('data-live-dismiss')")
    watcher.keyboard.press("Enter")
    expect(banner).to_be_empty()
    assert watcher.evaluate("document.activeElement.classList.contains('live-new')")
    assert watcher.evaluate("window.scrollY") == scrolled


def test_a_hidden_tab_does_not_poll(page, live_server, article, fast_polls):
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    polls = []
    page.on("request", lambda request: _note_poll(polls, request))
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})"
    )
    page.wait_for_timeout(5_000)
    assert polls == []
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', "
        "{value: 'visible', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.wait_for_timeout(500)
    assert len(polls) >= 1


def test_without_javascript_nothing_polls(browser, live_server, article, fast_polls):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    polls = []
    page.on("request", lambda request: _note_poll(polls, request))
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.wait_for_timeout(3_000)
    assert polls == []
    assert page.locator("#live-banner").is_hidden()
    context.close()
