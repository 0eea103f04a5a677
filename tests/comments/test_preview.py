"""Preview: what a comment, reply or edit will look like, from the same code that posts it.

With htmx the preview comes in below the form; without JavaScript the form
goes to the preview and comes back with the text and the preview in it.
Nothing is ever written.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "Ranked:\n\n1. Khan\n2. **First Contact**\n\n||he lives|| cc @worf"
PREVIEW = re.compile(
    r'<section class="comment-preview__box".*?<div class="comment__body">(.*?)</div>\s*</section>',
    re.S,
)


def preview_url(**query) -> str:
    ((name, value),) = query.items()
    return f"{reverse('comments:preview')}?{name}={value}"


def shown_preview(response) -> str:
    match = PREVIEW.search(response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


@pytest.fixture
def worf(db):
    return UserFactory(username="worf")


def test_preview_in_place_is_exactly_what_is_then_posted(client_logged_in, article, worf):
    before = Comment.objects.count()
    response = client_logged_in.post(preview_url(article=article.slug), {"body": TEXT}, **HTMX)
    assert response.status_code == 200
    preview = shown_preview(response)
    assert "<ol><li>Khan</li><li><strong>First Contact</strong></li></ol>" in preview
    assert Comment.objects.count() == before  # a preview writes nothing

    client_logged_in.post(reverse("comments:create", args=[article.slug]), {"body": TEXT})
    assert Comment.objects.latest("pk").body_html == preview


def test_preview_without_javascript_comes_back_in_the_form_page(client_logged_in, article, worf):
    response = client_logged_in.post(preview_url(article=article.slug), {"body": TEXT})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Leave a Reply</h1>" in page
    # The text is kept in the form, ready to post or change, and the form still posts.
    textarea = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert unescape(textarea) == TEXT
    assert f'action="{reverse("comments:create", args=[article.slug])}"' in page
    assert 'class="mention"' in shown_preview(response)


def test_reply_preview_keeps_the_reply_form(client_logged_in, article):
    parent = CommentFactory(article=article)
    response = client_logged_in.post(preview_url(parent=parent.pk), {"body": "> quoted\n\nno"})
    page = response.content.decode()
    assert f"<h1>Reply to {parent.author.display_name}</h1>" in page
    assert f'action="{reverse("comments:reply", args=[parent.pk])}"' in page
    assert shown_preview(response) == "<blockquote><p>quoted</p></blockquote><p>no</p>"


def test_edit_preview_for_the_author_only_and_within_the_window(article, user):
    comment = CommentFactory(article=article, author=user, body="first")
    author = Client()
    author.force_login(user)
    response = author.post(preview_url(comment=comment.pk), {"body": "*second*"})
    assert "<h1>Edit your comment</h1>" in response.content.decode()
    assert shown_preview(response) == "<p><em>second</em></p>"

    someone = Client()
    someone.force_login(UserFactory())
    refused = someone.post(preview_url(comment=comment.pk), {"body": "mine now"})
    assert refused.status_code == 403
    assert "comment-preview__box" not in refused.content.decode()

    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=2))
    late = author.post(preview_url(comment=comment.pk), {"body": "too late"})
    assert late.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "first"


def test_anonymous_readers_can_preview_too(article):
    response = Client().post(preview_url(article=article.slug), {"body": "**hi**"}, **HTMX)
    assert shown_preview(response) == "<p><strong>hi</strong></p>"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Your comment is empty. Write something before posting."),
        ("   \n ", "Your comment is empty. Write something before posting."),
        ("x" * 10_001, "10,000"),
    ],
)
def test_text_that_could_not_be_posted_says_why(client_logged_in, article, body, message):
    in_place = client_logged_in.post(preview_url(article=article.slug), {"body": body}, **HTMX)
    assert in_place.status_code == 200
    assert 'role="alert"' in in_place.content.decode()
    assert message in unescape(in_place.content.decode())
    page = client_logged_in.post(preview_url(article=article.slug), {"body": body})
    assert message in unescape(page.content.decode())
    assert "comment-preview__box" not in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?article=no-such-article",
        "?parent=abc",
        "?parent=99999999",
        "?comment=-1",
        "?comment=99999999999999999999999",
        "?article=%00",
        "?parent=%D9%A3",  # an Arabic-Indic digit: isdigit() says yes, int() would too
    ],
)
def test_a_preview_of_nothing_is_a_404_not_an_error(client_logged_in, query):
    response = client_logged_in.post(reverse("comments:preview") + query, {"body": "hi"})
    assert response.status_code in (400, 404)


def test_preview_needs_the_forms_csrf_token(article):
    client = Client(enforce_csrf_checks=True)
    response = client.post(preview_url(article=article.slug), {"body": "hi"})
    assert response.status_code == 403


def test_preview_of_a_draft_article_is_for_staff_only(client_logged_in, draft_article):
    response = client_logged_in.post(preview_url(article=draft_article.slug), {"body": "hi"})
    assert response.status_code == 404


def test_previews_are_rate_limited_with_the_text_kept(settings, client_logged_in, article):
    settings.RATE_LIMITS = {"preview": "2/m"}
    url = preview_url(article=article.slug)
    assert [client_logged_in.post(url, {"body": "a"}).status_code for _ in range(2)] == [200, 200]
    refused = client_logged_in.post(url, {"body": "keep me"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    page = unescape(refused.content.decode())
    assert "You're previewing too fast." in page
    assert ">keep me</textarea>" in page
    in_place = client_logged_in.post(url, {"body": "keep me"}, **HTMX)
    assert in_place.status_code == 429
    assert "You're previewing too fast." in unescape(in_place.content.decode())


def test_every_comment_form_offers_a_preview(client_logged_in, article, user):
    own = CommentFactory(article=article, author=user)
    page = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'formaction="{preview_url(article=article.slug)}"' in page
    reply = client_logged_in.get(reverse("comments:reply", args=[own.pk])).content.decode()
    assert f'formaction="{preview_url(parent=own.pk)}"' in reply
    edit = client_logged_in.get(reverse("comments:edit", args=[own.pk])).content.decode()
    assert f'formaction="{preview_url(comment=own.pk)}"' in edit


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "in-place"])
def test_a_banned_reader_gets_no_preview_and_is_told_why(article, htmx):
    banned = UserFactory(banned=True)
    client = Client()
    client.force_login(banned)
    extra = HTMX if htmx else {}
    response = client.post(preview_url(article=article.slug), {"body": "**buy now**"}, **extra)
    assert response.status_code == 403
    page = unescape(response.content.decode())
    assert "comment-preview__box" not in page
    assert banned.posting_block_reason() in page
