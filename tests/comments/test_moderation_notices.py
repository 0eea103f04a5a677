"""Every moderator act tells the author it was done to, with the reason (issue 21), except spam.

What the author finds: a notice in their inbox with the moderator's words, the
bell counting it, and an email when they opted in; what the moderator leaves:
the same reason in the audit log. Acted on through the services (the admin's
pages are tested in tests/test_admin_moderation.py).
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import suspension
from comments import services
from comments.models import AuditEntry, Comment, CommentRevision, Notification
from comments.services.screening import link_count
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("comments:inbox")


def inbox_html(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(INBOX)
    assert response.status_code == 200
    return response.content.decode()


def bell(user) -> int:
    from comments.inbox import unread_notification_count

    return unread_notification_count(user=user)


@pytest.fixture
def author(db):
    return UserFactory(username="quark", email_notifications=True)


def test_a_removed_comment_tells_its_author_why_in_the_inbox_and_by_email(
    author, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(author=author, body="Ferengi rule of acquisition 34")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(
            comment=comment, actor=moderator, act="remove", reason="Personal attack"
        )
    notice = Notification.objects.get(recipient=author)
    assert (notice.kind, notice.reason, notice.comment_id) == (
        "removed",
        "Personal attack",
        comment.pk,
    )
    html = inbox_html(author)
    assert "A moderator removed your comment on" in html
    assert "Personal attack" in html
    assert "Ferengi rule of acquisition 34" in html  # their own words, to know which
    assert bell(author) == 1
    [email] = mail.outbox
    assert email.to == [author.email]
    assert "A moderator removed your comment" in email.subject
    assert "Their reason: Personal attack" in email.body
    # The audit log keeps the same reason.
    assert AuditEntry.objects.get(action="remove", comment=comment).reason == "Personal attack"


def test_a_notice_about_a_removed_comment_opens_in_the_inbox_not_a_hidden_thread(author, moderator):
    comment = CommentFactory(author=author)
    services.comment_moderate(comment=comment, actor=moderator, act="remove", reason="Off topic")
    notice = Notification.objects.get(recipient=author)
    client = Client()
    client.force_login(author)
    response = client.get(notice.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}#notification-{notice.pk}"
    assert bell(author) == 0  # opening it read it


def test_spam_is_never_told(author, moderator):
    comment = CommentFactory(author=author)
    services.comment_moderate(comment=comment, actor=moderator, act="spam", reason="Link farm")
    assert not Notification.objects.filter(recipient=author).exists()
    assert mail.outbox == []
    assert AuditEntry.objects.get(action="spam").reason == "Link farm"


def test_approving_and_restoring_are_told_too(author, moderator):
    comment = CommentFactory(author=author)
    services.comment_status_set(comment=comment, status=Comment.Status.PENDING)
    services.comment_moderate(comment=comment, actor=moderator, act="approve")
    services.comment_moderate(comment=comment, actor=moderator, act="remove", reason="Mistake?")
    services.comment_moderate(comment=comment, actor=moderator, act="restore", reason="It wasn't")
    kinds = list(
        Notification.objects.filter(recipient=author).order_by("pk").values_list("kind", "reason")
    )
    assert kinds == [("approved", ""), ("removed", "Mistake?"), ("restored", "It wasn't")]
    html = inbox_html(author)
    assert "approved your comment" in html
    assert "restored your comment" in html
    assert bell(author) == 3


def test_a_held_comment_is_not_approved_onto_a_closed_discussion(author, moderator):
    from django.core.exceptions import ValidationError

    article = ArticleFactory()
    comment = CommentFactory(author=author, article=article)
    services.comment_status_set(comment=comment, status=Comment.Status.PENDING)
    services.article_comments_set(article=article, actor=moderator, open_=False)
    with pytest.raises(ValidationError, match="Comments are closed"):
        services.comment_moderate(comment=comment, actor=moderator, act="approve")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING
    assert not Notification.objects.filter(recipient=author).exists()


def test_nobody_is_told_of_their_own_act(moderator):
    comment = CommentFactory(author=moderator)
    services.comment_moderate(comment=comment, actor=moderator, act="remove", reason="Mine")
    assert not Notification.objects.filter(recipient=moderator).exists()


def test_pins_and_picks_tell_the_author_with_the_reason(author, moderator):
    comment = CommentFactory(author=author)
    services.comment_pin(comment=comment, actor=moderator, pinned=True, reason="Best summary")
    services.comment_pick(comment=comment, actor=moderator, picked=True, reason="Thoughtful")
    services.comment_pick(comment=comment, actor=moderator, picked=False)
    services.comment_pin(comment=comment, actor=moderator, pinned=False)
    kinds = list(
        Notification.objects.filter(recipient=author).order_by("pk").values_list("kind", "reason")
    )
    assert kinds == [
        ("pinned", "Best summary"),
        ("picked", "Thoughtful"),
        ("unpicked", ""),
        ("unpinned", ""),
    ]
    reasons = dict(AuditEntry.objects.values_list("action", "reason"))
    assert reasons["pin"] == "Best summary"
    assert reasons["pick"] == "Thoughtful"


def test_pinning_another_comment_records_the_one_it_replaces(author, moderator):
    article = ArticleFactory()
    first = CommentFactory(article=article, author=author)
    second = CommentFactory(article=article)
    services.comment_pin(comment=first, actor=moderator)
    services.comment_pin(comment=second, actor=moderator)
    assert AuditEntry.objects.filter(action="unpin", comment=first).exists()


def test_a_retro_spoiler_is_undone_exactly_and_both_acts_are_told(author, moderator):
    text = "The ||twist|| is that *she* was the captain all along"
    comment = CommentFactory(author=author, body=text)
    before_html = Comment.objects.get(pk=comment.pk).body_html
    services.comment_retro_spoiler(comment=comment, actor=moderator, reason="Finale spoiler")
    assert services.is_spoilered(Comment.objects.get(pk=comment.pk))
    services.comment_spoiler_lift(comment=comment, actor=moderator, reason="Aired a month ago")
    lifted = Comment.objects.get(pk=comment.pk)
    assert lifted.body == text
    assert lifted.body_html == before_html
    assert not services.is_spoilered(lifted)
    # Both versions kept, as edits keep them.
    assert CommentRevision.objects.filter(comment=comment).count() == 2
    notices = list(
        Notification.objects.filter(recipient=author).order_by("pk").values_list("kind", "reason")
    )
    assert notices == [("spoilered", "Finale spoiler"), ("unspoilered", "Aired a month ago")]
    assert AuditEntry.objects.get(action="unspoiler").reason == "Aired a month ago"


def test_lifting_a_spoiler_the_comment_does_not_have_is_refused(author, moderator):
    from django.core.exceptions import ValidationError

    comment = CommentFactory(author=author)
    with pytest.raises(ValidationError):
        services.comment_spoiler_lift(comment=comment, actor=moderator)


def test_suspension_ban_and_reinstatement_tell_the_reader(
    author, moderator, django_capture_on_commit_callbacks
):
    until = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        suspension.user_suspend(user=author, actor=moderator, until=until, reason="Cool off")
        suspension.user_reinstate(user=author, actor=moderator)
        suspension.user_suspend(user=author, actor=moderator, until=None, reason="Threats")
    notices = list(
        Notification.objects.filter(recipient=author)
        .order_by("pk")
        .values_list("kind", "reason", "comment_id")
    )
    assert notices == [
        ("suspended", "Cool off", None),
        ("reinstated", "", None),
        ("banned", "Threats", None),
    ]
    suspended = Notification.objects.get(recipient=author, kind="suspended")
    assert suspended.detail.startswith("until ")
    html = inbox_html(author)
    assert "A moderator suspended your account" in html
    assert escape(suspended.detail) in html
    assert "A moderator banned your account" in html
    assert "Threats" in html
    assert bell(author) == 3
    assert [email.subject for email in mail.outbox] == [
        "A moderator suspended your account",
        "A moderator lifted the suspension on your account",
        "A moderator banned your account",
    ]
    assert "Their reason: Threats" in mail.outbox[2].body
    assert "you can still read and sign in" in mail.outbox[2].body.lower()


def test_removing_all_of_a_readers_comments_sends_one_notice(author, moderator):
    for _ in range(3):
        CommentFactory(author=author)
    removed = services.user_remove_all_comments(user=author, actor=moderator, reason="Spam run")
    assert removed == 3
    [notice] = Notification.objects.filter(recipient=author)
    assert (notice.kind, notice.detail, notice.reason) == ("removed_all", "3 comments", "Spam run")


def test_a_reply_in_a_removed_comment_still_drops_out_of_the_inbox(author, moderator):
    # The reader rule stays: a reply that is removed is no longer news.
    parent = CommentFactory(author=author)
    reply = CommentFactory(parent=parent, article=parent.article)
    assert bell(author) == 1
    services.comment_moderate(comment=reply, actor=moderator, act="remove", reason="Rude")
    assert bell(author) == 0
    assert reply.body not in inbox_html(author)


def test_guests_have_no_inbox(moderator):
    guest = UserFactory(is_guest=True)
    comment = CommentFactory(author=guest)
    services.comment_moderate(comment=comment, actor=moderator, act="remove", reason="Old")
    assert not Notification.objects.exists()


# --- Links are counted one way ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("https://spam.example/1 https://spam.example/2 https://spam.example/3", 3),
        ("spam.example/1 spam.example/2 spam.example/3", 3),
        ("example.org and example.org/x and https://example.org/a", 3),
        ("[a](https://example.org/1) and <https://example.org/2>", 2),
        ("`https://code.example/x`", 1),
        ("e.g. the U.S. rated it 3.5/5 and/or 4/5", 0),
        ("mail me@example.org", 0),
    ],
)
def test_links_are_counted_the_same_whatever_they_look_like(text: str, links: int):
    from comments.sanitize import sanitize_comment

    assert link_count(sanitize_comment(text, mentions={}, markdown=True)) == links


@pytest.mark.parametrize(
    "text",
    [
        "https://spam.example/1 https://spam.example/2 https://spam.example/3",
        "spam.example/1 spam.example/2 spam.example/3",
        "example.org/1 example.org/2 example.org/3",
    ],
)
def test_three_links_are_held_however_they_are_written(text: str, article, user, settings):
    settings.HOLD_FIRST_COMMENTS = 0
    comment = services.comment_create(article=article, author=user, body=text)
    assert comment.status == Comment.Status.PENDING
    assert "links" in comment.moderation_reason
