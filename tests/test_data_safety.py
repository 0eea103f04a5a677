"""Deleting an article or an account never silently deletes other people's comments.

What happens, as the README's "Data safety" section says:

* An article with comments can't be deleted (``Comment.article`` is PROTECT):
  the admin lists the comments in the way and deletes nothing. Close its
  comments, or unpublish it, instead.
* An account that wrote comments can't be deleted either (``Comment.author``
  is PROTECT): deactivate or ban it, and remove its comments with "Remove all
  their comments", which leaves a placeholder and keeps the replies.
* An account without comments can be deleted; its likes, flags and
  notifications go with it. The admin takes its likes back through
  ``user_likes_withdraw`` first, so the liked comments' counts stay right
  (a plain ``user.delete()`` would leave them one too high).
* A superuser's hard delete of a comment deletes its replies too, other
  people's included (``Comment.parent`` is CASCADE): the admin's confirmation
  says how many, and the audit log records it. Soft removal keeps them.
"""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from articles.models import Article
from comments.models import AuditEntry, Comment, CommentLike
from comments.services import comment_hard_delete, comment_like_toggle
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid, thread_as_text


@pytest.fixture
def discussion(db):
    """An article where alice wrote a comment and bob and carol replied to it."""
    article = ArticleFactory()
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    root = CommentFactory(article=article, author=alice, body="alice's comment")
    reply = CommentFactory(article=article, author=bob, parent=root, body="bob's reply")
    CommentFactory(article=article, author=carol, parent=reply, body="carol's reply")
    return article, alice, bob, carol


@pytest.fixture
def superuser_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def test_deleting_an_article_with_comments_is_refused(discussion) -> None:
    article, *_ = discussion
    with pytest.raises(ProtectedError):
        article.delete()
    assert Comment.objects.filter(article=article).count() == 3


def test_admin_explains_why_an_article_with_comments_cannot_be_deleted(
    discussion, superuser_client
) -> None:
    article, *_ = discussion
    url = reverse("admin:articles_article_delete", args=[article.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "would require deleting the following protected related objects" in html
    assert "bob" in html or "Comment" in html
    superuser_client.post(url, {"post": "yes"})
    assert Article.objects.filter(pk=article.pk).exists()
    assert Comment.objects.filter(article=article).count() == 3


def test_deleting_an_account_that_wrote_comments_is_refused(discussion, superuser_client) -> None:
    article, alice, *_ = discussion
    with pytest.raises(ProtectedError):
        alice.delete()
    url = reverse("admin:accounts_user_delete", args=[alice.pk])
    page = superuser_client.get(url)
    assert "would require deleting the following protected related objects" in (
        page.content.decode()
    )
    superuser_client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=alice.pk).exists()
    assert Comment.objects.filter(article=article).count() == 3


def test_deleting_an_account_without_comments_keeps_everyone_elses(discussion) -> None:
    article, *_ = discussion
    reader = UserFactory()
    liked = Comment.objects.get(body="bob's reply")
    comment_like_toggle(comment=liked, user=reader)
    before = thread_as_text(article)

    # A plain delete (a shell, a script): the likes are taken back all the same.
    reader.delete()

    assert thread_as_text(article) == before
    liked.refresh_from_db()
    assert liked.like_count == 0 == CommentLike.objects.filter(comment=liked).count()
    assert_trees_valid()


def test_deleting_an_account_in_the_admin_keeps_like_counts(discussion, superuser_client) -> None:
    reader = UserFactory()
    liked = Comment.objects.get(body="alice's comment")
    comment_like_toggle(comment=liked, user=reader)
    url = reverse("admin:accounts_user_delete", args=[reader.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=reader.pk).exists()
    liked.refresh_from_db()
    assert liked.like_count == 0
    assert_trees_valid()


def test_removing_all_of_an_accounts_comments_keeps_the_replies(discussion, moderator) -> None:
    from comments.services import user_remove_all_comments

    article, alice, *_ = discussion
    user_remove_all_comments(user=alice, actor=moderator, reason="spam account")
    statuses = dict(Comment.objects.filter(article=article).values_list("body", "status"))
    assert statuses == {
        "alice's comment": Comment.Status.REMOVED,
        "bob's reply": Comment.Status.PUBLISHED,
        "carol's reply": Comment.Status.PUBLISHED,
    }
    assert_trees_valid()


def test_hard_delete_takes_the_replies_with_it_and_says_so(discussion, superuser) -> None:
    article, *_ = discussion
    root = Comment.objects.get(body="alice's comment")
    sibling = CommentFactory(article=article, body="another thread")

    gone = comment_hard_delete(comment=Comment.objects.get(body="bob's reply"), actor=superuser)

    assert gone == 2  # bob's reply and carol's reply under it
    assert set(Comment.objects.filter(article=article).values_list("pk", flat=True)) == {
        root.pk,
        sibling.pk,
    }
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HARD_DELETE)
    assert "2 comment(s)" in entry.reason
    assert_trees_valid()
