"""The inbox and the bell, notification emails and one-click unsubscribe."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from comments import notify, services
from comments.models import Comment, Notification
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


class BrokenMailServer(BaseEmailBackend):
    """A mail server that is down: every send fails."""

    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        raise ConnectionRefusedError("mail server is down")


def reply_url(comment: Comment) -> str:
    return reverse("comments:reply", kwargs={"pk": comment.pk})


def reply_as(client: Client, parent: Comment, body: str) -> Comment:
    response = client.post(reply_url(parent), {"body": body})
    assert response.status_code == 302
    return Comment.objects.latest("pk")


def bell_count(html: str) -> int | None:
    match = re.search(r'<span class="bell__count">(\d+)</span>', html)
    return int(match.group(1)) if match else None


@pytest.fixture
def replier(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="riker"))
    return client


# --- Who gets notified -------------------------------------------------------


def test_reply_notifies_the_parent_author(user, article, replier):
    mine = CommentFactory(article=article, author=user)
    reply = reply_as(replier, mine, "Number One here")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.comment, notification.kind) == (
        user,
        reply,
        Notification.Kind.REPLY,
    )
    assert notification.is_unread


def test_mention_notifies_the_mentioned_reader(
    user, article, replier, django_capture_on_commit_callbacks
):
    reply_target = CommentFactory(article=article)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = reply_as(replier, reply_target, f"@{user.username} should see this")
    # The parent's author is told with the reply; the reader named, by a job after it.
    assert Notification.objects.get(recipient=reply_target.author).kind == Notification.Kind.REPLY
    assert not Notification.objects.filter(recipient=user).exists()
    for callback in callbacks:
        callback()
    mention = Notification.objects.get(recipient=user)
    assert (mention.comment, mention.kind) == (reply, Notification.Kind.MENTION)
    assert Notification.objects.get(recipient=reply_target.author).kind == Notification.Kind.REPLY


def test_a_comment_removed_before_its_mentions_go_out_tells_nobody(
    user, article, replier, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        reply = reply_as(replier, CommentFactory(article=article), f"@{user.username} look")
    services.comment_moderate(comment=reply, actor=moderator, act="remove", reason="Spam")
    for callback in callbacks:
        callback()
    assert not Notification.objects.filter(recipient=user).exists()


def test_reply_that_also_mentions_the_parent_author_notifies_once(user, article, replier):
    mine = CommentFactory(article=article, author=user)
    reply_as(replier, mine, f"@{user.username} good point")
    assert Notification.objects.filter(recipient=user).count() == 1
    assert Notification.objects.get().kind == Notification.Kind.REPLY


def test_no_notification_for_replying_to_or_mentioning_yourself(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    reply_as(client_logged_in, mine, f"Adding to my own point, says @{user.username}")
    assert not Notification.objects.exists()


# --- Bell and inbox ----------------------------------------------------------


def test_bell_shows_the_unread_count(client_logged_in, user, article):
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert bell_count(html) is None
    assert 'id="bell"' in html
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine)
    CommentFactory(parent=mine)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert bell_count(html) == 2
    assert 'aria-label="Notifications: 2 unread"' in html


@pytest.mark.parametrize("staff", [False, True])
def test_the_bell_counts_what_the_inbox_lists_unread(client, article, staff):
    """The bell's own query and the inbox agree: hidden comments and drafts drop out of both."""
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import Article
    from comments import inbox
    from tests.factories import ArticleFactory

    reader = UserFactory(is_staff=staff)
    draft, scheduled = ArticleFactory(), ArticleFactory()
    mine = {}
    for where in (article, draft, scheduled):
        mine[where] = CommentFactory(article=where, author=reader)
        CommentFactory(article=where, parent=mine[where])
        CommentFactory(article=where, parent=mine[where])
    removed = CommentFactory(article=article, parent=mine[article])
    Comment.objects.filter(pk=removed.pk).update(status=Comment.Status.REMOVED)
    read = Notification.objects.filter(recipient=reader).order_by("pk").first()
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    # Unpublished after the discussion: a draft again, or moved to tomorrow.
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.DRAFT)
    Article.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() + timedelta(days=1))

    expected = inbox.inbox(user=reader).filter(read_at=None).count()
    client.force_login(reader)
    html = client.get(article.get_absolute_url()).content.decode()

    assert inbox.unread_notification_count(user=reader) == expected
    assert bell_count(html) == expected
    # Staff see drafts and scheduled articles, so their notifications too.
    assert expected == (5 if staff else 1)


def test_anonymous_readers_have_no_bell(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'id="bell"' not in html


def test_inbox_lists_replies_and_mentions(
    client_logged_in, user, article, django_capture_on_commit_callbacks
):
    mine = CommentFactory(article=article, author=user)
    with django_capture_on_commit_callbacks(execute=True):
        reply = CommentFactory(
            parent=mine, author=UserFactory(username="worf"), body="Today is a good day"
        )
        mention = CommentFactory(
            article=article, author=UserFactory(username="data"), body=f"As @{user.username} said"
        )
    response = client_logged_in.get(reverse("comments:inbox"))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "worf</strong> replied to you on" in html
    assert "data</strong> mentioned you on" in html
    assert "Today is a good day" in html
    assert article.title in html
    for comment in (reply, mention):
        notification = Notification.objects.get(comment=comment)
        assert (
            f'href="{reverse("comments:notification_open", kwargs={"pk": notification.pk})}"'
            in html
        )
    # Newest first.
    assert html.index("data</strong>") < html.index("worf</strong>")
    assert "Mark all as read" in html
    assert html.count(">Mark read</button>") == 2


def test_inbox_needs_a_login(client):
    response = client.get(reverse("comments:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inbox_shows_only_your_own_notifications(client_logged_in, user, article):
    someone = UserFactory()
    theirs = CommentFactory(article=article, author=someone)
    CommentFactory(parent=theirs, body="For someone else")
    html = client_logged_in.get(reverse("comments:inbox")).content.decode()
    assert "For someone else" not in html
    assert "Nothing yet." in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_comment(
    client_logged_in, user, article
):
    mine = CommentFactory(article=article, author=user)
    reply = CommentFactory(parent=mine)
    other = CommentFactory(parent=mine)
    notification = Notification.objects.get(comment=reply)
    response = client_logged_in.get(notification.get_absolute_url())
    assert notification.get_absolute_url() == f"/notifications/{notification.pk}/"
    assert response.status_code == 302
    assert response["Location"] == f"{reply.get_absolute_url()}#comment-{reply.pk}"
    notification.refresh_from_db()
    assert not notification.is_unread
    assert Notification.objects.get(comment=other).is_unread
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert bell_count(html) == 1


def test_others_cannot_open_or_mark_your_notifications(user, article):
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine)
    notification = Notification.objects.get()
    intruder = Client()
    intruder.force_login(UserFactory())
    assert intruder.get(notification.get_absolute_url()).status_code == 404
    intruder.post(reverse("comments:inbox_read"), {"id": notification.pk})
    intruder.post(reverse("comments:inbox_read"))
    notification.refresh_from_db()
    assert notification.is_unread


def test_anonymous_open_goes_to_login(client, user, article):
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine)
    notification = Notification.objects.get()
    response = client.get(notification.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    notification.refresh_from_db()
    assert notification.is_unread


def test_mark_one_read(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    first = CommentFactory(parent=mine)
    second = CommentFactory(parent=mine)
    target = Notification.objects.get(comment=first)
    response = client_logged_in.post(reverse("comments:inbox_read"), {"id": target.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("comments:inbox")
    target.refresh_from_db()
    assert not target.is_unread
    assert Notification.objects.get(comment=second).is_unread
    html = client_logged_in.get(reverse("comments:inbox")).content.decode()
    assert html.count(">Mark read</button>") == 1
    assert bell_count(html) == 1


def test_htmx_mark_one_read_returns_the_item(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine)
    notification = Notification.objects.get()
    response = client_logged_in.post(
        reverse("comments:inbox_read"), {"id": notification.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<li class="notification" id="notification-{notification.pk}"')
    assert "Mark read" not in html


def test_mark_all_as_read(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    for _ in range(3):
        CommentFactory(parent=mine)
    response = client_logged_in.post(reverse("comments:inbox_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(read_at=None).exists()
    html = client_logged_in.get(reverse("comments:inbox")).content.decode()
    assert bell_count(html) is None
    assert "Mark all as read" not in html
    assert "Mark read" not in html


def test_mark_read_is_post_only_and_csrf_protected(user, article):
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(reverse("comments:inbox_read")).status_code == 405
    assert strict.post(reverse("comments:inbox_read")).status_code == 403
    assert Notification.objects.get().is_unread


def test_notifications_about_deleted_comments_drop_out(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    replier = UserFactory()
    reply = CommentFactory(parent=mine, author=replier, body="Regretted reply")
    services.comment_delete(comment=reply, user=replier)
    html = client_logged_in.get(reverse("comments:inbox")).content.decode()
    assert "Regretted reply" not in html
    assert bell_count(html) is None


# --- Email -------------------------------------------------------------------


def email_callbacks(callbacks) -> list:
    """The on-commit callbacks that send emails, as jobs (others refresh cached pages)."""
    return [
        c
        for c in callbacks
        if getattr(c, "args", None) and c.args[0] is notify.send_notification_emails
    ]


@pytest.fixture
def subscriber(db):
    return UserFactory(username="troi", email="troi@example.org", email_notifications=True)


def test_opted_in_reader_gets_an_email_after_the_commit(
    subscriber, article, replier, django_capture_on_commit_callbacks, settings
):
    mine = CommentFactory(article=article, author=subscriber)
    with django_capture_on_commit_callbacks() as callbacks:
        reply = reply_as(replier, mine, "Counselor, **your** thoughts?")
    assert mail.outbox == []  # nothing before the commit
    emails = email_callbacks(callbacks)
    assert len(emails) == 1
    emails[0]()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["troi@example.org"]
    assert "riker" in message.subject
    assert "replied to you" in message.subject
    assert "Counselor, your thoughts?" in message.body
    comment_link = f"{settings.SITE_URL}/comments/{reply.pk}/#comment-{reply.pk}"
    assert comment_link in message.body

    unsubscribe = re.search(
        rf"{re.escape(settings.SITE_URL)}/notifications/unsubscribe/[^/\s]+/", message.body
    ).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent_headers = message.message()
    assert sent_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert sent_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mention_email(subscriber, article, replier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        replier.post(
            reverse("comments:create", kwargs={"slug": article.slug}), {"body": "Ask @troi"}
        )
    assert len(mail.outbox) == 1
    assert "mentioned you" in mail.outbox[0].subject


def test_readers_who_did_not_opt_in_get_no_email(
    user, article, replier, django_capture_on_commit_callbacks
):
    assert user.email_notifications is False
    mine = CommentFactory(article=article, author=user)
    with django_capture_on_commit_callbacks(execute=True):
        reply_as(replier, mine, "Quietly")
    assert Notification.objects.filter(recipient=user).exists()
    assert mail.outbox == []


def test_no_email_without_an_address(article, replier, django_capture_on_commit_callbacks):
    reader = UserFactory(email="", email_notifications=True)
    mine = CommentFactory(article=article, author=reader)
    with django_capture_on_commit_callbacks(execute=True):
        reply_as(replier, mine, "Anyone there?")
    assert mail.outbox == []


def test_no_email_when_replying_to_yourself(
    subscriber, article, django_capture_on_commit_callbacks
):
    mine = CommentFactory(article=article, author=subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=mine, author=subscriber)
    assert mail.outbox == []


def test_a_failing_mail_server_never_fails_the_post(
    subscriber, article, replier, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailServer"
    BrokenMailServer.attempts = 0
    mine = CommentFactory(article=article, author=subscriber)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = replier.post(reply_url(mine), {"body": "Sent while the mail is down"})
    assert response.status_code == 302
    reply = Comment.objects.get(body="Sent while the mail is down")
    assert response["Location"] == f"/comments/{reply.pk}/#confirmation"
    assert Notification.objects.filter(comment=reply, recipient=subscriber).exists()
    assert len(email_callbacks(callbacks)) == 1
    assert BrokenMailServer.attempts == 1
    # Called directly, as the queue's worker does, the failure is raised: the
    # queue then tries again, and the notification is still unsent.
    with pytest.raises(ConnectionRefusedError, match="mail server is down"):
        notify.send_notification_emails(comment_id=reply.pk, recipient_ids=[subscriber.pk])
    assert BrokenMailServer.attempts == 2
    assert Notification.objects.get(comment=reply, recipient=subscriber).emailed_at is None


# --- Unsubscribing -----------------------------------------------------------


def unsubscribe_path(user) -> str:
    return reverse("comments:unsubscribe", kwargs={"token": notify.unsubscribe_token(user)})


def test_unsubscribe_link_from_the_email_turns_emails_off(
    client, subscriber, article, replier, django_capture_on_commit_callbacks, settings
):
    mine = CommentFactory(article=article, author=subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        reply_as(replier, mine, "Ping")
    link = re.search(r"/notifications/unsubscribe/[^/\s]+/", mail.outbox[0].body).group(0)
    # Opening the link (as a mail scanner would) only asks.
    response = client.get(link)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Stop notification emails?" in page
    assert f'action="{link}"' in page
    subscriber.refresh_from_db()
    assert subscriber.email_notifications is True
    # The page's button unsubscribes.
    response = client.post(link)
    assert "You're unsubscribed" in unescape(response.content.decode())
    subscriber.refresh_from_db()
    assert subscriber.email_notifications is False

    with django_capture_on_commit_callbacks(execute=True):
        reply_as(replier, mine, "Ping again")
    assert len(mail.outbox) == 1


def test_one_click_post_unsubscribes_without_csrf(subscriber):
    mail_app = Client(enforce_csrf_checks=True)
    response = mail_app.post(
        unsubscribe_path(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.email_notifications is False


def test_undo_resubscribes(client, subscriber):
    client.get(unsubscribe_path(subscriber))
    response = client.post(unsubscribe_path(subscriber), {"resubscribe": "1"})
    assert response.status_code == 200
    assert "You're subscribed again" in unescape(response.content.decode())
    subscriber.refresh_from_db()
    assert subscriber.email_notifications is True


@pytest.mark.parametrize("mangle", ["tamper", "truncate", "garbage", "other-salt"])
def test_tampered_token_is_a_400_with_a_clear_message(client, subscriber, mangle):
    from django.core import signing

    token = notify.unsubscribe_token(subscriber)
    bad = {
        "tamper": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[: len(token) // 2],
        "garbage": "not-a-token",
        "other-salt": signing.dumps(subscriber.pk, salt="something.else"),
    }[mangle]
    for response in (
        client.get(reverse("comments:unsubscribe", kwargs={"token": bad})),
        client.post(
            reverse("comments:unsubscribe", kwargs={"token": bad}),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ),
    ):
        assert response.status_code == 400
        assert "This unsubscribe link is damaged or incomplete." in unescape(
            response.content.decode()
        )
    subscriber.refresh_from_db()
    assert subscriber.email_notifications is True


def test_token_made_for_one_reader_only_unsubscribes_them(client, subscriber):
    other = UserFactory(email_notifications=True)
    client.get(unsubscribe_path(subscriber))
    other.refresh_from_db()
    assert other.email_notifications is True
