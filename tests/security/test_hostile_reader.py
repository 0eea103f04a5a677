"""What an outsider's attack run found on the comment side (issue 13), held shut.

Each test is the request that used to get through, sent the way the attacker
sent it (a plain page, htmx, multipart, another method), and asserts what
the reader now sees and that nothing was stored.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import notify, services
from comments.models import Comment, CommentFlag, CommentLike, Notification
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid

pytestmark = pytest.mark.django_db

SECRET = "the-hidden-words-nobody-should-read"


def page(response) -> str:
    return unescape(response.content.decode())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hidden(article, status: str, author=None, *, reply: bool = False) -> Comment:
    author = author or UserFactory()
    comment = CommentFactory(article=article, author=author, body=f"{SECRET} ({status})")
    if reply:
        CommentFactory(article=article, parent=comment, body="A published reply below it")
    if status == Comment.Status.DELETED:
        services.comment_delete(comment=comment, user=author)
    else:
        services.comment_status_set(comment=comment, status=status)
    return comment


HIDDEN = [
    Comment.Status.REMOVED,
    Comment.Status.SPAM,
    Comment.Status.PENDING,
    Comment.Status.DELETED,
]


# --- 3. Hidden comments' text ------------------------------------------------


@pytest.mark.parametrize("status", HIDDEN)
def test_no_page_a_reader_can_open_shows_a_hidden_comments_text(article, status):
    comment = _hidden(article, status, reply=True)
    reader = signed_in(UserFactory())
    urls = [
        article.get_absolute_url(),
        reverse("comments:detail", kwargs={"pk": comment.pk}),
        reverse("comments:flag", kwargs={"pk": comment.pk}),
        reverse("comments:reply", kwargs={"pk": comment.pk}),
        reverse("comments:edit", kwargs={"pk": comment.pk}),
        reverse("comments:delete", kwargs={"pk": comment.pk}),
        reverse("comments:replies", kwargs={"pk": comment.pk}),
        reverse("comments:inbox"),
        reverse("accounts:profile", kwargs={"username": comment.author.username}),
    ]
    for client in (reader, Client()):
        for url in urls:
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = client.get(url, headers=headers, follow=True)
                assert response.status_code < 500, url
                assert SECRET not in page(response), (url, htmx, client is reader)


@pytest.mark.parametrize("status", HIDDEN)
def test_cancelling_an_edit_in_place_never_brings_back_hidden_text(article, status):
    # Found by the endpoint fuzzer: the htmx "Cancel" of the edit form
    # re-rendered any comment's text, whoever asked.
    comment = _hidden(article, status)
    for client in (signed_in(UserFactory()), Client()):
        response = client.get(
            reverse("comments:edit", kwargs={"pk": comment.pk}) + "?cancel=1",
            headers={"HX-Request": "true"},
        )
        assert SECRET not in page(response)
        # Refused (404), or for a logged-out reader sent to log in first.
        assert response.status_code == 404 or response.get("HX-Redirect", "").startswith(
            reverse("login")
        )


def test_cancelling_an_edit_in_place_shows_the_comment_again(article, user):
    comment = CommentFactory(article=article, author=user, body="Still here")
    response = signed_in(user).get(
        reverse("comments:edit", kwargs={"pk": comment.pk}) + "?cancel=1",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Still here" in page(response)


def test_the_flag_page_of_a_removed_comment_says_so_instead_of_quoting_it(article):
    comment = _hidden(article, Comment.Status.REMOVED)
    response = signed_in(UserFactory()).get(reverse("comments:flag", kwargs={"pk": comment.pk}))
    assert response.status_code == 404
    assert "This comment isn't shown any more, so there is nothing to flag." in page(response)
    assert SECRET not in page(response)


def test_the_flag_page_of_a_published_comment_still_quotes_it(article):
    comment = CommentFactory(article=article, body="Perfectly visible words")
    response = signed_in(UserFactory()).get(reverse("comments:flag", kwargs={"pk": comment.pk}))
    assert response.status_code == 200
    assert "Perfectly visible words" in page(response)


def test_authors_see_their_own_pending_comment_but_not_their_removed_one(article):
    author = UserFactory()
    pending = _hidden(article, Comment.Status.PENDING, author=author)
    removed = _hidden(article, Comment.Status.REMOVED, author=author)
    client = signed_in(author)
    detail = client.get(reverse("comments:detail", kwargs={"pk": pending.pk}))
    assert f"{SECRET} (pending)" in page(detail)
    for url in (
        reverse("comments:detail", kwargs={"pk": removed.pk}),
        reverse("comments:delete", kwargs={"pk": removed.pk}),
        reverse("comments:edit", kwargs={"pk": removed.pk}),
    ):
        assert f"{SECRET} (removed)" not in page(client.get(url)), url


def test_a_notification_about_a_comment_on_an_unpublished_article_drops_out(article):
    recipient = UserFactory()
    mine = CommentFactory(article=article, author=recipient)
    reply = CommentFactory(article=article, parent=mine, body="A reply with words")
    assert Notification.objects.filter(recipient=recipient, comment=reply).exists()
    client = signed_in(recipient)
    assert "A reply with words" in page(client.get(reverse("comments:inbox")))
    article.status = article.Status.DRAFT
    article.save(update_fields=["status"])
    assert "A reply with words" not in page(client.get(reverse("comments:inbox")))


# --- 4. Banned and suspended readers ------------------------------------------


@pytest.fixture(params=["banned", "suspended"])
def blocked(request, article):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author, body="Before the ban")
    if request.param == "banned":
        author.banned = True
    else:
        author.suspended_until = timezone.now() + timezone.timedelta(days=3)
    author.moderation_reason = "Flame war"
    author.save()
    return author, comment


@pytest.mark.parametrize("htmx", [False, True])
def test_a_blocked_reader_cant_edit_or_mention(blocked, htmx):
    author, comment = blocked
    target = UserFactory(username="mentioned_one")
    client = signed_in(author)
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("comments:edit", kwargs={"pk": comment.pk})
    response = client.post(url, {"body": "Edited @mentioned_one"}, headers=headers)
    assert response.status_code == 403
    text = page(response)
    assert "Your account is" in text
    assert "Flame war" in text
    comment.refresh_from_db()
    assert comment.body == "Before the ban"
    assert not Notification.objects.filter(recipient=target).exists()
    assert len(mail.outbox) == 0
    # No Edit button on the page either.
    article_page = page(client.get(comment.article.get_absolute_url()))
    assert f'href="{url}"' not in article_page
    assert client.get(url).status_code == 403


def test_a_blocked_reader_may_still_withdraw_their_own_comment(blocked):
    author, comment = blocked
    response = signed_in(author).post(reverse("comments:delete", kwargs={"pk": comment.pk}))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    assert_trees_valid()


# --- 5. One rule for every content type ---------------------------------------

BOUNDARY = "----trekboardboundary"


def multipart(fields: dict[str, bytes], *, close: bool = True, file: bool = False) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    if file:
        parts.append(
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            'name="upload"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            + b"file contents\r\n"
        )
    body = b"".join(parts)
    return body + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


MULTIPART_BODIES = {
    "not UTF-8": multipart({"body": b"caf\xff\xfe"}),
    "a lone surrogate": multipart({"body": b"x\xed\xa0\x80y"}),
    "cut off before its closing boundary": multipart({"body": b"a whole comment"}, close=False),
    "with a file": multipart({"body": b"with a file"}, file=True),
    "a whole, readable form": multipart({"body": "Ça marche — multipart".encode()}),
}


@pytest.mark.parametrize("name", MULTIPART_BODIES)
def test_views_that_take_no_files_refuse_multipart(client_logged_in, article, name):
    # Our forms are sent urlencoded; multipart would skip the checks that
    # urlencoded bodies get, so it is refused whatever it holds.
    for url in (
        reverse("comments:create", kwargs={"slug": article.slug}),
        reverse("comments:reply", kwargs={"pk": CommentFactory(article=article).pk}),
        reverse("comments:flag", kwargs={"pk": CommentFactory(article=article).pk}),
        reverse("accounts:settings"),
    ):
        before = Comment.objects.count()
        response = client_logged_in.generic(
            "POST",
            url,
            MULTIPART_BODIES[name],
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
        assert response.status_code == 415, (name, url)
        assert "This form takes text only" in page(response)
        assert Comment.objects.count() == before
    assert not CommentFlag.objects.exists()
    assert_trees_valid()


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("not UTF-8", 400, "contains bytes that aren't valid text"),
        ("a lone surrogate", 400, "contains bytes that aren't valid text"),
        ("cut off before its closing boundary", 400, "was cut off"),
    ],
)
def test_multipart_where_files_are_taken_is_held_to_the_urlencoded_rule(
    superuser, article, name, status, message
):
    # The admin's article form takes images, so it takes multipart: the same
    # bytes the reader's forms refuse are refused there, and nothing changes.
    client = signed_in(superuser)
    title = article.title
    body = multipart(
        {"title": MULTIPART_BODIES[name].split(b"\r\n\r\n")[1].split(b"\r\n")[0]},
        close=name != "cut off before its closing boundary",
    )
    response = client.generic(
        "POST",
        reverse("admin:articles_article_change", args=[article.pk]),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == status
    assert message in page(response)
    article.refresh_from_db()
    assert article.title == title


# --- 6. Invisible comments -----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["\u200b\u200b\ufeff", "\u2060\u200d", "\u3164\u3164", "\u2800", " \u200b \u00a0\u2028"],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_body_with_nothing_visible_is_refused(client_logged_in, article, body, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": body}, headers=headers
    )
    assert response.status_code == 400
    assert "no visible characters" in page(response) or "is empty" in page(response)
    assert not Comment.objects.exists()


def test_an_edit_to_nothing_visible_is_refused(article):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author, body="Something")
    response = signed_in(author).post(
        reverse("comments:edit", kwargs={"pk": comment.pk}), {"body": "\u200b\ufeff"}
    )
    assert response.status_code == 400
    assert "no visible characters" in page(response)
    comment.refresh_from_db()
    assert comment.body == "Something"


def test_a_zero_width_joiner_inside_real_text_is_fine(client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "Spock 🖖\u200d🚀"}
    )
    assert response.status_code == 302


# --- 9. Unsubscribe asks first ----------------------------------------------------


def test_opening_the_unsubscribe_link_changes_nothing(client):
    reader = UserFactory(email_notifications=True)
    url = reverse("comments:unsubscribe", kwargs={"token": notify.unsubscribe_token(reader)})
    for method in ("get", "head"):
        response = getattr(client, method)(url)
        assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.email_notifications is True
    text = page(client.get(url))
    assert "Stop notification emails?" in text
    assert re.search(r'<form method="post" action="[^"]+"', text)
    # RFC 8058's one-click POST, as a mail app sends it: no CSRF token.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "You're unsubscribed" in page(response)
    reader.refresh_from_db()
    assert reader.email_notifications is False


# --- 10. Methods and encodings -------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "TRACE", "PATCH", "PROPFIND"])
@pytest.mark.parametrize(
    "url",
    [
        "/healthz",
        "/accounts/login/",
        "/admin/login/",
        "/accounts/password_reset/",
        "/accounts/password_change/",
        "/accounts/signup/",
        "/notifications/",
        "/",
    ],
)
def test_methods_no_view_takes_are_405(client_logged_in, method, url):
    response = client_logged_in.generic(method, url)
    assert response.status_code == 405
    assert "doesn't answer that kind of request" in page(response)
    assert "Allow" in response


def test_healthz_takes_get_and_head_only(client):
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "iso-8859-1", "x-unknown"])
@pytest.mark.parametrize("debug", [True, False])
def test_a_body_in_another_charset_is_a_400_with_or_without_debug(
    client_logged_in, article, settings, charset, debug
):
    settings.DEBUG = debug
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        response = client_logged_in.generic(
            "POST",
            reverse("comments:create", kwargs={"slug": article.slug}),
            "body=caf\xe9".encode("latin-1"),
            content_type=f"{content_type}; charset={charset}",
        )
        assert response.status_code == 400
        assert "UTF-8" in page(response)
    assert not Comment.objects.exists()


# --- 11. Closed discussions ------------------------------------------------------


def test_a_closed_discussion_refuses_likes_but_takes_flags(article):
    comment = CommentFactory(article=article)
    article.comments_open = False
    article.save(update_fields=["comments_open"])
    closed_article = article
    reader = signed_in(UserFactory())
    like = reverse("comments:like", kwargs={"pk": comment.pk})
    for headers in ({}, {"HX-Request": "true"}):
        response = reader.post(like, headers=headers)
        assert response.status_code == 403
        assert "This discussion is closed" in page(response)
    comment.refresh_from_db()
    assert comment.like_count == 0
    assert not CommentLike.objects.exists()
    # The page shows the count, with no button to press.
    article_page = page(reader.get(closed_article.get_absolute_url()))
    assert f'action="{like}"' not in article_page
    assert f'id="like-{comment.pk}"' in article_page

    response = reader.post(reverse("comments:flag", kwargs={"pk": comment.pk}), {"reason": "abuse"})
    assert response.status_code == 302
    assert CommentFlag.objects.filter(comment=comment).count() == 1


def test_a_like_given_before_closing_stays_and_cant_be_taken_back(article):
    comment = CommentFactory(article=article)
    liker = UserFactory()
    services.comment_like_toggle(comment=comment, user=liker)
    article.comments_open = False
    article.save(update_fields=["comments_open"])
    response = signed_in(liker).post(reverse("comments:like", kwargs={"pk": comment.pk}))
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.like_count == 1


def test_likes_still_work_on_an_open_discussion(article):
    comment = CommentFactory(article=article)
    response = signed_in(UserFactory()).post(reverse("comments:like", kwargs={"pk": comment.pk}))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.like_count == 1


def test_another_articles_closing_doesnt_touch_this_one(article):
    ArticleFactory(closed=True)
    comment = CommentFactory(article=article)
    response = signed_in(UserFactory()).post(reverse("comments:like", kwargs={"pk": comment.pk}))
    assert response.status_code == 302


# --- Found by the fuzz run -----------------------------------------------------


def test_an_admin_action_on_ids_that_arent_ids_is_a_400(moderator, article):
    client = signed_in(moderator)
    response = client.post(
        "/admin/articles/article/",
        {"action": "close_comments", "_selected_action": ["x"], "index": "0", "post": "yes"},
    )
    assert response.status_code == 400
    assert "The items you chose couldn't be read." in page(response)
    article.refresh_from_db()
    assert article.comments_open


def test_an_empty_settings_post_blanks_nothing(user):
    user.first_name, user.bio = "Ann", "Captain of the Cerritos"
    user.save()
    client = signed_in(user)
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = client.generic(
            "POST", reverse("accounts:settings"), b"", content_type=content_type
        )
        assert response.status_code == 400
        assert "nothing was changed" in page(response) or "was cut off" in page(response)
    user.refresh_from_db()
    assert (user.first_name, user.bio, user.email) == (
        "Ann",
        "Captain of the Cerritos",
        user.email,
    )
    assert user.email


@pytest.mark.parametrize("htmx", [False, True])
def test_a_banned_reader_is_told_why_before_anything_else(article, htmx):
    reader = UserFactory(banned=True, moderation_reason="Spoilers on purpose")
    parent = CommentFactory(article=article)
    client = signed_in(reader)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("comments:reply", kwargs={"pk": parent.pk}), headers=headers)
    assert response.status_code == 403
    assert "Spoilers on purpose" in page(response)
    assert "<textarea" not in page(response)
    for url in (
        reverse("comments:reply", kwargs={"pk": parent.pk}),
        reverse("comments:create", kwargs={"slug": article.slug}),
    ):
        response = client.post(url, {"body": ""}, headers=headers)
        assert response.status_code == 400
        assert "Your account is banned from the discussions." in page(response)
    assert Comment.objects.count() == 1
