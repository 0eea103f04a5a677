"""Readers flagging comments for the moderators, with a reason."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from comments import services
from comments.models import Comment, CommentFlag
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
THANKS = "Thanks for flagging this comment. A moderator will look at it."


def flag_url(comment: Comment) -> str:
    return reverse("comments:flag", kwargs={"pk": comment.pk})


def text_of(response) -> str:
    return unescape(response.content.decode())


def test_flag_page_offers_every_reason(client_logged_in, article):
    comment = CommentFactory(article=article, body="Suspicious")
    response = client_logged_in.get(flag_url(comment))
    html = text_of(response)
    assert response.status_code == 200
    assert "Suspicious" in html
    for value, label in CommentFlag.Reason.choices:
        assert f'value="{value}"' in html
        assert label in html
    assert not CommentFlag.objects.exists()


@pytest.mark.parametrize("reason", ["spam", "abuse", "spoiler", "off_topic"])
def test_flag_with_a_reason_is_recorded(client_logged_in, user, article, reason):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(flag_url(comment), {"reason": reason})
    assert response.status_code == 302
    assert response["Location"] == f"/comments/{comment.pk}/#confirmation"
    flag = CommentFlag.objects.get()
    assert (flag.comment, flag.user, flag.reason, flag.text) == (comment, user, reason, "")
    page = client_logged_in.get(response["Location"])
    assert THANKS in text_of(page)


def test_other_needs_an_explanation(client_logged_in, article):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(flag_url(comment), {"reason": "other", "text": "  "})
    assert response.status_code == 400
    assert "Tell the moderators what is wrong with this comment." in text_of(response)
    assert not CommentFlag.objects.exists()

    response = client_logged_in.post(
        flag_url(comment), {"reason": "other", "text": "Posts the same link everywhere"}
    )
    assert response.status_code == 302
    flag = CommentFlag.objects.get()
    assert (flag.reason, flag.text) == ("other", "Posts the same link everywhere")


@pytest.mark.parametrize("data", [{"text": ""}, {"reason": ""}, {"reason": "boring"}])
def test_missing_or_unknown_reason_is_a_400(client_logged_in, article, data):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(flag_url(comment), data)
    assert response.status_code == 400
    assert not CommentFlag.objects.exists()
    if not data.get("reason"):
        assert "Choose a reason for flagging this comment." in text_of(response)


def test_empty_post_is_refused_not_answered_as_the_blank_form(client_logged_in, article):
    # A POST carrying no fields at all (a script, a mangled request) is still a
    # POST: it must be refused like any other flag without a reason.
    comment = CommentFactory(article=article)
    response = client_logged_in.post(flag_url(comment), {})
    assert response.status_code == 400
    assert "Choose a reason for flagging this comment." in text_of(response)
    assert not CommentFlag.objects.exists()


def test_explanation_over_1000_characters_is_refused(client_logged_in, article):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(flag_url(comment), {"reason": "other", "text": "x" * 1001})
    assert response.status_code == 400
    assert not CommentFlag.objects.exists()


def test_one_flag_per_reader_per_comment(client_logged_in, user, article):
    comment = CommentFactory(article=article)
    client_logged_in.post(flag_url(comment), {"reason": "spam"})
    response = client_logged_in.post(flag_url(comment), {"reason": "abuse"})
    assert response.status_code == 400
    assert "already flagged" in text_of(response)
    assert list(CommentFlag.objects.values_list("reason", flat=True)) == ["spam"]


def test_other_readers_can_flag_the_same_comment(client_logged_in, article):
    comment = CommentFactory(article=article)
    client_logged_in.post(flag_url(comment), {"reason": "spam"})
    second = Client()
    second.force_login(UserFactory())
    assert second.post(flag_url(comment), {"reason": "spam"}).status_code == 302
    assert CommentFlag.objects.filter(comment=comment).count() == 2


def test_readers_cannot_flag_their_own_comment(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user)
    response = client_logged_in.post(flag_url(comment), {"reason": "spam"})
    assert response.status_code in (400, 403)
    assert "You can't flag your own comment." in text_of(response)
    assert not CommentFlag.objects.exists()


def test_flag_link_only_on_other_peoples_comments(client_logged_in, user, article):
    own = CommentFactory(article=article, author=user)
    theirs = CommentFactory(article=article)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'href="{flag_url(theirs)}"' in html
    assert f'href="{flag_url(own)}"' not in html


def test_deleted_comment_cannot_be_flagged(client_logged_in, article):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author)
    CommentFactory(parent=comment)
    services.comment_delete(comment=comment, user=author)
    response = client_logged_in.post(flag_url(comment), {"reason": "abuse"})
    assert response.status_code == 404
    assert "nothing to flag" in unescape(response.content.decode())
    assert not CommentFlag.objects.exists()


def test_anonymous_flag_goes_to_login(client, article):
    comment = CommentFactory(article=article)
    for response in (
        client.get(flag_url(comment)),
        client.post(flag_url(comment), {"reason": "spam"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert not CommentFlag.objects.exists()


def test_htmx_flag_form_and_thanks_are_fragments(client_logged_in, article):
    comment = CommentFactory(article=article)
    form = client_logged_in.get(flag_url(comment), **HTMX)
    assert form.status_code == 200
    assert "<html" not in form.content.decode()
    assert f'id="flag-form-{comment.pk}"' in form.content.decode()

    response = client_logged_in.post(flag_url(comment), {"reason": "spoiler"}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert THANKS in text_of(response)
    assert CommentFlag.objects.get().reason == "spoiler"


def test_htmx_second_flag_shows_the_message_in_the_form(client_logged_in, article):
    comment = CommentFactory(article=article)
    client_logged_in.post(flag_url(comment), {"reason": "spam"}, **HTMX)
    response = client_logged_in.post(flag_url(comment), {"reason": "spam"}, **HTMX)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "already flagged" in text_of(response)


def test_csrf_is_enforced_on_flags(user, article):
    comment = CommentFactory(article=article)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(flag_url(comment), {"reason": "spam"})
    assert response.status_code == 403
    assert not CommentFlag.objects.exists()
