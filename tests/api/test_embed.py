"""The embed's server side: which pages get a discussion, what may frame it, the pop-up's token."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from articles.models import Article, EmbedSite
from articles.services import embed_sites_changed
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from trekboard import ratelimits

pytestmark = pytest.mark.django_db

HOST = "https://blog.example.org"


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.EMBED_ALLOWED_ORIGINS = [HOST, "http://127.0.0.1:*"]
    embed_sites_changed()


def embed(client, url, **extra):
    return client.get(reverse("embed"), {"url": url, **extra})


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]*)", response["Content-Security-Policy"]).group(1)


def test_a_page_of_an_allowed_site_gets_its_discussion_once(client):
    first = embed(client, f"{HOST}/post/42/?utm_source=feed#comments", title="Post  42\x07")
    assert first.status_code == 200
    page = Article.objects.get()
    assert page.external_url == f"{HOST}/post/42/"
    assert page.title == "Post 42"
    assert page.is_published
    assert page.accepts_comments
    # Another address of the same page opens the same discussion, with its first title.
    again = embed(client, "HTTPS://BLOG.example.org:443/post/42/", title="Something else")
    assert again.status_code == 200
    assert Article.objects.get().title == "Post 42"
    html = first.content.decode()
    assert 'id="comments-title"' in html
    assert "0 Comments" in html
    assert "Sign in or sign up" in html
    assert '<base target="_blank">' in html
    # Only the allowed sites may frame it; the rest of the site keeps 'none'.
    assert frame_ancestors(first) == f"http://127.0.0.1:* {HOST}"
    assert "X-Frame-Options" not in first
    assert frame_ancestors(client.get("/")) == "'none'"
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_pages_of_other_sites_get_nothing(client):
    for url in (
        "https://evil.example/post/1/",
        "https://blog.example.org.evil.example/x",
        "http://blog.example.org/post/42/",  # the site is allowed over https only
    ):
        refused = embed(client, url)
        assert refused.status_code == 403
        assert "shows discussions on" in refused.content.decode()
    for garbage in (
        "",
        "javascript:alert(1)",
        "/post/42/",
        "https://user:pw@blog.example.org/",
        "x" * 2000,
    ):
        assert embed(client, garbage).status_code == 400
    assert not Article.objects.exists()


def test_sites_added_in_the_admin_are_allowed_at_once(client):
    assert embed(client, "https://news.example.net/a/").status_code == 403
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:articles_embedsite_add"),
        {"origin": "https://news.example.net", "note": "News"},
    )
    assert response.status_code == 302
    assert embed(client, "https://news.example.net/a/").status_code == 200
    refused = admin.post(
        reverse("admin:articles_embedsite_add"), {"origin": "https://x.example/path"}
    )
    assert "no path" in refused.content.decode()
    EmbedSite.objects.all().delete()


def test_new_discussions_are_rate_limited(client, settings, monkeypatch):
    # A visitor has no account: the address counts, at the IP rate.
    monkeypatch.setattr(ratelimits, "IP_MULTIPLIER", 1)
    settings.RATE_LIMITS = {"embed": "2/h"}
    for n in range(2):
        assert embed(client, f"{HOST}/post/{n}/").status_code == 200
    assert embed(client, f"{HOST}/post/9/").status_code == 429
    assert embed(client, f"{HOST}/post/0/").status_code == 200  # an existing one still opens
    assert Article.objects.count() == 2


def test_a_page_the_editors_unpublished_is_closed(client):
    page = ArticleFactory(external_url=f"{HOST}/gone/", status=Article.Status.DRAFT)
    assert embed(client, page.external_url).status_code == 404


def test_the_frame_draws_the_discussion_and_the_reader_of_the_token(client):
    page = ArticleFactory(external_url=f"{HOST}/post/42/")
    CommentFactory(article=page, body="Already here")
    reader = UserFactory()
    anonymous = embed(client, page.external_url).content.decode()
    assert "Already here" in anonymous
    assert 'id="comment-form-new"' not in anonymous
    from accounts.tokens import api_token_create

    key = api_token_create(user=reader, name="w", kind=ApiToken.Kind.EMBED)
    signed = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HX_REQUEST="true")
    html = embed(signed, page.external_url).content.decode()
    assert "<html" not in html  # htmx asks for the frame's inside only
    assert f"Signed in as <strong>{reader.display_name}</strong>" in html
    assert 'id="comment-form-new"' in html


def test_the_board_lists_pages_apart_from_its_articles(client, article):
    page = ArticleFactory(title="A post elsewhere", external_url=f"{HOST}/post/42/")
    CommentFactory(article=page)
    front = client.get("/").content.decode()
    assert article.title in front
    assert "A post elsewhere" not in front
    assert "A post elsewhere" not in client.get(reverse("articles:feed")).content.decode()
    # Its own page on the board (a notification's link) points at the page.
    board_page = client.get(page.get_absolute_url()).content.decode()
    assert f'href="{HOST}/post/42/"' in board_page

    moderator = Client()
    moderator.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = moderator.get(reverse("admin:articles_externalpage_changelist")).content.decode()
    assert f"{HOST}/post/42/" in pages
    assert "1 comment" in pages
    articles = moderator.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "A post elsewhere" not in articles
    assert article.title in articles


def test_closing_a_page_from_the_admin_closes_its_widget(client):
    page = ArticleFactory(external_url=f"{HOST}/post/42/")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin.post(
        reverse("admin:articles_externalpage_changelist"),
        {
            "action": "close_comments",
            "_selected_action": [page.pk],
            "confirmed": "yes",
            "reason": "",
        },
    )
    page.refresh_from_db()
    if page.comments_open:  # the action asks first: answer as the confirmation page does
        admin.post(
            reverse("admin:articles_externalpage_changelist"),
            {
                "action": "close_comments",
                "_selected_action": [page.pk],
                "post": "yes",
                "reason": "",
            },
        )
        page.refresh_from_db()
    assert not page.comments_open
    assert "Comments are closed on this page." in embed(client, page.external_url).content.decode()
    # The audit log's link goes to the page's own list, not the articles'.
    audit = admin.get(reverse("admin:comments_auditentry_changelist")).content.decode()
    assert reverse("admin:articles_externalpage_change", args=[page.pk]) in audit


def test_the_sign_in_pop_up_makes_a_token_only_when_asked(client):
    reader = UserFactory(username="finn")
    reader.set_password("a long passphrase")
    reader.save()
    form = client.get(reverse("embed-signin"))
    assert form.status_code == 200
    assert form["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert 'name="password"' in form.content.decode()
    wrong = client.post(
        reverse("embed-signin"), {"action": "login", "username": "finn", "password": "nope"}
    )
    assert wrong.status_code == 400
    assert not ApiToken.objects.exists()
    signed = client.post(
        reverse("embed-signin"),
        {"action": "login", "username": "finn", "password": "a long passphrase"},
    )
    token = ApiToken.objects.get()
    assert token.kind == ApiToken.Kind.EMBED
    assert token.expires_at is not None
    key = re.search(r'data-key="(tb_[^"]+)"', signed.content.decode()).group(1)
    assert ApiToken.hash_of(key) == token.key_hash
    # Signed in already: a button, and a GET alone makes nothing.
    page = client.get(reverse("embed-signin")).content.decode()
    assert "Continue as" in page
    assert ApiToken.objects.count() == 1
    client.post(reverse("embed-signin"), {"action": "continue"})
    assert ApiToken.objects.count() == 2
    # Without the session, "continue" is the login form again.
    assert (
        'name="password"'
        in Client().post(reverse("embed-signin"), {"action": "continue"}).content.decode()
    )


def test_scripts_and_cors(client):
    script = client.get("/embed.js")
    assert script["Content-Type"].startswith("text/javascript")
    assert b"data-url" in script.content
    assert client.get("/count.js").status_code == 200
    allowed = client.get("/api/v1/counts", {"url": f"{HOST}/x/"}, HTTP_ORIGIN=HOST)
    assert allowed["Access-Control-Allow-Origin"] == HOST
    assert "Access-Control-Allow-Credentials" not in allowed
    other = client.get("/api/v1/counts", {"url": f"{HOST}/x/"}, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        "/api/v1/discussions/1/comments",
        HTTP_ORIGIN=HOST,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    # The pages of the board itself send no CORS headers at all.
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN=HOST)


def test_personal_tokens_on_the_settings_page():
    reader, other = UserFactory(), UserFactory()
    client = Client()
    client.force_login(reader)
    made = client.post("/accounts/settings/", {"section": "tokens", "name": "My script"})
    html = made.content.decode()
    key = re.search(r'<code class="token-key">(tb_[^<]+)</code>', html).group(1)
    assert "won't be shown again" in html
    assert "My script" in html
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").json()["username"]
        == reader.username
    )
    listed = client.get("/accounts/settings/").content.decode()
    assert key not in listed
    assert key[:9] in listed
    nameless = client.post("/accounts/settings/", {"section": "tokens", "name": "  "})
    assert nameless.status_code == 400
    assert "Give the token a name" in nameless.content.decode()
    theirs = ApiToken.objects.create(
        user=other, name="theirs", key_hash="0" * 64, prefix="tb_xxxxxx"
    )
    client.post("/accounts/settings/", {"section": "tokens", "revoke": theirs.pk})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    mine = ApiToken.objects.get(user=reader)
    client.post("/accounts/settings/", {"section": "tokens", "revoke": mine.pk})
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").status_code == 401
    assert (
        client.post("/accounts/settings/", {"section": "tokens", "revoke": "x"}).status_code == 302
    )


def test_anonymous_frames_come_from_the_cache_and_a_write_replaces_them(
    client, django_assert_max_num_queries
):
    page = ArticleFactory(external_url=f"{HOST}/post/42/")
    CommentFactory(article=page, body="First words")
    first = embed(client, page.external_url).content
    assert b"First words" in first
    # The page's row is read; the discussion, its comments and their authors are not.
    with django_assert_max_num_queries(4):
        assert embed(client, page.external_url).content == first
    from comments.services import comment_create

    comment_create(article=page, author=UserFactory(), body="Second words")
    assert b"Second words" in embed(client, page.external_url).content
    # Nothing of a signed-in reader's frame is kept for others.
    reader = UserFactory()
    signed = Client()
    signed.force_login(reader)
    assert reader.display_name.encode() in embed(signed, page.external_url).content
    assert reader.display_name.encode() not in embed(client, page.external_url).content


def test_a_notification_opens_the_page_the_discussion_lives_on():
    page = ArticleFactory(external_url=f"{HOST}/post/42/")
    author, replier = UserFactory(), UserFactory()
    from comments.services import comment_create

    parent = CommentFactory(article=page, author=author)
    reply = comment_create(article=page, author=replier, body="Answering you", parent=parent)
    reader = Client()
    reader.force_login(author)
    notification = author.notifications.get()
    response = reader.get(notification.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{HOST}/post/42/#comment-{reply.pk}"
