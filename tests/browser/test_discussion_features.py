"""The discussion's reader features, clicked through in Chromium, with and without JavaScript.

With JavaScript, htmx answers in place: each of those tests sets a marker on
``window`` before clicking and checks it afterwards, so a full page load (which
would wipe it) fails the test. Without JavaScript the same links and forms
navigate, and the tests follow them to where the reader lands.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentLike, Notification
from comments.services import comment_like_toggle
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The top-level comments' own text, in page order (their replies left out).
TOP_BODIES = "#comments-list > article.comment > details > .comment__content > .comment__body"


def _url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def _mark_document(page) -> None:
    """Tag the loaded document; a page load in between loses the tag."""
    page.evaluate("window.__sameDocument = true")


def _assert_same_document(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def _reply_bodies(page, parent: Comment):
    return page.locator(
        f"#replies-{parent.pk} > article.comment > details > .comment__content > .comment__body"
    )


def _click_summary(page, comment: Comment) -> None:
    """Click the comment's summary line on its empty right-hand end, away from its links."""
    summary = page.locator(f"#comment-{comment.pk} > details > summary")
    box = summary.bounding_box()
    assert box is not None, "the summary is not rendered"
    summary.click(position={"x": box["width"] - 3, "y": box["height"] / 2})


# --- Likes --------------------------------------------------------------------


def test_like_and_unlike_someone_elses_comment(any_page, live_server, log_in, article, user):
    page = any_page
    theirs = CommentFactory(article=article, body="Worth a like")
    mine = CommentFactory(article=article, author=user, body="My own words")
    log_in(page, user)
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(article_url)
    if page.javascript:
        _mark_document(page)

    like = page.locator(f"#like-{theirs.pk}")
    expect(like.locator(".like__count")).to_have_text("0")
    expect(like).not_to_contain_text("You liked this")

    like.get_by_role("button").click()
    if not page.javascript:
        page.wait_for_url(f"{article_url}#comment-{theirs.pk}")
    expect(like.locator(".like__count")).to_have_text("1")
    expect(like.get_by_text("You liked this")).to_be_visible()
    expect(like.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    assert CommentLike.objects.filter(comment=theirs, user=user).exists()

    like.get_by_role("button").click()
    expect(like.locator(".like__count")).to_have_text("0")
    expect(like).not_to_contain_text("You liked this")
    expect(like.get_by_role("button")).to_have_attribute("aria-pressed", "false")
    assert not CommentLike.objects.filter(comment=theirs).exists()

    if page.javascript:
        _assert_same_document(page)
        assert page.url == article_url

    # Your own comment shows its likes but offers nothing to click.
    own_like = page.locator(f"#like-{mine.pk}")
    expect(own_like).to_be_visible()
    expect(own_like.get_by_role("button")).to_have_count(0)


def test_a_keyboard_reader_keeps_their_place_on_the_heart(page, live_server, log_in, article, user):
    theirs = CommentFactory(article=article, body="Worth a like from the keyboard")
    log_in(page, user)
    page.goto(_url(live_server, article.get_absolute_url()))
    button = page.locator(f"#like-{theirs.pk}").get_by_role("button")

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    # The form was swapped for a new one: focus is on its button, not lost to <body>.
    expect(button).to_be_focused()
    # htmx takes the new form on when the swap settles; a key pressed before
    # that would submit it as a plain form (a page load), as without JavaScript.
    page.wait_for_function("!document.querySelector('.htmx-added, .htmx-settling')")
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()


# --- Collapse -------------------------------------------------------------------


def test_collapse_and_expand_a_thread(any_page, live_server, article):
    page = any_page
    parent = CommentFactory(article=article, body="Fold me away")
    first = CommentFactory(parent=parent, body="First answer")
    CommentFactory(parent=first, body="Answer to the answer")
    page.goto(_url(live_server, article.get_absolute_url()))

    body = page.locator(f"#comment-content-{parent.pk}")
    reply = page.locator(f"#comment-{first.pk}")
    # The toggle is a <summary> with no links in it; the header's links come after it.
    toggle = page.locator(f"#comment-fold-{parent.pk}")
    expect(toggle.locator("a")).to_have_count(0)
    expect(page.locator(f"#comment-meta-{parent.pk} .comment__author")).to_be_visible()
    note = toggle.locator(".comment__folded-note")
    expect(body).to_be_visible()
    expect(reply).to_be_visible()
    expect(note).to_be_hidden()

    _click_summary(page, parent)
    expect(page.locator(f"#comment-{parent.pk} > details")).not_to_have_attribute("open", "")
    expect(body).to_be_hidden()
    expect(reply).to_be_hidden()
    expect(note).to_be_visible()
    expect(note).to_have_text("2 replies hidden")
    expect(toggle).to_contain_text(parent.author.display_name)  # who wrote it stays on the line

    _click_summary(page, parent)
    expect(body).to_be_visible()
    expect(reply).to_be_visible()
    expect(note).to_be_hidden()
    assert page.url == _url(live_server, article.get_absolute_url())


# --- Load more ------------------------------------------------------------------


def test_load_more_threads(any_page, live_server, settings, article):
    page = any_page
    settings.COMMENT_THREADS_PER_PAGE = 3
    for number in range(1, 8):
        CommentFactory(article=article, body=f"Thread {number}")
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(article_url)
    bodies = page.locator(TOP_BODIES)
    expect(bodies).to_have_text(["Thread 1", "Thread 2", "Thread 3"])
    load_more = page.get_by_role("link", name="Load more comments")

    if page.javascript:
        _mark_document(page)
        load_more.click()
        expect(bodies).to_have_text([f"Thread {n}" for n in range(1, 7)])
        load_more.click()
        expect(bodies).to_have_text([f"Thread {n}" for n in range(1, 8)])
        expect(load_more).to_have_count(0)
        _assert_same_document(page)
        assert page.url == article_url
    else:
        load_more.click()
        page.wait_for_url(f"{article_url}?sort=best&page=2#comments")
        expect(bodies).to_have_text(["Thread 4", "Thread 5", "Thread 6"])
        expect(page.locator(".page-note")).to_contain_text(re.compile(r"Threads 4\D+6"))
        load_more.click()
        page.wait_for_url(f"{article_url}?sort=best&page=3#comments")
        expect(bodies).to_have_text(["Thread 7"])
        expect(load_more).to_have_count(0)


def test_more_replies(any_page, live_server, settings, article):
    page = any_page
    settings.COMMENT_REPLIES_SHOWN = 2
    parent = CommentFactory(article=article, body="Ask me anything")
    for number in range(1, 6):
        CommentFactory(parent=parent, body=f"Reply {number}")
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(article_url)
    replies = _reply_bodies(page, parent)
    expect(replies).to_have_text(["Reply 1", "Reply 2"])

    if page.javascript:
        _mark_document(page)
        page.get_by_role("link", name="3 more replies").click()
        expect(replies).to_have_text([f"Reply {n}" for n in range(1, 5)])
        page.get_by_role("link", name="1 more reply").click()
        expect(replies).to_have_text([f"Reply {n}" for n in range(1, 6)])
        expect(page.locator(f"#more-replies-{parent.pk}")).to_have_count(0)
        _assert_same_document(page)
        assert page.url == article_url
    else:
        page.get_by_role("link", name="3 more replies").click()
        page.wait_for_url(f"**/comments/{parent.pk}/?sort=best&offset=2#replies-{parent.pk}")
        expect(replies).to_have_text(["Reply 3", "Reply 4"])
        page.get_by_role("link", name="1 more reply").click()
        page.wait_for_url(f"**/comments/{parent.pk}/?sort=best&offset=4#replies-{parent.pk}")
        expect(replies).to_have_text(["Reply 5"])
        expect(page.locator(f"#more-replies-{parent.pk}")).to_have_count(0)


# --- Edit and delete --------------------------------------------------------------


def test_edit_own_comment(any_page, live_server, log_in, article, user):
    page = any_page
    comment = CommentFactory(article=article, author=user, body="Teh Enterprise-D")
    log_in(page, user)
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(article_url)
    meta = page.locator(f"#comment-meta-{comment.pk}")
    body = page.locator(f"#comment-content-{comment.pk} .comment__body")
    expect(meta.locator(".comment__edited")).to_have_count(0)
    if page.javascript:
        _mark_document(page)

    page.locator(f"#comment-content-{comment.pk} .comment__actions").get_by_text("Edit").click()
    if not page.javascript:
        page.wait_for_url(f"**/comments/{comment.pk}/edit/")
    box = page.get_by_role("textbox", name="Edit your comment")
    expect(box).to_have_value("Teh Enterprise-D")
    box.fill("The Enterprise-E")
    page.get_by_role("button", name="Save changes").click()

    if page.javascript:
        expect(body).to_have_text("The Enterprise-E")
        _assert_same_document(page)
        assert page.url == article_url
    else:
        # The comment's own page, the confirmation right above the comment.
        page.wait_for_url(f"**/comments/{comment.pk}/#confirmation")
        expect(page.locator("#confirmation")).to_contain_text("Your comment was updated.")
        expect(body).to_have_text("The Enterprise-E")
    expect(meta.locator(".comment__edited")).to_contain_text("edited")

    page.reload()
    expect(body).to_have_text("The Enterprise-E")
    expect(meta.locator(".comment__edited")).to_contain_text("edited")
    comment.refresh_from_db()
    assert comment.body == "The Enterprise-E"
    assert comment.edited_at is not None


def _delete(page, comment: Comment) -> None:
    page.locator(f"#comment-content-{comment.pk} .comment__actions").get_by_text("Delete").click()
    if not page.javascript:
        page.wait_for_url(f"**/comments/{comment.pk}/delete/")
        expect(page.get_by_role("heading", name="Delete your comment?")).to_be_visible()
        page.get_by_role("button", name="Delete comment").click()
        page.wait_for_url(f"**/comments/{comment.pk}/#confirmation")
        expect(page.locator("#confirmation")).to_contain_text("Your comment was deleted.")
        expect(page.get_by_text(comment.body)).to_have_count(0)
        page.goto(page.url.split("/comments/")[0] + comment.article.get_absolute_url())


def test_delete_own_comments(any_page, live_server, log_in, article, user):
    page = any_page
    lonely = CommentFactory(article=article, author=user, body="Nobody answered this")
    answered = CommentFactory(article=article, author=user, body="Somebody answered this")
    answer = CommentFactory(parent=answered, body="The answer stays")
    log_in(page, user)
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(article_url)
    expect(page.locator("#comments-title")).to_have_text("3 Comments")
    if page.javascript:
        page.on("dialog", lambda dialog: dialog.accept())
        _mark_document(page)

    # Without replies the comment disappears.
    _delete(page, lonely)
    expect(page.locator(f"#comment-{lonely.pk}")).to_have_count(0)
    expect(page.get_by_text("Nobody answered this")).to_have_count(0)
    expect(page.locator("#comments-title")).to_have_text("2 Comments")

    # With replies it becomes "[deleted]" above them.
    _delete(page, answered)
    expect(page.locator(f"#comment-meta-{answered.pk}")).to_contain_text("[deleted]")
    expect(page.locator(f"#comment-content-{answered.pk}")).to_have_count(0)
    expect(page.get_by_text("Somebody answered this")).to_have_count(0)
    expect(page.locator(f"#replies-{answered.pk} > #comment-{answer.pk}")).to_be_visible()
    expect(page.get_by_text("The answer stays")).to_be_visible()
    expect(page.locator("#comments-title")).to_have_text("1 Comment")

    if page.javascript:
        _assert_same_document(page)
        assert page.url == article_url
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses[lonely.pk] == statuses[answered.pk] == Comment.Status.DELETED
    assert statuses[answer.pk] == Comment.Status.PUBLISHED


# --- Spoilers ---------------------------------------------------------------------


def test_spoiler_hidden_until_clicked(any_page, live_server, article):
    """A spoiler is a control ("Reveal spoiler", a checkbox) saying whether it is revealed.

    Hidden, its text is out of the accessibility tree as well as out of sight.
    Clicking, Space (and Enter with JavaScript) reveal it, with or without
    JavaScript, and the control's state says so.
    """
    page = any_page
    comment = CommentFactory(article=article, body="Season finale: ||The captain dies|| (sorry).")
    page.goto(_url(live_server, article.get_absolute_url()))
    content = page.locator(f"#comment-content-{comment.pk}")
    spoiler = content.locator(".spoiler")
    switch = content.get_by_role("checkbox", name="Reveal spoiler")
    text = content.locator(".spoiler__text")
    expect(switch).not_to_be_checked()
    expect(text).to_have_text("The captain dies")
    expect(text).to_be_hidden()
    assert "captain dies" not in content.aria_snapshot()
    assert "captain dies" not in page.title()

    spoiler.click()
    expect(switch).to_be_checked()
    expect(text).to_be_visible()
    assert "The captain dies" in content.aria_snapshot()
    # Once revealed it stays readable while the reader clicks on, the text included.
    box = text.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator("#comments-title").click()
    expect(switch).to_be_checked()
    expect(text).to_be_visible()

    # The comment's own page names no spoiler in its title or description either;
    # there the keyboard reveals it.
    page.goto(_url(live_server, comment.get_absolute_url()))
    content = page.locator(f"#comment-content-{comment.pk}")
    switch = content.get_by_role("checkbox", name="Reveal spoiler")
    expect(content.locator(".spoiler__text")).to_be_hidden()
    switch.focus()
    page.keyboard.press("Enter" if page.javascript else "Space")
    expect(switch).to_be_checked()
    expect(content.locator(".spoiler__text")).to_be_visible()
    assert "captain dies" not in page.title()
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert "captain dies" not in description
    assert "[spoiler]" in description


# --- Notifications ----------------------------------------------------------------


def test_inbox_reply_notification(any_page, live_server, log_in, article, user, other_user):
    page = any_page
    mine = CommentFactory(article=article, author=user, body="What a ship")
    reply = CommentFactory(parent=mine, author=other_user, body="Agreed, a fine ship")
    notification = Notification.objects.get(recipient=user, comment=reply)
    log_in(page, user)
    page.goto(_url(live_server, "/"))
    bell_count = page.locator("#bell .bell__count")
    expect(bell_count).to_have_text("1")

    page.locator("#bell").click()
    page.wait_for_url(_url(live_server, "/notifications/"))
    item = page.locator(f"#notification-{notification.pk}")
    expect(item).to_contain_text(f"{other_user.display_name} replied to you on")
    expect(item).to_contain_text("Agreed, a fine ship")
    expect(item.get_by_text("Unread")).to_be_visible()

    item.locator(".notification__title a").click()
    page.wait_for_url(f"**/comments/{reply.pk}/#comment-{reply.pk}")
    expect(page.locator(f"#comment-content-{reply.pk}")).to_contain_text("Agreed, a fine ship")
    expect(bell_count).to_have_count(0)

    # Another reply arrives; "Mark all as read" clears it.
    CommentFactory(parent=mine, body="Not so fast")
    page.reload()
    expect(bell_count).to_have_text("1")
    page.locator("#bell").click()
    page.wait_for_url(_url(live_server, "/notifications/"))
    expect(page.locator(".notification--unread")).to_have_count(1)
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("All notifications marked as read.")).to_be_visible()
    expect(page.locator(".notification--unread")).to_have_count(0)
    expect(page.locator(".notification")).to_have_count(2)
    expect(bell_count).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    assert not Notification.objects.filter(recipient=user, read_at=None).exists()


# --- Sorting ----------------------------------------------------------------------


def test_sort_by_top(any_page, live_server, article):
    page = any_page
    CommentFactory(article=article, body="Oldest, unloved")
    liked_once = CommentFactory(article=article, body="Liked once")
    most_liked = CommentFactory(article=article, body="Most liked")
    for _ in range(3):
        comment_like_toggle(comment=most_liked, user=UserFactory())
    comment_like_toggle(comment=liked_once, user=UserFactory())
    article_url = _url(live_server, article.get_absolute_url())
    page.goto(f"{article_url}?sort=oldest")
    bodies = page.locator(TOP_BODIES)
    expect(bodies).to_have_text(["Oldest, unloved", "Liked once", "Most liked"])
    if page.javascript:
        _mark_document(page)

    top = page.locator(".sort-nav").get_by_role("link", name="Top", exact=True)
    top.click()
    expect(bodies).to_have_text(["Most liked", "Liked once", "Oldest, unloved"])
    expect(page.locator(".sort-nav").get_by_role("link", name="Top", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    if page.javascript:
        expect(page).to_have_url(f"{article_url}?sort=top")
        _assert_same_document(page)
    else:
        expect(page).to_have_url(f"{article_url}?sort=top#comments")

    # The URL it shows is one a reader can reload or share.
    page.reload()
    expect(bodies).to_have_text(["Most liked", "Liked once", "Oldest, unloved"])
    assert re.search(r"\?sort=top", page.url)
