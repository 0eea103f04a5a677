"""The API's reads: the same tree page, the same rule about whose text shows, at a fixed cost."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments import services
from comments.generate import discussion_generate
from comments.models import Comment
from tests.api.conftest import problem
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_moderator

pytestmark = pytest.mark.django_db

# The discussion endpoint: the article, the thread page (with the count riding
# in it) and whatever the page's comments need; the bound is 10.
DISCUSSION_QUERIES_MAX = 10


def comments_url(article: Article, **query) -> str:
    url = f"/api/v1/discussions/{article.pk}/comments"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def ids(nodes) -> list[int]:
    return [node["id"] for node in nodes]


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["replies"])


def test_the_tree_page_is_the_html_page(client, article, settings):
    """50 threads, 10 replies a level, the rest behind the links the page has."""
    settings.ANONYMOUS_PAGE_SECONDS = 0
    author = UserFactory()
    threads = [CommentFactory(article=article, author=author) for _ in range(52)]
    replies = [CommentFactory(parent=threads[0], author=author) for _ in range(12)]
    CommentFactory(parent=replies[0], body="one level down")

    body = client.get(comments_url(article, sort="oldest")).json()
    assert body["comments"] == 65
    assert body["sort"] == "oldest"
    assert ids(body["threads"]) == [t.pk for t in threads[:50]]
    first = body["threads"][0]
    assert ids(first["replies"]) == [r.pk for r in replies[:10]]
    assert first["replies"][0]["replies"][0]["html"] == "<p>one level down</p>"
    assert first["more_replies"]["count"] == 2
    assert first["replies_total"] == 13

    more = client.get(first["more_replies"]["next"]).json()
    assert ids(more["replies"]) == [r.pk for r in replies[10:]]
    assert more["more_replies"] is None

    second = client.get(body["next"]).json()
    assert second["page"] == 2
    assert ids(second["threads"]) == [t.pk for t in threads[50:]]
    assert second["next"] is None

    html = client.get(article.get_absolute_url(), {"sort": "oldest"}).content.decode()
    for node in walk(body["threads"]):
        assert f'id="comment-{node["id"]}"' in html


def test_deep_threads_continue_where_the_page_does(client, article, settings):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    chain = [CommentFactory(article=article)]
    for _ in range(settings.COMMENT_VISUAL_DEPTH + 2):
        chain.append(CommentFactory(parent=chain[-1]))
    body = client.get(comments_url(article)).json()
    deepest = list(walk(body["threads"]))[-1]
    assert deepest["depth"] == settings.COMMENT_VISUAL_DEPTH - 1
    assert deepest["continue_thread"] == f"/api/v1/comments/{deepest['id']}"
    focus = client.get(deepest["continue_thread"]).json()
    assert ids(focus["ancestors"]) == [c.pk for c in chain[: settings.COMMENT_VISUAL_DEPTH - 1]]
    assert focus["comment"]["replies"][0]["id"] == chain[settings.COMMENT_VISUAL_DEPTH].pk


def test_hidden_text_stays_hidden(client, article, settings):
    """Removed, deleted and held comments show their place, never their words or author."""
    settings.ANONYMOUS_PAGE_SECONDS = 0
    moderator = make_moderator()
    removed = CommentFactory(article=article, body="removed words")
    CommentFactory(parent=removed, body="a reply keeps its place")
    services.comment_moderate(comment=removed, actor=moderator, act="remove", reason="Rude")
    writer = UserFactory()
    deleted = CommentFactory(article=article, author=writer, body="withdrawn words")
    CommentFactory(parent=deleted, body="a reply keeps its place too")
    services.comment_delete(comment=deleted, user=writer)
    held = CommentFactory(article=article, body="held words")
    services.comment_status_set(comment=held, status=Comment.Status.PENDING)

    raw = client.get(comments_url(article)).content.decode()
    for words in ("removed words", "withdrawn words", "held words", writer.username):
        assert words not in raw
    states = {n["id"]: n for n in walk(client.get(comments_url(article)).json()["threads"])}
    assert states[removed.pk]["state"] == "removed"
    assert states[removed.pk]["html"] is None
    assert states[removed.pk]["author"] is None
    assert states[deleted.pk]["state"] == "deleted"
    assert held.pk not in states

    # The comment and its replies' endpoints say the same.
    assert client.get(f"/api/v1/comments/{removed.pk}").json()["comment"]["html"] is None
    # Its author sees a held comment, marked so.
    held_author = Client()
    held_author.force_login(held.author)
    mine = client_json(held_author, comments_url(article))
    assert {n["id"]: n["state"] for n in walk(mine["threads"])}[held.pk] == "pending"


def client_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_drafts_and_unknown_discussions_are_not_found(client, draft_article):
    problem(client.get(comments_url(draft_article)), 404)
    problem(client.get("/api/v1/discussions/999999/comments"), 404)
    problem(client.get(f"/api/v1/discussions/{draft_article.pk}"), 404)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    assert staff.get(comments_url(draft_article)).status_code == 200


def test_garbage_in_the_query_gets_a_problem_not_a_500(client, article):
    body = problem(client.get(comments_url(article, page="abc")), 400)
    assert "page" in body["errors"]
    assert client.get(comments_url(article, sort="sideways")).json()["sort"] == "best"
    problem(client.get("/api/v1/discussions/abc"), 400)
    problem(client.get("/api/v1/nowhere"), 404)
    problem(client.put(comments_url(article)), 405)
    problem(client.get("/api/v1/discussions?url=not-a-url"), 400)
    problem(client.get("/api/v1/users/nobody-here"), 404)
    problem(client.get("/api/v1/comments/0"), 404)


def test_anonymous_answers_come_from_the_cache_and_a_write_replaces_them(client, article):
    CommentFactory(article=article, body="first words")
    first = client.get(comments_url(article))
    assert first["X-Trekboard-Cache"] == "miss"
    again = client.get(comments_url(article))
    assert again["X-Trekboard-Cache"] == "hit"
    assert again.content == first.content
    etag = first["ETag"]
    not_modified = client.get(comments_url(article), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    services.comment_create(article=article, author=UserFactory(), body="second words")
    after = client.get(comments_url(article), HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert "second words" in after.content.decode()


def test_a_signed_in_reader_gets_their_own_answer_with_an_etag(article, token_client):
    reader = UserFactory()
    liked = CommentFactory(article=article)
    services.comment_like_toggle(comment=liked, user=reader)
    client = token_client(reader)
    response = client.get(comments_url(article))
    assert response["X-Trekboard-Cache"] == "private"
    assert response.json()["threads"][0]["liked"] is True
    assert client.get(comments_url(article), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("reader", ["anonymous", "signed in"])
def test_the_discussion_costs_the_same_at_100_comments(
    reader, client, article, settings, django_assert_max_num_queries
):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    author = UserFactory()
    for _ in range(20):
        top = CommentFactory(article=article, author=author)
        for _ in range(4):
            CommentFactory(parent=top, author=author)
    if reader == "signed in":
        client.force_login(UserFactory())
    with django_assert_max_num_queries(DISCUSSION_QUERIES_MAX):
        body = client.get(comments_url(article)).json()
    assert body["comments"] == 100


def test_the_discussion_costs_the_same_at_100000_comments(
    client, settings, django_assert_max_num_queries
):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    summary = discussion_generate(slug="premiere-night", comments=100_000, seed=5)
    article = Article.objects.get(slug="premiere-night")
    with django_assert_max_num_queries(DISCUSSION_QUERIES_MAX):
        body = client.get(comments_url(article)).json()
    assert summary.comments == 100_000
    article.refresh_from_db()
    assert body["comments"] == article.comment_count > 90_000
    assert len(list(walk(body["threads"]))) <= settings.COMMENT_PAGE_BUDGET
    reader = Client()
    reader.force_login(UserFactory())
    with django_assert_max_num_queries(DISCUSSION_QUERIES_MAX):
        assert reader.get(comments_url(article, sort="top", page=3)).status_code == 200


def test_the_list_holds_articles_and_pages_with_their_counts(client, article, draft_article):
    page = ArticleFactory(title="Post 42", external_url="https://blog.example.org/post/42/")
    CommentFactory(article=page)
    listed = {d["id"]: d for d in client.get("/api/v1/discussions").json()["discussions"]}
    assert listed[article.pk]["kind"] == "article"
    assert listed[article.pk]["url"] == article.get_absolute_url()
    assert listed[page.pk] | {"published": None} == {
        "id": page.pk,
        "title": "Post 42",
        "kind": "page",
        "url": "https://blog.example.org/post/42/",
        "comments": 1,
        "open": True,
        "published": None,
        "api": f"/api/v1/discussions/{page.pk}",
    }
    assert draft_article.pk not in listed
    found = client.get(
        "/api/v1/discussions", {"url": "HTTPS://Blog.Example.org:443/post/42/?utm_source=x#c"}
    ).json()
    assert ids(found["discussions"]) == [page.pk]


def test_counts_for_a_page_of_links(client, article):
    page = ArticleFactory(external_url="https://blog.example.org/post/42/")
    for _ in range(3):
        CommentFactory(article=page)
    CommentFactory(article=article)
    own = "http://127.0.0.1:8000" + article.get_absolute_url()
    answer = client.get(
        "/api/v1/counts",
        {
            "url": [
                "https://blog.example.org/post/42/#comments",
                "https://elsewhere.example/",
                own,
                "x",
            ]
        },
    ).json()
    assert answer == {
        "https://blog.example.org/post/42/#comments": 3,
        "https://elsewhere.example/": 0,
        own: 1,
        "x": 0,
    }
    problem(client.get("/api/v1/counts"), 400)


def test_a_profile_shows_public_comments_only(client, article):
    reader = UserFactory(username="canon_keeper", bio="Reads the map.")
    CommentFactory(article=article, author=reader, body="visible words")
    held = CommentFactory(article=article, author=reader, body="held words")
    services.comment_status_set(comment=held, status=Comment.Status.PENDING)
    body = client.get("/api/v1/users/canon_keeper").json()
    assert body["username"] == "canon_keeper"
    assert body["comments"] == 1
    assert [c["html"] for c in body["recent"]] == ["<p>visible words</p>"]
    assert body["recent"][0]["discussion"]["id"] == article.pk
    problem(client.get(f"/api/v1/users/{UserFactory(is_active=False).username}"), 404)


def test_the_schema_and_its_docs(client):
    schema = client.get("/api/v1/schema/").json()
    assert schema["info"]["title"] == "Trekboard API"
    paths = schema["paths"]
    assert {"get", "post"} <= paths["/api/v1/discussions/{pk}/comments"].keys()
    assert {"put", "delete"} <= paths["/api/v1/comments/{pk}/like"].keys()
    assert "/api/v1/counts" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn." not in docs.content  # its own copy, from our static files
    assert reverse("api:openapi-json") == "/api/v1/schema/"
