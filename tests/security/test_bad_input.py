"""Bad input gets a 4xx page or form that says why, never a 500 and never a half-written tree.

One table: each row is a request a careless client or an attacker might send,
with the status and the sentence a reader would see. Rows that try to write
also check that nothing was written and every comment tree is still valid.
The test client re-raises any exception a view lets escape, so a 500 fails
the row with its traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import User
from articles.models import Article
from comments.models import Comment
from comments.services import DOUBLE_SUBMIT_WINDOW, comment_create, comment_status_set
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid, run_at_once

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
SURROGATE = "%ED%A0%80"  # U+D800 as UTF-8 would spell it: not valid UTF-8
NOT_UTF8 = "%FF%FE"
HUGE_ID = "99999999999999999999999"

EMPTY = "Your comment is empty. Write something before posting."
NUL_COMMENT = "Null characters are not allowed."  # Django's CharField says it first
NUL_FIELD = "Null characters are not allowed."
UNREADABLE = "This contains characters that couldn't be read"
BAD_ADDRESS = "The address you followed contains characters that no page here uses"
NOT_FOUND = "We couldn't find that page"
WRONG_METHOD = "This address doesn't answer that kind of request."


@dataclass
class World:
    reader: User
    article: Article
    other_article: Article
    root: Comment
    own: Comment
    elsewhere: Comment
    removed: Comment

    @property
    def create(self) -> str:
        return f"/articles/{self.article.slug}/comments/"


@pytest.fixture
def world(settings) -> World:
    settings.RATE_LIMITS = {}  # a table of requests must not run into them
    settings.HOLD_FIRST_COMMENTS = 0
    reader = UserFactory()
    article = ArticleFactory(title="Stardate report")
    other_article = ArticleFactory()
    root = CommentFactory(article=article, body="The root comment")
    removed = CommentFactory(article=article, body="Soon removed")
    comment_status_set(comment=removed, status=Comment.Status.REMOVED)
    return World(
        reader=reader,
        article=article,
        other_article=other_article,
        root=root,
        own=CommentFactory(article=article, author=reader, body="My own comment"),
        elsewhere=CommentFactory(article=other_article, body="On another article"),
        removed=removed,
    )


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    status: int
    message: str
    data: str | Callable[[World], str] | None = None
    htmx: bool = False
    anonymous: bool = False
    host: str | None = None
    content_type: str = FORM
    # Comments the request may add: 0 for a refused write, 1 for an accepted one.
    new_comments: int | None = 0


def _detail(world: World) -> str:
    return world.article.get_absolute_url()


def _reply(world: World) -> str:
    return f"/comments/{world.root.pk}/reply/"


def _edit(world: World) -> str:
    return f"/comments/{world.own.pk}/edit/"


def _flag(world: World) -> str:
    return f"/comments/{world.root.pk}/flag/"


def _create(world: World) -> str:
    return world.create


SETTINGS_URL = "/accounts/settings/"
SIGNUP_URL = "/accounts/signup/"
PROFILE = "first_name=Ro&last_name=Laren&email=ro@example.org&bio="


def _signup(username: str) -> str:
    return (
        f"username={username}&email=new@example.org&password1=pw-Kx93-long&password2=pw-Kx93-long"
    )


CASES = [
    # --- NUL bytes in fields: the form says so and gives the text back ------------
    Case("nul in comment", "post", _create, 400, NUL_COMMENT, "body=Hello%00there"),
    Case("nul in comment, htmx", "post", _create, 400, NUL_COMMENT, "body=Hi%00", htmx=True),
    Case("nul in reply", "post", _reply, 400, NUL_COMMENT, "body=Reply%00"),
    Case("nul in reply, htmx", "post", _reply, 400, NUL_COMMENT, "body=R%00", htmx=True),
    Case("nul in edit", "post", _edit, 400, NUL_COMMENT, "body=Edited%00"),
    Case("nul in edit, htmx", "post", _edit, 400, NUL_COMMENT, "body=E%00", htmx=True),
    Case("nul in flag text", "post", _flag, 400, NUL_FIELD, "reason=other&text=Bad%00"),
    Case("nul as flag reason", "post", _flag, 400, "Select a valid choice", "reason=%00"),
    Case("nul in honeypot", "post", _create, 400, NUL_FIELD, "body=Hi&website=%00"),
    Case("nul in bio", "post", lambda w: SETTINGS_URL, 400, NUL_FIELD, PROFILE + "Hi%00"),
    Case(
        "nul in display name",
        "post",
        lambda w: SETTINGS_URL,
        400,
        NUL_FIELD,
        "first_name=R%00&email=ro@example.org",
    ),
    Case(
        "nul in signup username",
        "post",
        lambda w: SIGNUP_URL,
        400,
        NUL_FIELD,
        _signup("new%00reader"),
        anonymous=True,
    ),
    # --- Bytes that aren't UTF-8 (lone surrogates, %FF) in fields -----------------
    Case("surrogate in comment", "post", _create, 400, UNREADABLE, f"body=Hi{SURROGATE}"),
    Case("not utf-8 in comment", "post", _create, 400, UNREADABLE, f"body={NOT_UTF8}"),
    Case(
        "surrogate in comment, htmx", "post", _create, 400, UNREADABLE, f"body=a{SURROGATE}", True
    ),
    Case("surrogate in reply", "post", _reply, 400, UNREADABLE, f"body={SURROGATE}"),
    Case("surrogate in edit", "post", _edit, 400, UNREADABLE, f"body=E{SURROGATE}"),
    Case("surrogate in flag", "post", _flag, 400, UNREADABLE, f"reason=other&text={SURROGATE}"),
    Case("surrogate in bio", "post", lambda w: SETTINGS_URL, 400, UNREADABLE, PROFILE + NOT_UTF8),
    Case(
        "surrogate in signup username",
        "post",
        lambda w: SIGNUP_URL,
        400,
        UNREADABLE,
        _signup(f"new{SURROGATE}"),
        anonymous=True,
    ),
    Case(
        "nul in login username",
        "post",
        lambda w: "/accounts/login/",
        200,
        NUL_FIELD,
        "username=picard%00&password=x",
        anonymous=True,
    ),
    Case(
        "nul in password reset email",
        "post",
        lambda w: "/accounts/password_reset/",
        200,
        NUL_FIELD,
        "email=a%00@example.org",
        anonymous=True,
    ),
    Case(
        "latin-1 form, declared",
        "post",
        _create,
        400,
        "reads what forms send as UTF-8 text",
        "body=caf%E9",
        content_type=FORM + "; charset=latin-1",
    ),
    Case(
        "multipart without a boundary",
        "post",
        _create,
        415,
        "This form takes text only",
        "body=hi",
        content_type="multipart/form-data",
    ),
    # --- The address: NUL or non-text bytes anywhere in it ------------------------
    Case("nul in ?sort", "get", lambda w: _detail(w) + "?sort=%00", 400, BAD_ADDRESS),
    Case("nul in ?page", "get", lambda w: "/?page=%00", 400, BAD_ADDRESS),
    Case("surrogate in ?page", "get", lambda w: f"/?page={SURROGATE}", 400, BAD_ADDRESS),
    Case("not utf-8 in ?sort", "get", lambda w: _detail(w) + "?sort=%FF", 400, BAD_ADDRESS),
    Case("nul in ?q, htmx", "get", lambda w: "/?q=%00", 400, BAD_ADDRESS, htmx=True),
    Case("nul in a username path", "get", lambda w: "/users/%00/", 400, BAD_ADDRESS),
    Case("nul in a slug path", "get", lambda w: "/articles/a%00b/", 400, BAD_ADDRESS),
    Case(
        "nul in a posting address",
        "post",
        lambda w: w.create + "?x=%00",
        400,
        BAD_ADDRESS,
        "body=Hello",
    ),
    # --- Paging and sorting fall back to something sensible -----------------------
    Case("?page=abc", "get", lambda w: "/?page=abc", 200, "Stardate report"),
    Case("?page=-1", "get", lambda w: "/?page=-1", 200, "Stardate report"),
    Case("?page=huge", "get", lambda w: f"/?page={HUGE_ID}", 200, "Stardate report"),
    Case("discussion ?page=abc", "get", lambda w: _detail(w) + "?page=abc", 200, "The root"),
    Case("discussion ?page=-1", "get", lambda w: _detail(w) + "?page=-1", 200, "The root"),
    Case("discussion ?page=huge", "get", lambda w: _detail(w) + f"?page={HUGE_ID}", 200, "root"),
    Case("discussion ?sort=bogus", "get", lambda w: _detail(w) + "?sort=bogus", 200, "root"),
    Case(
        "comment ?offset=-5",
        "get",
        lambda w: f"/comments/{w.root.pk}/?offset=-5&sort=zzz",
        200,
        "The root comment",
    ),
    Case(
        "replies ?offset=huge, htmx",
        "get",
        lambda w: f"/comments/{w.root.pk}/replies/?offset={HUGE_ID}&base={HUGE_ID}",
        200,
        "",
        htmx=True,
    ),
    Case("inbox ?page=abc", "get", lambda w: "/notifications/?page=abc", 200, "Notifications"),
    # --- Ids in the URL ------------------------------------------------------------
    Case("huge id", "get", lambda w: f"/comments/{HUGE_ID}/", 404, NOT_FOUND),
    Case("bigint + 1 id", "get", lambda w: "/comments/9223372036854775808/", 404, NOT_FOUND),
    Case("non-numeric id", "get", lambda w: "/comments/abc/", 404, NOT_FOUND),
    Case("negative id", "get", lambda w: "/comments/-1/", 404, NOT_FOUND),
    Case(
        "huge id reply", "post", lambda w: f"/comments/{HUGE_ID}/reply/", 404, NOT_FOUND, "body=x"
    ),
    Case("huge id like", "post", lambda w: f"/comments/{HUGE_ID}/like/", 404, NOT_FOUND, ""),
    Case("huge id edit, htmx", "get", lambda w: f"/comments/{HUGE_ID}/edit/", 404, "", htmx=True),
    Case("huge notification", "get", lambda w: f"/notifications/{HUGE_ID}/", 404, NOT_FOUND),
    Case("huge read id", "post", lambda w: "/notifications/read/", 302, "", f"id={HUGE_ID}"),
    Case("superscript read id", "post", lambda w: "/notifications/read/", 302, "", "id=%C2%B2"),
    Case("arabic-digit read id", "post", lambda w: "/notifications/read/", 302, "", "id=%D9%A1"),
    # --- Bodies: empty, too long, too large, deeply nested --------------------------
    Case("empty comment", "post", _create, 400, EMPTY, "body="),
    Case("blank comment", "post", _create, 400, EMPTY, "body=+%0D%0A+%09"),
    Case("no body field", "post", _create, 400, EMPTY, "website="),
    Case(
        "comment one over the limit",
        "post",
        _create,
        400,
        f"the limit is {settings.COMMENT_MAX_LENGTH:,}",
        "body=" + "x" * (settings.COMMENT_MAX_LENGTH + 1),
    ),
    Case(
        "10 MB body",
        "post",
        _create,
        400,
        "larger than this site accepts",
        "body=" + "x" * (10 * 1024 * 1024),
    ),
    Case(
        "10 MB body, htmx",
        "post",
        _reply,
        400,
        "larger than this site accepts",
        "body=" + "x" * (10 * 1024 * 1024),
        htmx=True,
    ),
    Case(
        "many fields",
        "post",
        _create,
        400,
        "far more fields than any form here",
        "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
    ),
    Case(
        "2,000 nested <b>", "post", _create, 302, "", "body=" + "<b>" * 2000 + "x", new_comments=1
    ),
    Case(
        "700 nested <blockquote>",
        "post",
        _create,
        302,
        "",
        "body=" + "<blockquote>" * 700 + "x",
        new_comments=1,
    ),
    Case(
        "3,000 nested > quotes, htmx",
        "post",
        _create,
        200,
        "",
        "body=" + "%3E" * 3000 + "x",
        htmx=True,
        new_comments=1,
    ),
    # --- Parents: forged, from elsewhere, removed ------------------------------------
    # A reply has one door (comments:reply); a parent sent to the article's
    # endpoint is refused, whatever it names.
    Case(
        "parent from another article",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        lambda w: f"body=Hello&parent={w.elsewhere.pk}",
    ),
    Case(
        "parent from another article, htmx",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        lambda w: f"body=Hello&parent={w.elsewhere.pk}",
        htmx=True,
    ),
    Case(
        "parent=abc",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        "body=Hi&parent=abc",
    ),
    Case(
        "parent=huge",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        f"body=Hi&parent={HUGE_ID}",
    ),
    Case(
        "parent=-1",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        "body=Hi&parent=-1",
    ),
    Case(
        "reply to a removed comment",
        "post",
        lambda w: f"/comments/{w.removed.pk}/reply/",
        400,
        "That comment can't take replies any more.",
        "body=Hello",
    ),
    Case(
        "reply to a removed comment via parent=, htmx",
        "post",
        _create,
        400,
        "To reply to a comment, use its Reply link.",
        lambda w: f"body=Hello&parent={w.removed.pk}",
        htmx=True,
    ),
    # --- Wrong methods ------------------------------------------------------------------
    Case("GET a posting address", "get", _create, 405, WRONG_METHOD),
    Case("PUT a comment", "put", _create, 405, WRONG_METHOD, "body=Hi"),
    Case("DELETE a comment", "delete", _edit, 405, WRONG_METHOD),
    Case("GET a like", "get", lambda w: f"/comments/{w.root.pk}/like/", 405, WRONG_METHOD),
    Case("POST an article page", "post", _detail, 405, WRONG_METHOD, "body=Hi"),
    Case("PATCH settings, htmx", "patch", lambda w: SETTINGS_URL, 405, WRONG_METHOD, htmx=True),
    Case("HEAD an article", "head", _detail, 200, ""),
    Case("HEAD a posting address", "head", _create, 405, ""),
    # --- Host header ------------------------------------------------------------------
    Case("bogus Host", "get", _detail, 400, "doesn't answer to that address", host="evil.example"),
    Case(
        "bogus Host on a post",
        "post",
        _create,
        400,
        "doesn't answer to that address",
        "body=Hello",
        host="evil.example",
    ),
]


def _body(response) -> str:
    return unescape(response.content.decode("utf-8", "replace"))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_answered_clearly(case: Case, world: World) -> None:
    client = Client()
    if not case.anonymous:
        client.force_login(world.reader)
    extra = {}
    if case.htmx:
        extra["HTTP_HX_REQUEST"] = "true"
    if case.host:
        extra["HTTP_HOST"] = case.host
    data = case.data(world) if callable(case.data) else case.data
    before = Comment.objects.count()

    request = getattr(client, case.method)
    if case.method in {"get", "head"}:
        response = request(case.url(world), **extra)
    else:
        response = request(
            case.url(world), data=data or "", content_type=case.content_type, **extra
        )

    assert response.status_code == case.status, _body(response)[:2000]
    if case.message:
        assert case.message in _body(response)
    if case.new_comments is not None:
        assert Comment.objects.count() - before == case.new_comments
        assert_trees_valid()


def test_the_text_comes_back_in_the_form(world: World) -> None:
    """A refused comment is shown again, ready to fix (bytes that weren't text as �)."""
    client = Client()
    client.force_login(world.reader)
    response = client.post(world.create, data=f"body=Keep+me{SURROGATE}", content_type=FORM)
    assert response.status_code == 400
    assert "Keep me\ufffd" in _body(response)
    response = client.post(world.create, data="body=Keep+me+too%00", content_type=FORM)
    assert response.status_code == 400
    assert "Keep me too" in _body(response)


def test_deeply_nested_html_is_stored_sanitized(world: World) -> None:
    client = Client()
    client.force_login(world.reader)
    body = "<b>" * 2000 + "deep" + "<script>alert(1)</script>"
    response = client.post(world.create, {"body": body})
    assert response.status_code == 302
    comment = Comment.objects.get(author=world.reader, parent=None, body=body)
    assert "deep" in comment.body_html
    assert "<script" not in comment.body_html


# --- Double submit -----------------------------------------------------------------


def test_double_submit_makes_one_comment(world: World) -> None:
    client = Client()
    client.force_login(world.reader)
    first = client.post(world.create, {"body": "Engage!"})
    second = client.post(world.create, {"body": "  Engage!\r\n"})
    comment = Comment.objects.get(author=world.reader, body="Engage!")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/comments/{comment.pk}/#confirmation"
    world.article.refresh_from_db()
    assert (
        world.article.comment_count
        == Comment.objects.filter(article=world.article, status=Comment.Status.PUBLISHED).count()
    )
    assert_trees_valid()


def test_double_submit_of_a_reply_with_htmx_shows_the_first(world: World) -> None:
    client = Client()
    client.force_login(world.reader)
    url = f"/comments/{world.root.pk}/reply/"
    first = client.post(url, {"body": "Make it so."}, HTTP_HX_REQUEST="true")
    second = client.post(url, {"body": "Make it so."}, HTTP_HX_REQUEST="true")
    reply = Comment.objects.get(parent=world.root, body="Make it so.")
    assert first.status_code == second.status_code == 200
    assert f'id="comment-{reply.pk}"' in first.content.decode()
    # Not inserted a second time: the page goes to the comment already there.
    assert second["HX-Redirect"] == f"/comments/{reply.pk}/#confirmation"
    world.root.refresh_from_db()
    assert world.root.reply_count == 1


def test_same_text_elsewhere_or_later_is_a_new_comment(world: World, settings) -> None:
    first = comment_create(article=world.article, author=world.reader, body="Aye.")
    assert not first.resubmitted
    again = comment_create(article=world.article, author=world.reader, body="Aye.")
    assert again.pk == first.pk
    assert again.resubmitted
    elsewhere = comment_create(
        article=world.article, author=world.reader, body="Aye.", parent=world.root
    )
    by_another = comment_create(article=world.article, author=UserFactory(), body="Aye.")
    assert len({first.pk, elsewhere.pk, by_another.pk}) == 3

    # Not a tree field: moving the clock back on it is safe.
    Comment.objects.filter(pk=elsewhere.pk).update(
        created_at=elsewhere.created_at - 2 * DOUBLE_SUBMIT_WINDOW
    )
    later = comment_create(
        article=world.article, author=world.reader, body="Aye.", parent=world.root
    )
    assert later.pk != elsewhere.pk
    assert not later.resubmitted
    assert_trees_valid()


@pytest.mark.django_db(transaction=True)
def test_racing_double_submits_make_one_comment(settings) -> None:
    """Two identical posts at once: the lock orders them, and the second finds the first."""
    settings.HOLD_FIRST_COMMENTS = 0
    reader = UserFactory()
    article = ArticleFactory()
    start = threading.Barrier(2)
    results: list[int] = []

    def post() -> None:
        try:
            start.wait()
            results.append(comment_create(article=article, author=reader, body="Red alert").pk)
        finally:
            connection.close()

    run_at_once(post, 2)
    assert len(results) == 2
    assert len(set(results)) == 1
    assert Comment.objects.filter(body="Red alert").count() == 1
    assert_trees_valid()
