"""Suspending, banning and reinstating readers, and removing all of a reader's comments."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import suspension
from accounts.models import User
from comments import services
from comments.models import AuditEntry, Comment, CommentFlag, CommentLike, WordRule
from tests.factories import CommentFactory, UserFactory, WordRuleFactory
from tests.helpers import assert_trees_valid, comment_block, comment_ids

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "Flame war in the finale thread"


def in_three_days():
    return (timezone.now() + timedelta(days=3)).replace(hour=12, minute=30, second=0, microsecond=0)


def spoken_date(moment) -> str:
    """How the site writes a moment for readers: "November 24, 2026, 12:30"."""
    local = timezone.localtime(moment)
    return f"{local:%B} {local.day}, {local.year}, {local:%H:%M}"


def text_of(response) -> str:
    return unescape(response.content.decode())


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def until():
    return in_three_days()


@pytest.fixture
def suspended(user, moderator, until) -> User:
    suspension.user_suspend(user=user, actor=moderator, until=until, reason=REASON)
    return fresh(user)


@pytest.fixture
def banned(user, moderator) -> User:
    suspension.user_suspend(user=user, actor=moderator, until=None, reason=REASON)
    return fresh(user)


@pytest.fixture
def client_of_suspended(suspended) -> Client:
    client = Client()
    client.force_login(suspended)
    return client


# --- Suspending and banning -----------------------------------------------------


def test_suspension_is_stored_and_audited(suspended, moderator, until):
    assert (suspended.suspended_until, suspended.banned) == (until, False)
    assert suspended.moderation_reason == REASON
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.SUSPEND
    assert (entry.actor, entry.target_user, entry.reason) == (moderator, suspended, REASON)
    assert suspended.username in entry.detail
    assert "until" in entry.detail


def test_suspended_reader_is_told_why_and_until_when(suspended, article, until):
    with pytest.raises(ValidationError) as refused:
        services.comment_create(article=article, author=suspended, body="Let me speak")
    message = refused.value.messages[0]
    assert "suspended until" in message
    assert spoken_date(until) in message
    assert REASON in message
    assert not Comment.objects.exists()


def test_ban_has_no_end_and_says_so(banned, article, moderator):
    assert (banned.banned, banned.suspended_until) == (True, None)
    with pytest.raises(ValidationError) as refused:
        services.comment_create(article=article, author=banned, body="Let me speak")
    message = refused.value.messages[0]
    assert "banned" in message
    assert REASON in message
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_user) == (
        AuditEntry.Action.BAN,
        moderator,
        banned,
    )
    assert "no end date" in entry.detail


def test_posting_form_shows_the_reason_and_keeps_the_text(client_of_suspended, article, until):
    response = client_of_suspended.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "Let me speak"}
    )
    html = text_of(response)
    assert response.status_code == 400
    assert "Your account is suspended until" in html
    assert spoken_date(until) in html
    assert REASON in html
    assert "Let me speak</textarea>" in html
    assert not Comment.objects.exists()


def test_htmx_post_and_reply_show_the_reason(client_of_suspended, article):
    parent = CommentFactory(article=article)
    for url in [
        reverse("comments:create", kwargs={"slug": article.slug}),
        reverse("comments:reply", kwargs={"pk": parent.pk}),
    ]:
        response = client_of_suspended.post(url, {"body": "Let me speak"}, **HTMX)
        html = text_of(response)
        assert response.status_code == 400, url
        assert "suspended until" in html
        assert REASON in html
        assert "Let me speak</textarea>" in html
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_likes_and_flags_are_refused_with_the_reason(htmx, client_of_suspended, article):
    comment = CommentFactory(article=article)
    headers = HTMX if htmx else {}
    like = client_of_suspended.post(reverse("comments:like", kwargs={"pk": comment.pk}), **headers)
    flag = client_of_suspended.post(
        reverse("comments:flag", kwargs={"pk": comment.pk}), {"reason": "spam"}, **headers
    )
    for response in [like, flag]:
        assert response.status_code == 403
        assert "suspended until" in text_of(response)
        assert REASON in text_of(response)
        if htmx:
            assert response["HX-Retarget"] == f"#reply-slot-{comment.pk}"
    assert not CommentLike.objects.exists()
    assert not CommentFlag.objects.exists()
    comment.refresh_from_db()
    assert comment.like_count == 0


def test_suspended_reader_keeps_reading(client_of_suspended, article):
    comment = CommentFactory(article=article, body="Still readable")
    response = client_of_suspended.get(article.get_absolute_url())
    assert response.status_code == 200
    assert comment.pk in comment_ids(response.content.decode())


def test_suspension_ends_by_itself(suspended, article, until):
    assert suspended.posting_block_reason(now=until - timedelta(seconds=1))
    assert suspended.posting_block_reason(now=until + timedelta(seconds=1)) is None
    User.objects.filter(pk=suspended.pk).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )
    assert services.comment_create(
        article=article, author=fresh(suspended), body="I'm back"
    ).is_visible


def test_suspension_keeps_earlier_comments_visible(user, moderator, article, client):
    comment = CommentFactory(article=article, author=user, body="Said before")
    suspension.user_suspend(user=user, actor=moderator, until=in_three_days(), reason=REASON)
    assert "Said before" in comment_block(
        client.get(article.get_absolute_url()).content.decode(), comment.pk
    )


# --- Reinstating ----------------------------------------------------------------


@pytest.mark.parametrize("block", ["suspended", "banned"])
def test_reinstate_lifts_it(block, request, article, moderator):
    reader = request.getfixturevalue(block)
    suspension.user_reinstate(user=reader, actor=moderator)
    reader = fresh(reader)
    assert (reader.banned, reader.suspended_until, reader.moderation_reason) == (False, None, "")
    assert reader.posting_block_reason() is None
    assert services.comment_create(article=article, author=reader, body="Thanks").is_visible
    other = CommentFactory(article=article)
    assert services.comment_like_toggle(comment=other, user=reader).liked
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.target_user) == (
        AuditEntry.Action.REINSTATE,
        moderator,
        reader,
    )


# --- What a suspension must have --------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_suspension_needs_a_reason(reason, user, moderator):
    with pytest.raises(ValidationError, match="reason"):
        suspension.user_suspend(user=user, actor=moderator, until=in_three_days(), reason=reason)
    assert fresh(user).posting_block_reason() is None
    assert not AuditEntry.objects.exists()


def test_suspension_must_end_in_the_future(user, moderator):
    with pytest.raises(ValidationError, match="future"):
        suspension.user_suspend(
            user=user, actor=moderator, until=timezone.now() - timedelta(hours=1), reason=REASON
        )
    assert fresh(user).posting_block_reason() is None
    assert not AuditEntry.objects.exists()


def test_no_one_suspends_themselves_or_a_superuser(moderator, superuser):
    for target in [moderator, superuser]:
        with pytest.raises(ValidationError, match="yourself or a superuser"):
            suspension.user_suspend(user=target, actor=moderator, until=None, reason=REASON)
        assert fresh(target).posting_block_reason() is None
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["reader", "editor", "anonymous"])
def test_only_moderators_suspend(who, user, other_user, editor):
    actor = {"reader": other_user, "editor": editor, "anonymous": AnonymousUser()}[who]
    with pytest.raises(PermissionDenied):
        suspension.user_suspend(user=user, actor=actor, until=None, reason=REASON)
    with pytest.raises(PermissionDenied):
        services.user_remove_all_comments(user=user, actor=actor, reason=REASON)
    assert fresh(user).posting_block_reason() is None


# --- Removing all of a reader's comments -------------------------------------------


@pytest.fixture
def spammer_work(article, moderator) -> dict[str, Comment]:
    """A spammer's published thread, reply and pending comment, one withdrawn, and others'."""
    spammer = UserFactory(username="ferengi")
    WordRuleFactory(phrase="latinum", action=WordRule.Action.HOLD)
    bystander = UserFactory(username="odo")
    top = CommentFactory(article=article, author=spammer, body="Buy now")
    answer = CommentFactory(parent=top, author=bystander, body="Go away")
    other_top = CommentFactory(article=article, author=bystander, body="On topic")
    spam_reply = CommentFactory(parent=other_top, author=spammer, body="Cheap deals")
    pending = CommentFactory(article=article, author=spammer, body="Gold-pressed latinum")
    withdrawn = CommentFactory(article=article, author=spammer, body="Oops")
    services.comment_delete(comment=withdrawn, user=spammer)
    return {
        "top": top,
        "answer": answer,
        "other_top": other_top,
        "spam_reply": spam_reply,
        "pending": pending,
        "withdrawn": withdrawn,
    }


def test_remove_all_comments_of_a_reader(spammer_work, article, moderator, client):
    spammer = spammer_work["top"].author
    removed = services.user_remove_all_comments(
        user=spammer, actor=moderator, reason="Latinum spam"
    )
    assert removed == 3

    statuses = {
        name: Comment.objects.get(pk=comment.pk).status for name, comment in spammer_work.items()
    }
    assert statuses == {
        "top": "removed",
        "answer": "published",
        "other_top": "published",
        "spam_reply": "removed",
        "pending": "removed",
        "withdrawn": "deleted",
    }
    other_top = Comment.objects.get(pk=spammer_work["other_top"].pk)
    assert (other_top.reply_count, other_top.descendant_count) == (0, 0)
    assert_trees_valid()

    html = client.get(article.get_absolute_url()).content.decode()
    for text in ["Buy now", "Cheap deals", "Gold-pressed latinum", "Oops"]:
        assert text not in html
    assert "[removed by a moderator]" in comment_block(html, spammer_work["top"].pk)
    assert "Go away" in comment_block(html, spammer_work["answer"].pk)
    assert "On topic" in html
    assert "2 Comments" in html
    assert "Buy now" not in client.get(spammer.get_absolute_url()).content.decode()

    entries = AuditEntry.objects.filter(actor=moderator)
    per_comment = entries.filter(action=AuditEntry.Action.REMOVE)
    assert set(per_comment.values_list("comment", flat=True)) == {
        spammer_work[name].pk for name in ["top", "spam_reply", "pending"]
    }
    assert set(per_comment.values_list("reason", flat=True)) == {"Latinum spam"}
    assert dict(per_comment.values_list("comment", "before_status")) == {
        spammer_work["top"].pk: "published",
        spammer_work["spam_reply"].pk: "published",
        spammer_work["pending"].pk: "pending",
    }
    summary = entries.get(action=AuditEntry.Action.REMOVE_ALL)
    assert summary.target_user == spammer
    assert summary.detail == "ferengi: 3 comment(s)"


def test_remove_all_twice_finds_nothing_more(spammer_work, moderator):
    spammer = spammer_work["top"].author
    services.user_remove_all_comments(user=spammer, actor=moderator, reason="Spam")
    assert services.user_remove_all_comments(user=spammer, actor=moderator, reason="Spam") == 0
    assert_trees_valid()
