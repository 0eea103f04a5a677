"""Writing a comment in a real browser (issue 15): Markdown, Preview, the toolbar, drafts.

Preview and posting are checked with and without JavaScript; the toolbar,
the character count and drafts kept in the browser need it, and each has
the same outcome typed by hand without it.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRITTEN = (
    "My ranking:\n\n1. Wrath of Khan\n2. First Contact\n\n"
    "```\nif (warp > 9) { engage(); }\n```\n\n"
    "> Resistance is futile\n\n"
    "More at [Memory Alpha](https://example.org/ma) and ||Spock lives||."
)


def _check_rendered(body) -> None:
    """A locator's comment body shows the Markdown above as Reddit would."""
    assert body.locator("ol > li").all_inner_texts() == ["Wrath of Khan", "First Contact"]
    assert body.locator("pre > code").inner_text().strip() == "if (warp > 9) { engage(); }"
    assert body.locator("blockquote").inner_text().strip() == "Resistance is futile"
    link = body.get_by_role("link", name="Memory Alpha")
    assert link.get_attribute("href") == "https://example.org/ma"
    assert link.get_attribute("rel") == "nofollow ugc noopener"
    secret = body.locator(".spoiler__text", has_text="Spock lives")
    assert not secret.is_visible()  # hidden until the reader asks
    body.locator("label.spoiler").click()
    assert secret.is_visible()
    assert body.get_by_role("checkbox", name="Reveal spoiler").is_checked()


def test_preview_then_post_a_markdown_comment(any_page, live_server, log_in, article, user):
    page = any_page
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    if page.javascript:
        page.evaluate("window.__sameDocument = true")
    page.get_by_label("Your comment").fill(WRITTEN)
    page.get_by_role("button", name="Preview your comment").click()

    preview = page.locator(".comment-preview__box")
    preview.wait_for()
    _check_rendered(preview)
    assert page.get_by_label("Your comment").input_value() == WRITTEN
    assert Comment.objects.count() == 0
    if page.javascript:
        assert page.evaluate("window.__sameDocument") is True
        results = Axe().run(page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []

    page.get_by_role("button", name="Post comment").click()
    posted = page.locator("article.comment", has_text="My ranking")
    posted.wait_for()
    _check_rendered(posted.locator(".comment__body"))
    assert Comment.objects.get().body == WRITTEN


def test_editing_has_a_preview_too(any_page, live_server, log_in, article, user):
    page = any_page
    comment = CommentFactory(article=article, author=user, body="Plain first")
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.locator(f"#comment-content-{comment.pk}").get_by_text("Edit").click()
    field = page.get_by_label("Edit your comment")
    field.fill("- one\n- **two**")
    page.get_by_role("button", name="Preview your changes").click()
    page.locator(".comment-preview__box li strong", has_text="two").wait_for()
    assert Comment.objects.get().body == "Plain first"
    page.get_by_role("button", name="Save changes").click()
    page.locator(f"#comment-{comment.pk} .comment__body li strong", has_text="two").wait_for()


def _top_form(page, live_server, log_in, article, user):
    """The article's comment box, for a signed-in reader."""
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    return page.get_by_label("Your comment")


def test_toolbar_works_from_the_keyboard(page, live_server, log_in, article, user):
    field = _top_form(page, live_server, log_in, article, user)
    field.fill("engage")
    field.press("Control+a")
    field.press("Shift+Tab")  # the toolbar is one stop, just before the text
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Bold"
    page.keyboard.press("Enter")
    assert field.input_value() == "**engage**"
    field.press("Control+z")  # the browser's own undo takes the toolbar's change back
    assert field.input_value() == "engage"
    field.press("Control+Shift+z")
    assert field.input_value() == "**engage**"
    field.evaluate("field => field.setSelectionRange(2, 8)")  # "engage" again
    field.press("Shift+Tab")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # Italic, Quote, Spoiler
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Spoiler"
    page.keyboard.press("Enter")
    assert field.input_value() == "**||engage||**"
    field.press("End")
    field.type(" see ")
    field.press("Control+k")
    field.type("the trailer")
    assert field.input_value() == "**||engage||** see [the trailer](https://)"
    toolbar = page.get_by_role("toolbar", name="Formatting")
    labels = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert labels == ["Bold", "Italic", "Quote", "Spoiler", "Link", "Code", "Bulleted list"]


def test_quote_and_list_buttons_mark_every_selected_line(page, live_server, log_in, article, user):
    field = _top_form(page, live_server, log_in, article, user)
    field.fill("Kirk\nSpock")
    field.press("Control+a")
    page.get_by_role("button", name="Bulleted list").click()
    assert field.input_value() == "- Kirk\n- Spock"


def test_character_count_near_the_limit(page, live_server, log_in, article, user):
    field = _top_form(page, live_server, log_in, article, user)
    count = page.locator("[data-count-for='id_body_new']")
    field.fill("x" * 100)
    assert count.inner_text() == ""
    assert not count.is_visible()
    field.fill("x" * 9_500)
    assert count.inner_text() == "500 characters left of 10,000"
    assert count.get_attribute("aria-live") == "polite"


def test_a_draft_survives_a_reload_and_goes_once_posted(page, live_server, log_in, article, user):
    parent = CommentFactory(article=article)
    log_in(page, user)
    url = f"{live_server.url}{article.get_absolute_url()}"
    page.goto(url)
    page.get_by_label("Your comment").fill("Half a thought about the saucer")
    page.locator(f"#comment-content-{parent.pk}").get_by_text("Reply").click()
    page.get_by_role("textbox", name=f"Reply to {parent.author.display_name}").fill("Half a reply")

    page.reload()
    assert page.get_by_label("Your comment").input_value() == "Half a thought about the saucer"
    assert page.get_by_text("Your unsent text is back.").is_visible()
    page.locator(f"#comment-content-{parent.pk}").get_by_text("Reply").click()
    reply = page.get_by_role("textbox", name=f"Reply to {parent.author.display_name}")
    expect(reply).to_have_value("Half a reply")  # put back once htmx has settled the form

    page.get_by_role("button", name="Post comment").click()
    page.locator("article.comment", has_text="Half a thought").wait_for()
    page.reload()
    assert page.get_by_label("Your comment").input_value() == ""
    page.locator(f"#comment-content-{parent.pk}").get_by_text("Reply").click()
    reply = page.get_by_role("textbox", name=f"Reply to {parent.author.display_name}")
    expect(reply).to_have_value("Half a reply")  # not posted: still kept
    page.locator(f"#reply-slot-{parent.pk}").get_by_role("button", name="Discard it").click()
    assert reply.input_value() == ""
    page.reload()
    page.locator(f"#comment-content-{parent.pk}").get_by_text("Reply").click()
    assert (
        page.get_by_role("textbox", name=f"Reply to {parent.author.display_name}").input_value()
        == ""
    )


def test_a_refused_post_keeps_the_draft(page, live_server, log_in, article, user, settings):
    settings.RATE_LIMITS = {"post": "1/m"}
    _top_form(page, live_server, log_in, article, user).fill("First")
    page.get_by_role("button", name="Post comment").click()
    page.locator("article.comment", has_text="First").wait_for()
    page.get_by_label("Your comment").fill("Second, too fast")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("You're posting too fast.").wait_for()
    page.reload()
    assert page.get_by_label("Your comment").input_value() == "Second, too fast"
