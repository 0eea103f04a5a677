"""Moderating comments: statuses, who may act, the audit log, pins, picks and retro-spoilers.

The admin pages that call these services are tested with the admin; here is
what the services do and what readers and authors then see.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import suspension
from articles.models import Article
from comments import services
from comments.models import AuditEntry, Comment, CommentRevision, Notification, WordRule
from comments.ranking import Sort
from tests.factories import ArticleFactory, CommentFactory, UserFactory, WordRuleFactory
from tests.helpers import (
    add_likes,
    assert_trees_valid,
    comment_block,
    comment_ids,
    make_moderator,
)

pytestmark = pytest.mark.django_db

SECRET = "Section 31 secret text"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_html(client: Client, article: Article, **params) -> str:
    response = client.get(article.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def permalink_html(client: Client, comment: Comment) -> str:
    response = client.get(reverse("comments:detail", kwargs={"pk": comment.pk}))
    assert response.status_code in (200, 404)
    return response.content.decode()


def held_comment(**fields) -> Comment:
    """A comment the screening sends to the pending queue (it contains a held word)."""
    WordRuleFactory(phrase="tribble", action=WordRule.Action.HOLD)
    body = fields.pop("body", SECRET)
    comment = CommentFactory(body=f"{body} tribble", **fields)
    assert comment.status == Comment.Status.PENDING
    return comment


def moderate(comment: Comment, actor, act: str, reason: str = "") -> bool:
    return services.comment_moderate(comment=comment, actor=actor, act=act, reason=reason)


def fresh(comment: Comment) -> Comment:
    return Comment.objects.get(pk=comment.pk)


@pytest.fixture
def picard(db):
    return UserFactory(username="picard")


@pytest.fixture
def kirk(db):
    return UserFactory(username="kirk")


@pytest.fixture
def thread(article, picard, kirk) -> dict[str, Comment]:
    """picard's root > kirk's reply (the secret) > picard's answer."""
    root = CommentFactory(article=article, author=picard, body="Engage")
    reply = CommentFactory(parent=root, author=kirk, body=SECRET)
    answer = CommentFactory(parent=reply, author=picard, body="Make it so")
    return {"root": root, "reply": reply, "answer": answer}


# --- The Moderators group and permissions ------------------------------------


def test_moderators_group_may_moderate_but_not_edit_articles_or_users(moderator):
    assert Group.objects.get(name="Moderators") in moderator.groups.all()
    for permission in [
        "comments.can_moderate",
        "comments.view_comment",
        "comments.view_auditentry",
        "comments.add_wordrule",
        "accounts.moderate_user",
        "articles.moderate_discussion",
    ]:
        assert moderator.has_perm(permission), permission
    for permission in [
        "articles.change_article",
        "accounts.change_user",
        "comments.delete_comment",
        "comments.change_auditentry",
    ]:
        assert not moderator.has_perm(permission), permission


def _prepare(act: str, comment: Comment, superuser) -> None:
    """Put the comment (or its author) in the state the act applies to."""
    if act == "restore":
        moderate(comment, superuser, "remove", reason="Off-topic")
    if act == "reinstate":
        suspension.user_suspend(user=comment.author, actor=superuser, until=None, reason="Spam")


ACTS = {
    "approve": lambda comment, actor: moderate(comment, actor, "approve"),
    "remove": lambda comment, actor: moderate(comment, actor, "remove", reason="Abuse"),
    "spam": lambda comment, actor: moderate(comment, actor, "spam"),
    "restore": lambda comment, actor: moderate(comment, actor, "restore"),
    "pin": lambda comment, actor: services.comment_pin(comment=comment, actor=actor),
    "pick": lambda comment, actor: services.comment_pick(comment=comment, actor=actor),
    "retro_spoiler": lambda comment, actor: services.comment_retro_spoiler(
        comment=comment, actor=actor
    ),
    "remove_all": lambda comment, actor: services.user_remove_all_comments(
        user=comment.author, actor=actor, reason="Spammer"
    ),
    "close": lambda comment, actor: services.article_comments_set(
        article=comment.article, actor=actor, open_=False
    ),
    "suspend": lambda comment, actor: suspension.user_suspend(
        user=comment.author, actor=actor, until=timezone.now() + timedelta(days=3), reason="Rude"
    ),
    "reinstate": lambda comment, actor: suspension.user_reinstate(user=comment.author, actor=actor),
}


EVERY_ACT = {
    **ACTS,
    "hard_delete": lambda comment, actor: services.comment_hard_delete(
        comment=comment, actor=actor
    ),
}


@pytest.fixture(params=["anonymous", "nobody", "reader", "editor", "inactive moderator"])
def refused_actor(request, user, editor):
    return {
        "anonymous": AnonymousUser(),
        "nobody": None,
        "reader": user,
        "editor": editor,
        "inactive moderator": make_moderator(is_active=False),
    }[request.param]


@pytest.mark.parametrize("act", EVERY_ACT)
def test_acts_are_refused_to_everyone_but_moderators(act, refused_actor, article, superuser):
    comment = held_comment(article=article) if act == "approve" else CommentFactory(article=article)
    _prepare(act, comment, superuser)
    before = fresh(comment)
    audits = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        EVERY_ACT[act](comment, refused_actor)
    after = fresh(comment)
    assert (after.status, after.body, after.is_editors_pick) == (
        before.status,
        before.body,
        before.is_editors_pick,
    )
    assert AuditEntry.objects.count() == audits
    article.refresh_from_db()
    assert article.pinned_comment_id is None
    assert article.comments_open


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_moderators_and_superusers_may_act(act, who, article, moderator, superuser):
    actor = {"moderator": moderator, "superuser": superuser}[who]
    comment = held_comment(article=article) if act == "approve" else CommentFactory(article=article)
    _prepare(act, comment, superuser)
    ACTS[act](comment, actor)
    assert AuditEntry.objects.filter(actor=actor).exists()
    assert_trees_valid()


def test_only_superusers_delete_for_good(article, moderator, superuser):
    comment = CommentFactory(article=article)
    with pytest.raises(PermissionDenied, match="Only superusers"):
        services.comment_hard_delete(comment=comment, actor=moderator)
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert services.comment_hard_delete(comment=comment, actor=superuser) == 1
    assert not Comment.objects.filter(pk=comment.pk).exists()


# --- Pending comments ---------------------------------------------------------


def test_pending_comment_is_shown_only_to_its_author(article, user, other_user, client):
    comment = held_comment(article=article, author=user)

    for reader in [client, client_for(other_user)]:
        html = page_html(reader, article)
        assert SECRET not in html
        assert comment.pk not in comment_ids(html)
        assert "Awaiting moderation" not in html
        assert "0 Comments" in html
        assert SECRET not in permalink_html(reader, comment)

    own = page_html(client_for(user), article)
    block = comment_block(own, comment.pk)
    assert SECRET in block
    assert "Awaiting moderation" in block
    assert "0 Comments" in own  # not counted until approved
    assert "Awaiting moderation" in comment_block(
        permalink_html(client_for(user), comment), comment.pk
    )


def test_pending_comment_is_not_on_the_authors_profile(article, user, client):
    held_comment(article=article, author=user)
    html = client.get(user.get_absolute_url()).content.decode()
    assert SECRET not in html
    assert 'id="stat-comments">0<' in html


def test_pending_reply_announces_nothing_and_counts_nowhere(article, picard, kirk):
    root = CommentFactory(article=article, author=picard, body="Engage")
    held = held_comment(parent=root, author=kirk, body=f"{SECRET} @picard")
    assert not Notification.objects.filter(comment=held).exists()
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (0, 0)
    inbox = client_for(picard).get(reverse("comments:inbox")).content.decode()
    assert SECRET not in inbox
    assert "Nothing yet." in inbox


def test_approving_publishes_counts_and_only_then_notifies(
    article, picard, kirk, django_capture_on_commit_callbacks, moderator
):
    picard.email_notifications = True
    picard.save()
    spock = UserFactory(username="spock", email_notifications=True)
    root = CommentFactory(article=article, author=picard, body="Engage")
    held = held_comment(parent=root, author=kirk, body="Agreed, @spock")
    assert not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert moderate(held, moderator, "approve") is True

    held.refresh_from_db()
    root.refresh_from_db()
    assert held.status == Comment.Status.PUBLISHED
    assert held.moderation_reason == ""
    assert (root.reply_count, root.descendant_count) == (1, 1)
    kinds = dict(Notification.objects.filter(comment=held).values_list("recipient", "kind"))
    # Its author hears it was approved; the reply and the mention are news to the others.
    assert kinds == {
        picard.pk: Notification.Kind.REPLY,
        spock.pk: Notification.Kind.MENTION,
        kirk.pk: Notification.Kind.APPROVED,
    }
    emailed = sorted(message.to[0] for message in mail.outbox)
    assert emailed == sorted(
        [picard.email, spock.email] + ([kirk.email] if kirk.email_notifications else [])
    )

    html = page_html(Client(), article)
    assert "Agreed, " in comment_block(html, held.pk)
    assert "2 Comments" in html
    assert "Awaiting moderation" not in html
    entry = AuditEntry.objects.get(action=AuditEntry.Action.APPROVE)
    assert (entry.actor, entry.comment, entry.before_status, entry.after_status) == (
        moderator,
        held,
        "pending",
        "published",
    )
    assert_trees_valid()


@pytest.mark.parametrize("detour", ["spam", "remove"])
def test_a_held_comment_restored_from_the_bin_is_announced_once(
    detour, article, picard, kirk, moderator, django_capture_on_commit_callbacks
):
    """Marked spam (or removed) by mistake while pending, then restored: as if approved."""
    picard.email_notifications = True
    picard.save()
    root = CommentFactory(article=article, author=picard, body="Engage")
    held = held_comment(parent=root, author=kirk)
    moderate(held, moderator, detour, reason="Looked like spam")
    with django_capture_on_commit_callbacks(execute=True):
        moderate(held, moderator, "restore")
    assert Notification.objects.filter(recipient=picard, comment=held, kind="reply").exists()
    assert [message.to for message in mail.outbox] == [[picard.email]]

    # Removing and restoring it again tells nobody twice.
    moderate(held, moderator, "remove", reason="Second thoughts")
    with django_capture_on_commit_callbacks(execute=True):
        moderate(held, moderator, "restore")
    assert len(mail.outbox) == 1


def test_approve_applies_only_to_pending_comments(article, moderator):
    comment = CommentFactory(article=article)
    assert moderate(comment, moderator, "approve") is False
    assert not AuditEntry.objects.exists()


# --- Removed and spam ---------------------------------------------------------


def test_remove_needs_a_reason(thread, moderator):
    for reason in ["", "   \n "]:
        with pytest.raises(ValidationError, match="reason"):
            moderate(thread["reply"], moderator, "remove", reason=reason)
    assert fresh(thread["reply"]).status == Comment.Status.PUBLISHED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("act", ["remove", "spam"])
def test_removed_and_spam_text_reaches_no_reader(act, thread, article, picard, kirk, moderator):
    reply = thread["reply"]
    picard_client = client_for(picard)
    inbox_url = reverse("comments:inbox")
    assert SECRET in picard_client.get(inbox_url).content.decode()
    assert SECRET in Client().get(kirk.get_absolute_url()).content.decode()

    assert moderate(reply, moderator, act, reason="Abusive") is True

    for reader in [Client(), picard_client, client_for(kirk), client_for(moderator)]:
        html = page_html(reader, article)
        assert SECRET not in html
        assert "2 Comments" in html
        block = comment_block(html, reply.pk)
        assert "[removed by a moderator]" in block
        assert kirk.display_name not in block
        assert SECRET not in permalink_html(reader, reply)
    # The reply to it stays, under the placeholder.
    assert "Make it so" in comment_block(page_html(Client(), article), thread["answer"].pk)
    assert SECRET not in picard_client.get(inbox_url).content.decode()
    profile = Client().get(kirk.get_absolute_url()).content.decode()
    assert SECRET not in profile
    assert 'id="stat-comments">0<' in profile


def test_removed_comment_without_replies_disappears(article, moderator, client):
    comment = CommentFactory(article=article, body=SECRET)
    moderate(comment, moderator, "remove", reason="Abuse")
    html = page_html(client, article)
    assert comment.pk not in comment_ids(html)
    assert "0 Comments" in html


@pytest.mark.parametrize("act", ["remove", "spam"])
def test_restore_brings_it_back_with_its_counters(act, thread, article, moderator):
    root = thread["root"]
    moderate(thread["reply"], moderator, act, reason="Looked like spam")
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (0, 1)
    assert_trees_valid()

    assert moderate(thread["reply"], moderator, "restore", reason="False alarm") is True
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (1, 2)
    reply = fresh(thread["reply"])
    assert reply.status == Comment.Status.PUBLISHED
    assert SECRET in comment_block(page_html(Client(), article), reply.pk)
    assert "3 Comments" in page_html(Client(), article)
    assert_trees_valid()


def test_removed_comment_cannot_be_restored_twice(thread, moderator):
    moderate(thread["reply"], moderator, "remove", reason="Abuse")
    assert moderate(thread["reply"], moderator, "restore") is True
    assert moderate(thread["reply"], moderator, "restore") is False
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RESTORE).count() == 1


@pytest.mark.parametrize("act", ["restore", "remove", "spam", "approve"])
def test_author_deleted_comments_are_beyond_moderators(act, thread, kirk, moderator, client):
    services.comment_delete(comment=thread["reply"], user=kirk)
    assert moderate(thread["reply"], moderator, act, reason="Try") is False
    assert fresh(thread["reply"]).status == Comment.Status.DELETED
    assert not AuditEntry.objects.exists()
    assert "[deleted]" in comment_block(
        page_html(client, thread["root"].article), thread["reply"].pk
    )


# --- The audit log --------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "action", "before", "after"),
    [
        ([], AuditEntry.Action.REMOVE, "published", "removed"),
        ([], AuditEntry.Action.SPAM, "published", "spam"),
        (["spam"], AuditEntry.Action.REMOVE, "spam", "removed"),
        (["remove"], AuditEntry.Action.SPAM, "removed", "spam"),
        (["remove"], AuditEntry.Action.RESTORE, "removed", "published"),
        (["spam"], AuditEntry.Action.RESTORE, "spam", "published"),
    ],
)
def test_every_act_is_audited_with_reason_and_statuses(
    steps, action, before, after, thread, kirk, moderator
):
    reply = thread["reply"]
    for step in steps:
        moderate(reply, moderator, step, reason="Earlier")
    act = {"removed": "remove", "spam": "spam", "published": "restore"}[after]
    moderate(reply, moderator, act, reason="  Breaks   rule 3  ")

    entry = AuditEntry.objects.filter(action=action).latest("pk")
    assert entry.actor == moderator
    assert entry.comment == reply
    assert entry.target_user == kirk
    assert entry.article == reply.article
    assert entry.reason == "Breaks rule 3"
    assert (entry.before_status, entry.after_status) == (before, after)
    assert SECRET in entry.detail
    assert fresh(reply).status == after
    assert_trees_valid()


def test_pin_pick_spoiler_and_close_are_audited(article, moderator):
    comment = CommentFactory(article=article)
    services.comment_pin(comment=comment, actor=moderator)
    services.comment_pin(comment=comment, actor=moderator, pinned=False)
    services.comment_pick(comment=comment, actor=moderator)
    services.comment_pick(comment=comment, actor=moderator, picked=False)
    services.comment_retro_spoiler(comment=comment, actor=moderator, reason="Finale spoiler")
    services.article_comments_set(article=article, actor=moderator, open_=False)
    services.article_comments_set(article=article, actor=moderator, open_=True)
    actions = list(
        AuditEntry.objects.filter(actor=moderator).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["pin", "unpin", "pick", "unpick", "spoiler", "close", "open"]
    spoiler = AuditEntry.objects.get(action="spoiler")
    assert (spoiler.reason, spoiler.comment, spoiler.target_user) == (
        "Finale spoiler",
        comment,
        comment.author,
    )
    assert AuditEntry.objects.get(action="close").article == article


# --- Hard delete ------------------------------------------------------------------


def test_hard_delete_takes_the_replies_and_fixes_the_counters(thread, article, superuser):
    root = thread["root"]
    sibling = CommentFactory(parent=root, body="Another reply")
    assert services.comment_hard_delete(comment=thread["reply"], actor=superuser) == 2

    assert set(Comment.objects.values_list("pk", flat=True)) == {root.pk, sibling.pk}
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (1, 1)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HARD_DELETE)
    assert entry.comment is None  # the row is gone; the entry outlives it
    assert SECRET in entry.detail
    assert (entry.actor, entry.before_status) == (superuser, "published")
    assert "2 Comments" in page_html(Client(), article)
    assert_trees_valid()


def test_hard_delete_of_a_removed_comment_counts_only_published_replies(
    thread, article, superuser, moderator
):
    root = thread["root"]
    moderate(thread["reply"], moderator, "remove", reason="Abuse")
    services.comment_hard_delete(comment=thread["reply"], actor=superuser)
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (0, 0)
    assert_trees_valid()


def test_hard_delete_of_a_pinned_root_unpins_it(article, moderator, superuser):
    root = CommentFactory(article=article)
    CommentFactory(parent=root)
    services.comment_pin(comment=root, actor=moderator)
    services.comment_hard_delete(comment=root, actor=superuser)
    article.refresh_from_db()
    assert article.pinned_comment is None
    assert not Comment.objects.exists()
    assert_trees_valid()


def test_tree_stays_valid_through_every_kind_of_act(article, picard, kirk, moderator, superuser):
    root = CommentFactory(article=article, author=picard, body="root")
    a = CommentFactory(parent=root, author=kirk, body="a")
    a1 = CommentFactory(parent=a, author=picard, body="a1")
    b = CommentFactory(parent=root, author=kirk, body="b")
    b1 = CommentFactory(parent=b, author=picard, body="b1")
    pending = held_comment(parent=a1, author=kirk)
    steps = [
        lambda: moderate(pending, moderator, "approve"),
        lambda: moderate(a, moderator, "remove", reason="Abuse"),
        lambda: moderate(a1, moderator, "spam"),
        lambda: moderate(a, moderator, "restore"),
        lambda: services.comment_delete(comment=b1, user=picard),
        lambda: services.comment_pin(comment=root, actor=moderator),
        lambda: services.comment_pick(comment=b, actor=moderator),
        lambda: services.comment_retro_spoiler(comment=b, actor=moderator),
        lambda: services.user_remove_all_comments(user=kirk, actor=moderator, reason="Spam"),
        lambda: services.comment_hard_delete(comment=a, actor=superuser),
        lambda: services.comment_hard_delete(comment=root, actor=superuser),
    ]
    for step in steps:
        step()
        assert_trees_valid()


# --- Pins and Editor's picks ------------------------------------------------------


@pytest.fixture
def pinned_setup(article, moderator) -> tuple[Comment, list[Comment]]:
    """Three threads; the middle one, oldest-but-one and unliked, is pinned."""
    first = CommentFactory(article=article, body="first thread")
    pinned = CommentFactory(article=article, body="pinned thread")
    last = CommentFactory(article=article, body="last thread")
    add_likes(first, 2)
    add_likes(last, 3)
    services.comment_pin(comment=pinned, actor=moderator)
    return pinned, [first, last]


@pytest.mark.parametrize("sort", list(Sort))
def test_pinned_comment_leads_page_one_in_every_sort(sort, pinned_setup, article, client):
    pinned, others = pinned_setup
    html = page_html(client, article, sort=sort.value)
    ids = comment_ids(html)
    assert ids[0] == pinned.pk
    assert sorted(ids) == sorted([pinned.pk, *(c.pk for c in others)])
    assert "badge--pinned" in comment_block(html, pinned.pk)
    assert html.count("badge--pinned") == 1


def test_pinned_comment_is_not_repeated_on_later_pages(pinned_setup, article, client, settings):
    settings.COMMENT_THREADS_PER_PAGE = 2
    pinned, _ = pinned_setup
    first = comment_ids(page_html(client, article, sort="newest"))
    second = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}),
        {"sort": "newest", "page": 2},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert first[0] == pinned.pk
    assert pinned.pk not in comment_ids(second)
    assert len(first) + len(comment_ids(second)) == 3


def test_one_pin_per_article_and_unpin(pinned_setup, article, moderator, client):
    _, (first, _) = pinned_setup
    services.comment_pin(comment=first, actor=moderator)
    article.refresh_from_db()
    assert article.pinned_comment == first
    services.comment_pin(comment=first, actor=moderator, pinned=False)
    article.refresh_from_db()
    assert article.pinned_comment is None
    html = page_html(client, article, sort="oldest")
    assert "badge--pinned" not in html
    assert comment_ids(html)[0] == first.pk


def test_unpinning_a_comment_that_is_not_pinned_changes_nothing(pinned_setup, article, moderator):
    pinned, (first, _) = pinned_setup
    services.comment_pin(comment=first, actor=moderator, pinned=False)
    article.refresh_from_db()
    assert article.pinned_comment == pinned
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UNPIN).exists()


def test_replies_and_hidden_comments_cannot_be_pinned(thread, article, moderator):
    with pytest.raises(ValidationError, match="top-level"):
        services.comment_pin(comment=thread["reply"], actor=moderator)
    pending = held_comment(article=article)
    with pytest.raises(ValidationError):
        services.comment_pin(comment=pending, actor=moderator)
    article.refresh_from_db()
    assert article.pinned_comment is None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PIN).exists()


def test_editors_pick_badge(thread, article, moderator, client):
    reply = thread["reply"]
    services.comment_pick(comment=reply, actor=moderator)
    services.comment_pick(comment=reply, actor=moderator)  # already picked: no second entry
    html = page_html(client, article)
    assert "Editor's pick" in comment_block(html, reply.pk)
    assert html.count("badge--pick") == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PICK).count() == 1

    services.comment_pick(comment=reply, actor=moderator, picked=False)
    assert "badge--pick" not in page_html(client, article)
    assert not fresh(reply).is_editors_pick


# --- Closing an article's comments ------------------------------------------------


def test_closed_article_keeps_its_comments_and_refuses_new_ones(thread, article, moderator, kirk):
    services.article_comments_set(article=article, actor=moderator, open_=False)
    article.refresh_from_db()
    assert not article.comments_open

    html = page_html(client_for(kirk), article)
    assert SECRET in html
    assert "Comments are closed on this article." in html
    assert 'id="comment-form-new"' not in html
    assert reverse("comments:reply", kwargs={"pk": thread["reply"].pk}) not in html

    with pytest.raises(ValidationError, match="closed"):
        CommentFactory(article=article, author=kirk)
    with pytest.raises(ValidationError, match="closed"):
        CommentFactory(parent=thread["root"], author=kirk)
    response = client_for(kirk).post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "Let me in"}
    )
    assert response.status_code == 400
    assert "Comments are closed on this article." in response.content.decode()
    assert not Comment.objects.filter(body="Let me in").exists()

    services.article_comments_set(article=article, actor=moderator, open_=True)
    article.refresh_from_db()
    assert CommentFactory(article=article, author=kirk).is_visible
    assert AuditEntry.objects.filter(action__in=["close", "open"]).count() == 2


@pytest.fixture
def close_after_a_week(settings) -> None:
    settings.COMMENTS_CLOSE_AFTER_DAYS = 7


def test_old_articles_close_automatically(kirk, settings):
    published = timezone.now() - timedelta(days=8)
    old = ArticleFactory(published_at=published)
    existing = CommentFactory(
        article=old, body="Posted while it was open", created_at=published + timedelta(days=1)
    )
    settings.COMMENTS_CLOSE_AFTER_DAYS = 7
    assert old.auto_closed

    html = page_html(client_for(kirk), old)
    assert "Posted while it was open" in html
    assert "Comments closed automatically 7 days after publication." in html
    assert 'id="comment-form-new"' not in html
    assert reverse("comments:reply", kwargs={"pk": existing.pk}) not in html

    response = client_for(kirk).post(
        reverse("comments:create", kwargs={"slug": old.slug}), {"body": "Too late?"}
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(body="Too late?").exists()
    with pytest.raises(ValidationError, match="closed"):
        services.comment_create(article=old, author=kirk, body="Too late?")
    with pytest.raises(ValidationError, match="closed"):
        services.comment_create(article=old, author=kirk, body="Too late?", parent=existing)


def test_newer_articles_stay_open_and_zero_days_means_never(close_after_a_week, kirk, settings):
    recent = ArticleFactory(published_at=timezone.now() - timedelta(days=6))
    assert CommentFactory(article=recent, author=kirk).is_visible
    assert "Leave a Reply" in page_html(client_for(kirk), recent)

    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    ancient = ArticleFactory(published_at=timezone.now() - timedelta(days=4000))
    assert CommentFactory(article=ancient, author=kirk).is_visible


# --- Retro-spoilers ------------------------------------------------------------------


def test_retro_spoiler_hides_the_whole_comment_and_keeps_the_original(article, kirk, moderator):
    comment = CommentFactory(article=article, author=kirk, body="Spock dies [/spoiler] at the end")
    original_html = comment.body_html
    services.comment_retro_spoiler(comment=comment, actor=moderator, reason="Film spoiler")

    comment.refresh_from_db()
    assert comment.body_html.startswith('<p><label class="spoiler">')
    assert comment.body_html.count('class="spoiler"') == 1
    assert "Spock dies" in comment.body_html
    assert comment.body_html.endswith("at the end</span></label></p>")
    assert comment.status == Comment.Status.PUBLISHED
    revision = CommentRevision.objects.get(comment=comment)
    assert revision.body == "Spock dies [/spoiler] at the end"
    assert revision.body_html == original_html

    block = comment_block(page_html(Client(), article), comment.pk)
    assert '<label class="spoiler">' in block
    assert block.index('<label class="spoiler">') < block.index("Spock dies")


def test_retro_spoiler_tells_the_author_in_their_inbox(article, kirk, moderator):
    comment = CommentFactory(article=article, author=kirk, body="Spock dies")
    services.comment_retro_spoiler(comment=comment, actor=moderator)

    notification = Notification.objects.get(recipient=kirk)
    assert (notification.kind, notification.comment, notification.is_unread) == (
        Notification.Kind.SPOILERED,
        comment,
        True,
    )
    html = client_for(kirk).get(reverse("comments:inbox")).content.decode()
    assert "hid your comment behind a spoiler warning" in html
    assert "Spock dies" not in html  # the preview masks spoilers
    assert not Notification.objects.exclude(recipient=kirk).exists()


def test_retro_spoiler_emails_an_opted_in_author_after_the_commit(
    article, kirk, moderator, django_capture_on_commit_callbacks
):
    kirk.email_notifications = True
    kirk.save()
    comment = CommentFactory(article=article, author=kirk, body="Spock dies")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_retro_spoiler(comment=comment, actor=moderator)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [kirk.email]
    assert "spoiler" in message.subject
    assert "Spock dies" not in message.body


def test_retro_spoiler_sends_no_email_to_authors_who_did_not_opt_in(
    article, kirk, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(article=article, author=kirk, body="Spock dies")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_retro_spoiler(comment=comment, actor=moderator)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=kirk, kind="spoilered").exists()


def test_retro_spoiler_does_not_say_the_author_did_it(
    article, kirk, moderator, django_capture_on_commit_callbacks
):
    """The inbox and the email name who acted; the author didn't hide their own comment."""
    kirk.email_notifications = True
    kirk.save()
    comment = CommentFactory(article=article, author=kirk, body="Spock dies")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_retro_spoiler(comment=comment, actor=moderator)
    claim = f"{kirk.display_name} hid your comment"
    assert claim not in mail.outbox[0].subject
    assert claim not in mail.outbox[0].body
    inbox = client_for(kirk).get(reverse("comments:inbox")).content.decode()
    assert f"<strong>{escape(kirk.display_name)}</strong> hid your comment" not in inbox


# --- Flags dismissed, and what a hidden comment may no longer be ---------------


def test_dismissing_flags_keeps_the_comment_and_empties_the_flagged_queue(article, moderator):
    from comments.queues import queue_counts

    comment = CommentFactory(article=article, body="Borderline but fine")
    for reader in UserFactory.create_batch(2):
        services.comment_flag(comment=comment, user=reader, reason="off_topic")
    assert queue_counts()["flagged"] == 1

    assert services.comment_flags_dismiss(comment=comment, actor=moderator) == 2

    assert queue_counts()["flagged"] == 0
    assert comment.flags.filter(dismissed_by=moderator, dismissed_at__isnull=False).count() == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DISMISS)
    assert (entry.actor, entry.comment, entry.reason) == (
        moderator,
        comment,
        "2 flags dismissed.",
    )
    assert services.comment_flags_dismiss(comment=comment, actor=moderator) == 0
    with pytest.raises(PermissionDenied):
        services.comment_flags_dismiss(comment=comment, actor=UserFactory())


def test_removing_the_pinned_comment_unpins_it(client, article, moderator):
    pinned = CommentFactory(article=article, body="House rules")
    CommentFactory(article=article, body="Another thread")
    services.comment_pin(comment=pinned, actor=moderator)

    services.comment_moderate(comment=pinned, actor=moderator, act="remove", reason="Outdated")

    article.refresh_from_db()
    assert article.pinned_comment is None
    assert ">Pinned<" not in page_html(client, article)


def test_a_comment_is_hidden_behind_a_spoiler_once_and_only_while_published(article, moderator):
    comment = CommentFactory(article=article, body="The captain dies")
    services.comment_retro_spoiler(comment=comment, actor=moderator)
    with pytest.raises(ValidationError, match="already hidden behind a spoiler"):
        services.comment_retro_spoiler(comment=comment, actor=moderator)
    removed = CommentFactory(article=article, body="Gone")
    services.comment_moderate(comment=removed, actor=moderator, act="remove", reason="Rude")
    with pytest.raises(ValidationError, match="Only a published comment"):
        services.comment_retro_spoiler(comment=removed, actor=moderator)
    assert CommentRevision.objects.filter(comment=comment).count() == 1


def test_hidden_comments_cannot_be_picked_or_pinned(article, moderator):
    comment = CommentFactory(article=article, body="Spammy")
    services.comment_moderate(comment=comment, actor=moderator, act="spam")
    with pytest.raises(ValidationError, match="Editor's pick"):
        services.comment_pick(comment=comment, actor=moderator)
    with pytest.raises(ValidationError, match="pinned"):
        services.comment_pin(comment=comment, actor=moderator)


def test_only_a_superuser_may_suspend_staff(moderator, superuser):
    colleague = make_moderator()
    until = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError, match="Only a superuser"):
        suspension.user_suspend(user=colleague, actor=moderator, until=until, reason="Feud")
    suspension.user_suspend(user=colleague, actor=superuser, until=until, reason="Cooling off")
    colleague.refresh_from_db()
    assert colleague.suspended_until == until
