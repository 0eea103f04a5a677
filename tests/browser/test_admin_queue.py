"""A moderator clears a 50-comment Pending queue, and a Flagged one, by keyboard alone (issue 21).

Each decision is a key on the current row (a, s, or r then a reason and Enter),
made in place; the last is taken back with u. Every outcome is then checked
where it shows: the public page, the queue's counts and the audit log.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from comments.models import AuditEntry, Comment, Notification
from comments.services import comment_flag, comment_status_set
from tests.factories import PASSWORD, CommentFactory, UserFactory
from tests.helpers import make_moderator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = reverse("admin:comments_comment_changelist") + "?queue=pending"
FLAGGED = reverse("admin:comments_comment_changelist") + "?queue=flagged"
KEYS = ("a", "s", "r")  # approve, spam, remove with the first standard reason


def admin_log_in(page, live_server, user) -> None:
    """Into the admin by its own form, as a moderator does."""
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")


def open_queue(browser, live_server, moderator, url: str):
    """A moderator's laptop on the queue at ``url``: (context, page, the page's script errors).

    The queue is checked with axe first: nothing serious or critical.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    errors = []
    admin.on("pageerror", lambda error: errors.append(str(error)))
    admin_log_in(admin, live_server, moderator)
    admin.goto(f"{live_server.url}{url}")
    return context, admin, errors


def assert_accessible(page) -> None:
    blocking = [
        violation
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not blocking, [violation["id"] for violation in blocking]


def test_a_pending_queue_is_cleared_by_keyboard_alone(browser, live_server, article):
    comments = []
    for number in range(50):
        comment = CommentFactory(article=article, body=f"Held thought number {number}")
        comments.append(comment_status_set(comment=comment, status=Comment.Status.PENDING))
    moderator = make_moderator(username="kira")

    context, admin, errors = open_queue(browser, live_server, moderator, QUEUE)
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(50)
    expect(admin.locator(".moderation-queues .queue-pending .count")).to_have_text("50")
    assert_accessible(admin)

    admin.keyboard.press("j")
    for number in range(len(comments)):
        row = rows.nth(number)
        expect(row).to_have_class(re.compile("is-current"))
        key = KEYS[number % 3]
        if number == 0:
            # The context opens and closes from the keyboard too.
            admin.keyboard.press("o")
            expect(row.locator("details.decision-context")).to_have_attribute("open", "")
            admin.keyboard.press("o")
        admin.keyboard.press(key)
        if key == "r":
            expect(row.locator(".decide-reason")).to_be_focused()
            admin.keyboard.press("ArrowDown")
            admin.keyboard.press("Enter")
        expect(row).to_have_class(re.compile("is-decided"))
    expect(admin.locator("#queue-status")).to_contain_text(f"Comment #{comments[-1].pk}")
    expect(admin.locator(".moderation-queues .queue-pending .count")).to_have_text("0")

    # u takes the last decision back: it waits in the queue again.
    admin.keyboard.press("u")
    expect(admin.locator("#queue-status")).to_contain_text("Undone")
    expect(admin.locator(".moderation-queues .queue-pending .count")).to_have_text("1")

    statuses = dict(Comment.objects.filter(article=article).values_list("pk", "status"))
    expected = {
        "a": Comment.Status.PUBLISHED,
        "s": Comment.Status.SPAM,
        "r": Comment.Status.REMOVED,
    }
    for number, comment in enumerate(comments[:-1]):
        assert statuses[comment.pk] == expected[KEYS[number % 3]], number
    assert statuses[comments[-1].pk] == Comment.Status.PENDING  # undone

    # Readers see what was approved, and only that.
    reader = context.browser.new_context().new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(reader.get_by_text("Held thought number 0", exact=True)).to_have_count(1)
    expect(reader.get_by_text("Held thought number 1", exact=True)).to_have_count(0)
    expect(reader.get_by_text("Held thought number 2", exact=True)).to_have_count(0)
    expect(reader.locator("#comments-title")).to_have_text("17 Comments")

    # Every decision is in the audit log, removals with their reason.
    removals = AuditEntry.objects.filter(action="remove", actor=moderator)
    assert removals.count() == 16
    assert set(removals.values_list("reason", flat=True)) == {"Personal attack on another reader"}
    assert AuditEntry.objects.filter(action="approve", actor=moderator).count() == 17
    assert AuditEntry.objects.filter(action="spam", actor=moderator).count() == 17
    assert AuditEntry.objects.filter(action="undo", actor=moderator).count() == 1
    admin.goto(f"{live_server.url}{reverse('admin:comments_auditentry_changelist')}")
    expect(admin.locator("#result_list")).to_contain_text("Personal attack on another reader")
    assert errors == []  # the queue's script ran without an error throughout
    context.close()


def test_without_javascript_a_rows_buttons_decide_and_undo(browser, live_server, article):
    comment = comment_status_set(
        comment=CommentFactory(article=article, body="A thought held for review"),
        status=Comment.Status.PENDING,
    )
    moderator = make_moderator(username="odo")
    context = browser.new_context(java_script_enabled=False)
    admin = context.new_page()
    admin_log_in(admin, live_server, moderator)
    admin.goto(f"{live_server.url}{QUEUE}")
    row = admin.locator("#result_list tbody tr", has_text="A thought held for review")
    row.locator("summary", has_text="Context").click()
    expect(row.locator(".decision-context")).to_contain_text("joined")
    # Remove without choosing a reason: the removal page asks for one.
    row.get_by_role("button", name="Remove").click()
    expect(admin.locator("h1")).to_have_text("Remove comments")
    admin.get_by_label("Spoiler without a warning").check()
    admin.get_by_role("button", name="Remove").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 comment removed.")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REMOVED
    # Back on the queue, the decision can be taken back.
    assert admin.url.endswith(QUEUE)
    admin.locator(".recent-decisions").get_by_role("button", name="Undo").click()
    expect(admin.locator(".messagelist")).to_contain_text("awaiting moderation again")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING
    context.close()


def test_own_words_from_the_keyboard_open_the_removal_page(browser, live_server, article):
    comment = comment_status_set(
        comment=CommentFactory(article=article, body="Needs a careful word"),
        status=Comment.Status.PENDING,
    )
    moderator = make_moderator(username="sisko")
    context = browser.new_context()
    admin = context.new_page()
    admin_log_in(admin, live_server, moderator)
    admin.goto(f"{live_server.url}{QUEUE}")
    admin.keyboard.press("j")
    admin.keyboard.press("r")
    admin.keyboard.press("End")  # the list's last choice: "In my own words…"
    admin.keyboard.press("Enter")
    expect(admin.locator("h1")).to_have_text("Remove comments")
    admin.get_by_label("In your own words").fill("Spoils the finale in the first line")
    admin.get_by_role("button", name="Remove").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 comment removed.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert comment.moderation_reason == "Spoils the finale in the first line"
    context.close()


def test_a_flagged_queue_is_cleared_by_keyboard_and_a_spammer_banned_from_its_row(
    browser, live_server, article
):
    """Dismiss, remove with a reason, and ban-and-remove the author: keys and Enter only."""
    reporter = UserFactory(username="reporter_rom")
    fair = CommentFactory(article=article, body="The finale was rushed, honestly")
    rude = CommentFactory(article=article, body="Only a fool liked that finale")
    spam = CommentFactory(article=article, body="Cheap replica phasers at my shop")
    extra = CommentFactory(article=article, author=spam.author, body="More cheap phasers here")
    comment_flag(comment=fair, user=reporter, reason="other", text="I just disagree")
    comment_flag(comment=rude, user=reporter, reason="abuse", text="Calls people fools")
    for _ in range(2):
        comment_flag(comment=spam, user=UserFactory(), reason="spam", text="An ad")
    moderator = make_moderator(username="nerys")

    context, admin, errors = open_queue(browser, live_server, moderator, FLAGGED)
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Cheap replica phasers")  # the most flagged first
    assert_accessible(admin)

    # The spammer: their record and the reporters' notes, then ban and remove all.
    admin.keyboard.press("j")
    admin.keyboard.press("o")
    context_panel = rows.nth(0).locator("details.decision-context")
    expect(context_panel).to_contain_text("Spam or advertising: “An ad”")
    expect(context_panel).to_contain_text("2 comments")
    admin.keyboard.press("p")
    expect(rows.nth(0).get_by_role("link", name="Suspend…")).to_be_focused()
    admin.keyboard.press("Tab")
    admin.keyboard.press("Tab")
    expect(rows.nth(0).get_by_role("link", name="Ban and remove all…")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.locator("h1")).to_have_text("Ban and remove all their comments")
    admin.get_by_label("Advertising or self-promotion").focus()
    admin.keyboard.press("Space")
    admin.get_by_role("button", name="Ban and remove").focus()
    admin.keyboard.press("Enter")
    expect(admin.locator(".messagelist")).to_contain_text("Banned 1 reader and removed 2 comments.")
    assert admin.url.endswith(FLAGGED)  # back on the queue it was started from
    expect(rows).to_have_count(2)

    # The rest by keys: the most flagged first again.
    admin.keyboard.press("j")
    expect(rows.nth(0)).to_contain_text("Only a fool liked that finale")
    admin.keyboard.press("r")
    admin.keyboard.press("ArrowDown")  # the first standard reason
    admin.keyboard.press("Enter")
    expect(rows.nth(0)).to_have_class(re.compile("is-decided"))
    expect(rows.nth(1)).to_have_class(re.compile("is-current"))
    admin.keyboard.press("d")
    expect(rows.nth(1)).to_have_class(re.compile("is-decided"))
    expect(admin.locator(".moderation-queues .queue-flagged .count")).to_have_text("0")

    statuses = dict(Comment.objects.filter(article=article).values_list("pk", "status"))
    assert statuses[fair.pk] == Comment.Status.PUBLISHED
    assert statuses[rude.pk] == Comment.Status.REMOVED
    assert statuses[spam.pk] == statuses[extra.pk] == Comment.Status.REMOVED
    spam.author.refresh_from_db()
    assert spam.author.banned
    reasons = dict(
        AuditEntry.objects.filter(actor=moderator).values_list("action", "reason").order_by("pk")
    )
    assert reasons["ban"] == "Advertising or self-promotion"
    assert reasons["remove"] == "Personal attack on another reader"
    assert "dismiss" in reasons
    # Each author is told: the banned spammer and the removed comment's author.
    told = set(Notification.objects.values_list("recipient__username", "kind"))
    assert (spam.author.username, "banned") in told
    assert (rude.author.username, "removed") in told
    assert not any(name == fair.author.username for name, _ in told)
    reader = context.browser.new_context().new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(reader.get_by_text("The finale was rushed, honestly")).to_have_count(1)
    expect(reader.get_by_text("Only a fool liked that finale")).to_have_count(0)
    expect(reader.get_by_text("Cheap replica phasers at my shop")).to_have_count(0)
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_queue_fits_a_phone_and_a_laptop_without_sideways_scrolling(
    browser, live_server, article, width
):
    for number in range(3):
        comment_status_set(
            comment=CommentFactory(article=article, body=f"Held with a long address {number}"),
            status=Comment.Status.PENDING,
        )
    context = browser.new_context(viewport={"width": width, "height": 800})
    admin = context.new_page()
    admin_log_in(admin, live_server, make_moderator(username=f"worf{width}"))
    admin.goto(f"{live_server.url}{QUEUE}")
    expect(admin.locator("#result_list tbody tr")).to_have_count(3)
    assert admin.evaluate("document.documentElement.scrollWidth") == width
    if width == 1280:
        # Every decision of a row shows in full beside the filters, its reasons readable.
        reason = admin.locator(".decide-reason").first.bounding_box()
        assert reason["width"] >= 120
        table = admin.locator("#result_list").bounding_box()
        filters = admin.locator("#changelist-filter").bounding_box()
        assert table["x"] + table["width"] <= filters["x"]
    context.close()
