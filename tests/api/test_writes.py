"""The API's writes: the same services, checks, messages and limits as the forms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import api_token_create
from api.router import router
from comments import services
from comments.models import Comment, CommentFlag, CommentLike, Notification
from tests.api.conftest import problem
from tests.factories import ArticleFactory, CommentFactory, UserFactory, WordRuleFactory
from tests.security.test_authz_matrix import ROLES, _world

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client, url, data=None, **extra):
    return client.post(url, json.dumps(data or {}), content_type=JSON, **extra)


def discussion(article) -> str:
    return f"/api/v1/discussions/{article.pk}/comments"


# --- Who may write what: the HTML matrix's roles, through the API ------------------------

# Each write on the world's comment (by "author"): the request, and who gets through.
SIGNED_IN = set(ROLES) - {"anonymous"}
API_WRITES = {
    "comment_post": (
        lambda c, w: post(c, discussion(w.article), {"body": "Make it so."}),
        201,
        SIGNED_IN,
        lambda w: Comment.objects.filter(body="Make it so.").exists(),
    ),
    "comment_edit": (
        lambda c, w: c.patch(
            f"/api/v1/comments/{w.comment.pk}",
            json.dumps({"body": "Re-engage."}),
            content_type=JSON,
        ),
        200,
        {"author"},
        lambda w: Comment.objects.filter(pk=w.comment.pk, body="Re-engage.").exists(),
    ),
    "comment_delete": (
        lambda c, w: c.delete(f"/api/v1/comments/{w.comment.pk}"),
        200,
        {"author"},
        lambda w: Comment.objects.filter(pk=w.comment.pk, status="deleted").exists(),
    ),
    "comment_like": (
        lambda c, w: c.put(f"/api/v1/comments/{w.comment.pk}/like"),
        200,
        SIGNED_IN - {"author"},
        lambda w: CommentLike.objects.filter(comment=w.comment).exists(),
    ),
    "comment_unlike": (
        lambda c, w: c.delete(f"/api/v1/comments/{w.comment.pk}/like"),
        200,
        SIGNED_IN,
        lambda w: True,  # nothing to take back: the answer says "not liked"
    ),
    "comment_flag": (
        lambda c, w: post(c, f"/api/v1/comments/{w.comment.pk}/flag", {"reason": "spam"}),
        200,
        SIGNED_IN - {"author"},
        lambda w: CommentFlag.objects.filter(comment=w.comment).exists(),
    ),
    "notifications_read": (
        lambda c, w: post(c, "/api/v1/notifications/read"),
        200,
        SIGNED_IN,
        lambda w: True,
    ),
}


def test_every_api_write_is_in_the_matrix():
    writes = {
        op.view_func.__name__
        for view in router.path_operations.values()
        for op in view.operations
        if set(op.methods) & {"POST", "PUT", "PATCH", "DELETE"}
    }
    # Revoking the token one sends is the widget's sign-out (tested below).
    assert writes - {"token_revoke_current"} == API_WRITES.keys()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", API_WRITES)
def test_each_role_gets_what_the_forms_give_it(action, role, settings):
    settings.RATE_LIMITS = {}
    world = _world()
    send, status, allowed, done = API_WRITES[action]
    person = world.people[role]
    client = Client()
    if person is not None:
        client.force_login(person)
    before = Comment.objects.count(), CommentLike.objects.count(), CommentFlag.objects.count()
    response = send(client, world)
    if role in allowed:
        assert response.status_code == status, response.content[:300]
        assert done(world)
    elif role == "anonymous":
        problem(response, 401)
        assert (
            Comment.objects.count(),
            CommentLike.objects.count(),
            CommentFlag.objects.count(),
        ) == before
    else:
        body = problem(response, 403 if action != "comment_flag" else response.status_code)
        assert body["detail"]
        assert (
            Comment.objects.count(),
            CommentLike.objects.count(),
            CommentFlag.objects.count(),
        ) == before


# --- Signing in: the session with CSRF, or a token ---------------------------------------


def test_the_session_needs_its_csrf_token(article):
    reader = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    refused = problem(post(client, discussion(article), {"body": "No token"}), 403)
    assert "CSRF" in refused["detail"]
    assert not Comment.objects.exists()
    client.get(article.get_absolute_url())  # the page sets the cookie its forms use
    token = client.cookies["csrftoken"].value
    posted = post(client, discussion(article), {"body": "With the token"}, HTTP_X_CSRFTOKEN=token)
    assert posted.status_code == 201
    assert posted.json()["comment"]["author"]["username"] == reader.username


def test_a_token_signs_in_without_the_session_or_csrf(article, token_client):
    reader = UserFactory()
    client = token_client(reader)
    client.handler.enforce_csrf_checks = True
    response = post(client, discussion(article), {"body": "From my script"})
    assert response.status_code == 201
    assert Comment.objects.get().author == reader
    assert client.get("/api/v1/me").json()["username"] == reader.username
    assert ApiToken.objects.get(user=reader).last_used_at is not None


def test_a_revoked_expired_or_unknown_token_is_refused(article):
    reader = UserFactory()
    key = api_token_create(user=reader, name="old")
    ApiToken.objects.filter(user=reader).update(expires_at=timezone.now() - timedelta(seconds=1))
    for bad in (key, "tb_" + "x" * 43, "garbage", ""):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {bad}")
        body = problem(post(client, discussion(article), {"body": "Hello"}), 401)
        assert "token" in body["detail"] or "Sign in" in body["detail"]
    # The session that came with a bad token isn't used instead of it.
    client = Client(HTTP_AUTHORIZATION="Bearer tb_revoked")
    client.force_login(reader)
    problem(client.get("/api/v1/me"), 401)
    assert not Comment.objects.exists()


def test_a_token_signs_out_the_widget_that_sent_it(token_client):
    reader = UserFactory()
    client = token_client(reader)
    assert client.delete("/api/v1/tokens/current").status_code == 204
    problem(client.get("/api/v1/me"), 401)
    assert not ApiToken.objects.filter(user=reader).exists()


def test_a_token_cant_open_the_account_pages():
    reader = UserFactory()
    key = api_token_create(user=reader, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    # Settings (where tokens are made), the password, the admin: the session's only.
    assert client.get("/accounts/settings/").status_code == 302
    assert client.post(
        "/accounts/settings/", {"section": "tokens", "name": "more"}
    ).status_code in (302, 403)
    assert ApiToken.objects.filter(user=reader).count() == 1


# --- The forms' checks, in the forms' words ----------------------------------------------


def test_validation_is_the_forms_with_its_messages(article, token_client):
    client = token_client(UserFactory())
    empty = problem(post(client, discussion(article), {"body": "   "}), 400)
    assert empty["detail"] == "Your comment is empty. Write something before posting."
    assert empty["errors"] == {"body": [empty["detail"]]}
    long = problem(post(client, discussion(article), {"body": "x" * 10_001}), 400)
    assert "10,000" in long["detail"] or "10000" in long["detail"]
    missing = problem(post(client, discussion(article), {}), 400)
    assert "body" in missing["errors"]
    garbage = client.post(discussion(article), b"{not json", content_type=JSON)
    problem(garbage, 400)
    other = CommentFactory(article=ArticleFactory())
    wrong_parent = problem(
        post(client, discussion(article), {"body": "Hi", "parent": other.pk}), 400
    )
    assert "isn't in this discussion" in wrong_parent["detail"]
    assert not Comment.objects.filter(article=article).exists()


def test_a_banned_reader_is_told_why(article, token_client):
    banned = UserFactory(banned=True, moderation_reason="Spam links")
    body = problem(post(token_client(banned), discussion(article), {"body": "Let me in"}), 403)
    assert "Spam links" in body["detail"]
    assert not Comment.objects.exists()


def test_a_closed_discussion_takes_no_comments(closed_article, token_client):
    response = post(token_client(UserFactory()), discussion(closed_article), {"body": "Hi"})
    assert problem(response, 400)["detail"] == "Comments are closed on this article."
    assert not Comment.objects.exists()


def test_the_word_list_holds_as_on_the_page(article, token_client):
    WordRuleFactory(phrase="tribble")
    response = post(token_client(UserFactory()), discussion(article), {"body": "A tribble!"})
    assert response.status_code == 201
    body = response.json()
    assert body["held"] is True
    assert body["comment"]["state"] == "pending"
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_posting_too_fast_is_a_429_with_retry_after(article, token_client, settings):
    settings.RATE_LIMITS = {"post": "2/m"}
    client = token_client(UserFactory())
    for n in range(2):
        assert post(client, discussion(article), {"body": f"Number {n}"}).status_code == 201
    response = post(client, discussion(article), {"body": "Number 3"})
    assert "too fast" in problem(response, 429)["detail"]
    assert int(response["Retry-After"]) > 0
    assert Comment.objects.count() == 2


def test_replies_likes_edits_and_deletes_as_the_pages_do(article, token_client, settings):
    author = UserFactory()
    other = UserFactory()
    mine, theirs = token_client(author), token_client(other)
    top = post(mine, discussion(article), {"body": "Top"}).json()["comment"]
    reply = post(theirs, discussion(article), {"body": "Reply", "parent": top["id"]}).json()
    assert reply["comment"]["parent"] == top["id"]
    assert reply["comment"]["depth"] == 1
    assert Notification.objects.filter(recipient=author, kind="reply").exists()

    liked = theirs.put(f"/api/v1/comments/{top['id']}/like").json()
    assert liked == {"id": top["id"], "liked": True, "likes": 1}
    assert theirs.put(f"/api/v1/comments/{top['id']}/like").json()["likes"] == 1  # idempotent
    own = problem(mine.put(f"/api/v1/comments/{top['id']}/like"), 403)
    assert "own" in own["detail"]
    assert theirs.delete(f"/api/v1/comments/{top['id']}/like").json()["liked"] is False

    edited = mine.patch(
        f"/api/v1/comments/{top['id']}", json.dumps({"body": "Top, *edited*"}), content_type=JSON
    ).json()
    assert edited["html"] == "<p>Top, <em>edited</em></p>"
    assert edited["edited"] is not None
    settings.COMMENT_EDIT_MINUTES = 0
    late = problem(
        mine.patch(
            f"/api/v1/comments/{top['id']}", json.dumps({"body": "Late"}), content_type=JSON
        ),
        403,
    )
    assert "edit" in late["detail"].lower()

    gone = mine.delete(f"/api/v1/comments/{top['id']}").json()
    assert gone["state"] == "deleted"
    assert gone["html"] is None
    services_view = Client().get(f"/api/v1/comments/{reply['comment']['id']}").json()
    assert services_view["ancestors"][0]["state"] == "deleted"


def test_flags_and_notifications(article, token_client):
    author, reader = UserFactory(), UserFactory()
    comment = CommentFactory(article=article, author=author)
    client = token_client(reader)
    bad = problem(post(client, f"/api/v1/comments/{comment.pk}/flag", {"reason": "bored"}), 400)
    assert "reason" in bad["errors"]
    assert (
        post(
            client,
            f"/api/v1/comments/{comment.pk}/flag",
            {"reason": "offtopic", "text": "Not about the show"},
        ).status_code
        == 200
    )
    assert CommentFlag.objects.get().reason == "off_topic"
    twice = post(client, f"/api/v1/comments/{comment.pk}/flag", {"reason": "spam"})
    assert twice.status_code in (200, 400)

    services.comment_create(article=article, author=reader, body="Reply", parent=comment)
    inbox = token_client(author)
    listed = inbox.get("/api/v1/notifications").json()
    assert listed["unread"] == 1
    assert listed["notifications"][0]["kind"] == "reply"
    assert reader.display_name in listed["notifications"][0]["text"]
    assert post(inbox, "/api/v1/notifications/read").json() == {"marked": 1}
    assert inbox.get("/api/v1/me").json()["unread_notifications"] == 0


def test_a_password_prompts_basic_credentials_leave_the_session_alone(article):
    """A staging site behind nginx's password prompt: browsers send Basic on every request."""
    reader = UserFactory()
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Basic c3RhZ2luZzpwYXNz")
    client.force_login(reader)
    assert client.get("/api/v1/me").json()["username"] == reader.username
    # ...and the CSRF check still applies to its writes.
    problem(post(client, discussion(article), {"body": "Forged?"}), 403)
    assert not Comment.objects.exists()
