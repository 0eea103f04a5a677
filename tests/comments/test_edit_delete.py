"""Authors editing their comments within the window, and withdrawing them."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from comments import services
from comments.models import Comment, CommentRevision
from tests.factories import CommentFactory, UserFactory
from tests.helpers import ancestor_ids, comment_ids

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_url(comment: Comment) -> str:
    return reverse("comments:edit", kwargs={"pk": comment.pk})


def delete_url(comment: Comment) -> str:
    return reverse("comments:delete", kwargs={"pk": comment.pk})


def text_of(response) -> str:
    return unescape(response.content.decode())


def minutes_ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def comment_element(html: str, comment: Comment) -> str:
    """The comment's own part of the page: from its element to its replies."""
    start = html.index(f'id="comment-{comment.pk}"')
    return html[start : html.index(f'id="replies-{comment.pk}"', start)]


# --- Editing -----------------------------------------------------------------


def test_edit_page_shows_the_current_text_and_the_deadline(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Frist!")
    response = client_logged_in.get(edit_url(comment))
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Frist!</textarea>" in html
    assert "Save changes" in html
    assert "You can edit until" in html


def test_edit_own_comment_replaces_the_text_and_marks_it_edited(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Frist!")
    response = client_logged_in.post(edit_url(comment), {"body": "First, **I mean**."})
    assert response.status_code == 302
    # Without JavaScript: the comment's own page, the confirmation beside it.
    assert response["Location"] == f"/comments/{comment.pk}/#confirmation"
    landing = client_logged_in.get(response["Location"]).content.decode()
    assert "Your comment was updated." in landing
    comment.refresh_from_db()
    assert comment.body == "First, **I mean**."
    assert comment.edited_at is not None

    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    element = comment_element(html, comment)
    assert "First, <strong>I mean</strong>." in element
    assert "Frist!" not in html
    assert 'class="comment__edited"' in element
    assert "edited" in element
    edited_at = date_format(timezone.localtime(comment.edited_at), "c")
    assert f'edited <time datetime="{edited_at}">' in element


def test_unedited_comment_has_no_edited_marker(client, article):
    comment = CommentFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "comment__edited" not in comment_element(html, comment)


def test_every_earlier_version_is_kept(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="version one")
    client_logged_in.post(edit_url(comment), {"body": "version two"})
    client_logged_in.post(edit_url(comment), {"body": "version three"})
    comment.refresh_from_db()
    assert comment.body == "version three"
    revisions = list(CommentRevision.objects.filter(comment=comment).order_by("replaced_at"))
    assert [revision.body for revision in revisions] == ["version one", "version two"]
    assert revisions[0].written_at == comment.created_at
    assert revisions[1].written_at == revisions[0].replaced_at


def test_saving_the_same_text_keeps_no_revision(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="unchanged")
    client_logged_in.post(edit_url(comment), {"body": "unchanged"})
    comment.refresh_from_db()
    assert comment.edited_at is None
    assert not CommentRevision.objects.exists()


def test_admin_shows_earlier_versions_to_superusers(client, user, article):
    comment = CommentFactory(article=article, author=user, body="What I first wrote")
    services.comment_edit(comment=comment, user=user, body="What I meant")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What I meant" in html
    assert "What I first wrote" in html


def test_editing_someone_elses_comment_is_refused(client_logged_in, article):
    comment = CommentFactory(article=article, body="Not yours")
    for response in (
        client_logged_in.get(edit_url(comment)),
        client_logged_in.post(edit_url(comment), {"body": "Hijacked"}),
    ):
        assert response.status_code == 403
        assert "You can only edit your own comments." in text_of(response)
    comment.refresh_from_db()
    assert comment.body == "Not yours"
    assert comment.edited_at is None
    assert not CommentRevision.objects.exists()


def test_htmx_edit_of_someone_elses_comment_is_a_403_fragment(client_logged_in, article):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(edit_url(comment), {"body": "Hijacked"}, **HTMX)
    assert response.status_code == 403
    assert "<html" not in response.content.decode()
    assert "You can only edit your own comments." in text_of(response)


def test_edit_after_the_window_is_refused_naming_it(client_logged_in, user, article, settings):
    assert settings.COMMENT_EDIT_MINUTES == 15
    comment = CommentFactory(article=article, author=user, body="Old", created_at=minutes_ago(16))
    for response in (
        client_logged_in.get(edit_url(comment)),
        client_logged_in.post(edit_url(comment), {"body": "Too late"}),
    ):
        assert response.status_code == 403
        assert "15 minutes" in text_of(response)
    comment.refresh_from_db()
    assert comment.body == "Old"
    assert not CommentRevision.objects.exists()


def test_edit_just_inside_the_window_works(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, created_at=minutes_ago(14))
    response = client_logged_in.post(edit_url(comment), {"body": "Just in time"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Just in time"


def test_edit_link_shows_only_on_own_comments_inside_the_window(client_logged_in, user, article):
    fresh = CommentFactory(article=article, author=user)
    stale = CommentFactory(article=article, author=user, created_at=minutes_ago(20))
    theirs = CommentFactory(article=article)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'href="{edit_url(fresh)}"' in html
    assert f'href="{edit_url(stale)}"' not in html
    assert f'href="{edit_url(theirs)}"' not in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Your comment is empty"),
        ("   \n ", "Your comment is empty"),
        ("x" * 10_001, "the limit is 10,000"),
    ],
)
def test_bad_edit_is_a_400_and_changes_nothing(client_logged_in, user, article, body, message):
    comment = CommentFactory(article=article, author=user, body="Keep me")
    response = client_logged_in.post(edit_url(comment), {"body": body})
    assert response.status_code == 400
    assert message in text_of(response)
    comment.refresh_from_db()
    assert comment.body == "Keep me"
    assert comment.edited_at is None
    assert not CommentRevision.objects.exists()


def test_edit_post_without_a_body_field_is_a_400(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Keep me")
    response = client_logged_in.post(edit_url(comment), {})
    assert response.status_code == 400
    assert "Your comment is empty" in text_of(response)
    comment.refresh_from_db()
    assert comment.body == "Keep me"


def test_htmx_edit_returns_the_content_and_an_out_of_band_meta(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Before")
    response = client_logged_in.post(edit_url(comment), {"body": "After"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith(
        f'<div class="comment__content" id="comment-content-{comment.pk}"'
    )
    assert "After</p>" in html
    assert "Before" not in html
    assert f'id="comment-meta-{comment.pk}" hx-swap-oob="true"' in html
    meta = html[html.index(f'id="comment-meta-{comment.pk}"') :]
    assert "edited" in meta


def test_htmx_edit_form_and_cancel_are_fragments(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Draft")
    form = client_logged_in.get(edit_url(comment), **HTMX).content.decode()
    assert "<html" not in form
    assert re.search(
        rf'<form class="[^"]*\bcomment-form--edit\b[^"]*" id="comment-content-{comment.pk}"', form
    )
    cancel = client_logged_in.get(edit_url(comment), {"cancel": "1"}, **HTMX).content.decode()
    assert f'id="comment-content-{comment.pk}"' in cancel
    assert "Draft</p>" in cancel


def test_htmx_bad_edit_returns_the_form_with_the_message(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Keep me")
    response = client_logged_in.post(edit_url(comment), {"body": " "}, **HTMX)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "Your comment is empty" in text_of(response)


def test_anonymous_edit_goes_to_login(client, article):
    comment = CommentFactory(article=article, body="Mine")
    for response in (client.get(edit_url(comment)), client.post(edit_url(comment), {"body": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_deleted_comment_cannot_be_edited(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user)
    services.comment_delete(comment=comment, user=user)
    response = client_logged_in.post(edit_url(comment), {"body": "Back from the dead"})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    assert comment.body != "Back from the dead"


# --- Deleting ----------------------------------------------------------------


def test_delete_asks_for_confirmation_first(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Regrettable")
    response = client_logged_in.get(delete_url(comment))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete your comment?" in html
    assert f'action="{delete_url(comment)}"' in html
    assert 'method="post"' in html
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_deleted_comment_reads_deleted_and_keeps_its_replies(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Regrettable take")
    reply = CommentFactory(parent=comment, body="A reply worth keeping")
    response = client_logged_in.post(delete_url(comment))
    assert response.status_code == 302
    assert response["Location"] == f"/comments/{comment.pk}/#confirmation"
    landing = client_logged_in.get(response["Location"]).content.decode()
    assert "Your comment was deleted." in landing
    assert "Regrettable take" not in landing
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    assert comment.body == "Regrettable take"  # kept for moderators

    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert "[deleted]" in comment_element(html, comment)
    assert "Regrettable take" not in html
    assert "A reply worth keeping" in html
    assert ancestor_ids(html, f"comment-{reply.pk}")[-2:] == [
        f"comment-{comment.pk}",
        f"replies-{comment.pk}",
    ]
    assert "1 Comment<" in html


def test_deleted_comment_without_replies_disappears(client_logged_in, user, article):
    keep = CommentFactory(article=article)
    gone = CommentFactory(article=article, author=user, body="Nobody answered")
    before = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert "2 Comments<" in before

    client_logged_in.post(delete_url(gone))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert comment_ids(html) == [keep.pk]
    assert "Nobody answered" not in html
    assert "[deleted]" not in html
    assert "1 Comment<" in html
    assert '· <a href="#comments">1 Comment</a>' in html


def test_deleting_the_last_reply_under_a_deleted_comment_removes_both(
    client_logged_in, user, article
):
    author = UserFactory()
    parent = CommentFactory(article=article, author=author)
    reply = CommentFactory(parent=parent, author=user)
    services.comment_delete(comment=parent, user=author)
    assert comment_ids(client_logged_in.get(article.get_absolute_url()).content.decode()) == [
        parent.pk,
        reply.pk,
    ]
    client_logged_in.post(delete_url(reply))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert comment_ids(html) == []
    assert "0 Comments" in html


def test_deleted_reply_keeps_its_own_replies_on_the_permalink(client, user, article):
    root = CommentFactory(article=article)
    middle = CommentFactory(parent=root, author=user, body="middle")
    leaf = CommentFactory(parent=middle, body="leaf")
    services.comment_delete(comment=middle, user=user)
    html = client.get(reverse("comments:detail", kwargs={"pk": root.pk})).content.decode()
    assert comment_ids(html) == [root.pk, middle.pk, leaf.pk]
    assert "[deleted]" in comment_element(html, middle)
    leaf_page = client.get(reverse("comments:detail", kwargs={"pk": leaf.pk})).content.decode()
    assert "[deleted]" in leaf_page
    assert ">middle<" not in leaf_page


def test_deleting_someone_elses_comment_is_refused(client_logged_in, article):
    comment = CommentFactory(article=article, body="Theirs")
    for response in (
        client_logged_in.get(delete_url(comment)),
        client_logged_in.post(delete_url(comment)),
    ):
        assert response.status_code == 403
        assert "You can only delete your own comments." in text_of(response)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_delete_link_only_on_own_comments(client_logged_in, user, article):
    own = CommentFactory(article=article, author=user)
    theirs = CommentFactory(article=article)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'href="{delete_url(own)}"' in html
    assert f'href="{delete_url(theirs)}"' not in html


def test_anonymous_delete_goes_to_login(client, article):
    comment = CommentFactory(article=article)
    for response in (client.get(delete_url(comment)), client.post(delete_url(comment))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_deleting_twice_is_harmless(client_logged_in, user, article):
    root = CommentFactory(article=article)
    comment = CommentFactory(parent=root, author=user)
    client_logged_in.post(delete_url(comment))
    response = client_logged_in.post(delete_url(comment))
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.reply_count == 0
    assert root.descendant_count == 0


def test_htmx_delete_with_replies_swaps_in_the_placeholder(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user, body="Withdrawn")
    CommentFactory(parent=comment)
    response = client_logged_in.post(delete_url(comment), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert response["HX-Retarget"] == f"#comment-meta-{comment.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "[deleted]" in html
    assert "Withdrawn" not in html
    assert 'id="comments-title" hx-swap-oob="true">1 Comment<' in html


def test_htmx_delete_without_replies_removes_the_comment(client_logged_in, user, article):
    CommentFactory(article=article)
    comment = CommentFactory(article=article, author=user)
    response = client_logged_in.post(delete_url(comment), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comment-{comment.pk}"
    assert response["HX-Reswap"] == "delete"
    assert 'id="comments-title" hx-swap-oob="true">1 Comment<' in response.content.decode()


def test_tree_checks_pass_after_deletes(client_logged_in, user, article):
    root = CommentFactory(article=article, author=user)
    a = CommentFactory(parent=root, author=user)
    a1 = CommentFactory(parent=a)
    CommentFactory(parent=a1, author=user)
    b = CommentFactory(parent=root, author=user)
    lone = CommentFactory(article=article, author=user)
    services.comment_like_toggle(comment=a1, user=user)
    for comment in (a, b, lone, root):
        assert client_logged_in.post(delete_url(comment)).status_code == 302
    out, err = StringIO(), StringIO()
    call_command("check_comment_tree", stdout=out, stderr=err)
    assert out.getvalue().startswith("OK:")
    assert err.getvalue() == ""
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (0, 2)


# --- CSRF --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_csrf_is_enforced_on_edit_and_delete(user, article, action):
    comment = CommentFactory(article=article, author=user, body="Original")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    url = edit_url(comment) if action == "edit" else delete_url(comment)
    response = strict.post(url, {"body": "Forged"})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Original"
    assert comment.status == Comment.Status.PUBLISHED
