"""The discussion as a reader sees it: pages, forms, errors, htmx fragments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import ArticleVisit, Comment, Notification, WordRule
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    TagFactory,
    UserFactory,
    WordRuleFactory,
)
from tests.helpers import ancestor_ids, reply_chain

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_article_page_shows_count_form_and_nested_replies(client, article):
    root = CommentFactory(article=article, body="Loved the **trailer**")
    reply = CommentFactory(article=article, parent=root, body="Same here 🖖")
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 Comments" in html
    assert "Leave a Reply" in html
    assert f'id="comment-{root.pk}" data-depth="0"' in html
    assert f'id="comment-{reply.pk}" data-depth="1"' in html
    assert "<strong>trailer</strong>" in html
    assert "Same here 🖖" in html
    # The reply's element sits inside its parent's replies container.
    assert ancestor_ids(html, f"comment-{reply.pk}")[-2:] == [
        f"comment-{root.pk}",
        f"replies-{root.pk}",
    ]


def test_comment_shows_author_avatar_time_and_staff_badge(client, article, staff_user):
    comment = CommentFactory(article=article, author=staff_user, body="Editor here")
    html = client.get(article.get_absolute_url()).content.decode()
    block = html[html.index(f'id="comment-{comment.pk}"') :]
    assert 'class="avatar avatar--h' in block
    assert staff_user.display_name in block
    assert ">Staff<" in block
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">', block)


def test_deep_chain_is_capped_with_continue_link(client, article):
    chain = reply_chain(article, depth=10)
    html = client.get(article.get_absolute_url()).content.decode()
    for node in chain[:8]:
        assert f'id="comment-{node.pk}"' in html
    for node in chain[8:]:
        assert f'id="comment-{node.pk}"' not in html
    continue_url = reverse("comments:detail", kwargs={"pk": chain[7].pk})
    assert f'href="{continue_url}">Continue this thread →' in html

    permalink = client.get(continue_url).content.decode()
    for node in chain[8:]:
        assert f'id="comment-{node.pk}"' in permalink


def test_permalink_shows_ancestors_and_replies(client, article):
    chain = reply_chain(article, depth=4)
    html = client.get(reverse("comments:detail", kwargs={"pk": chain[2].pk})).content.decode()
    html = html[html.index("<main") :]
    assert html.index("level 0") < html.index("level 1") < html.index("level 2")
    assert f'id="context-{chain[0].pk}"' in html
    assert f'id="context-{chain[1].pk}"' in html
    assert f'id="comment-{chain[3].pk}" data-depth="3"' in html
    assert f'id="comment-{chain[4].pk}" data-depth="4"' in html


def test_post_top_level_comment_redirects_to_its_anchor(client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "First!"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/comments/{comment.pk}/#confirmation"
    assert comment.body == "First!"
    assert comment.parent is None


def test_reply_three_levels_deep_lands_under_its_parent(client_logged_in, article):
    chain = reply_chain(article, depth=3)
    target = chain[3]
    response = client_logged_in.post(
        reverse("comments:reply", kwargs={"pk": target.pk}), {"body": "Deep reply"}
    )
    reply = Comment.objects.get(body="Deep reply")
    assert response["Location"] == f"/comments/{reply.pk}/#confirmation"
    assert reply.parent == target
    assert reply.level == 4
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'id="comment-{reply.pk}" data-depth="4"' in html
    assert ancestor_ids(html, f"comment-{reply.pk}")[-1] == f"replies-{target.pk}"
    chain_ids = [f"comment-{node.pk}" for node in chain]
    assert [i for i in ancestor_ids(html, f"comment-{reply.pk}") if i in chain_ids] == chain_ids


def test_reply_form_page_works_without_javascript(client_logged_in, article):
    parent = CommentFactory(article=article, body="What do you think?")
    response = client_logged_in.get(reverse("comments:reply", kwargs={"pk": parent.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reply to" in html
    assert "What do you think?" in html
    assert f'action="{reverse("comments:reply", kwargs={"pk": parent.pk})}"' in html


def test_htmx_reply_form_is_a_fragment(client_logged_in, article):
    parent = CommentFactory(article=article)
    response = client_logged_in.get(reverse("comments:reply", kwargs={"pk": parent.pk}), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'class="comment-form"' in html


def test_htmx_reply_returns_comment_fragment_targeted_at_parent(client_logged_in, article):
    parent = CommentFactory(article=article)
    response = client_logged_in.post(
        reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "In place"}, **HTMX
    )
    reply = Comment.objects.get(body="In place")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#replies-{parent.pk}"
    # First under its parent, where the reader who wrote it is looking.
    assert response["HX-Reswap"] == "afterbegin"
    assert f'id="comment-{reply.pk}" data-depth="1"' in html
    assert "<html" not in html
    assert "2 Comments" in html  # the count updates out of band


def test_htmx_top_level_post_targets_list_and_resets_form(client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "New thread"}, **HTMX
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#comments-list"
    assert 'id="comment-form-new"' in html
    assert 'hx-swap-oob="true"' in html
    assert "New thread</p>" in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Your comment is empty"),
        ("   \n\t ", "Your comment is empty"),
        ("x" * 10_001, "the limit is 10,000"),
        ("nul\x00byte", "Null characters are not allowed"),
    ],
)
def test_bad_bodies_show_clear_errors_and_save_nothing(client_logged_in, article, body, message):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": body}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_body_of_exactly_the_limit_is_accepted(client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "y" * 10_000}
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "y" * 10_000


def test_htmx_error_returns_form_fragment_with_text_kept(client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "z" * 10_001}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in html
    assert "the limit is 10,000" in html
    assert "z" * 100 in html


@pytest.mark.parametrize("where", ["same article", "another article"])
def test_the_article_endpoint_takes_no_replies(client_logged_in, article, where):
    # One door for a reply: comments:reply, with the parent in its URL. A
    # parent sent to the top-level endpoint is refused, never posted at the top.
    parent = CommentFactory(article=article if where == "same article" else ArticleFactory())
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}),
        {"body": "meant as a reply", "parent": parent.pk},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "To reply to a comment, use its Reply link." in html
    assert "meant as a reply" in html  # the text is kept in the form
    assert not Comment.objects.filter(body="meant as a reply").exists()


def test_the_service_refuses_a_parent_from_another_article(article, user):
    foreign = CommentFactory(article=ArticleFactory())
    with pytest.raises(ValidationError, match="same article"):
        services.comment_create(article=article, author=user, body="hi", parent=foreign)
    assert not Comment.objects.filter(body="hi").exists()


@pytest.mark.parametrize("bogus", ["abc", "-1", "99999999999999999999", "0"])
def test_bogus_parent_ids_give_a_form_error(client_logged_in, article, bogus):
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "x", "parent": bogus}
    )
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_closed_article_refuses_comments_with_message(client_logged_in, closed_article):
    html = client_logged_in.get(closed_article.get_absolute_url()).content.decode()
    assert "Comments are closed" in html
    assert "Leave a Reply" not in html
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": closed_article.slug}), {"body": "Let me in"}
    )
    assert response.status_code == 400
    assert "Comments are closed on this article." in response.content.decode()
    assert Comment.objects.count() == 0


def test_reply_on_closed_article_is_refused(client_logged_in, article):
    parent = CommentFactory(article=article)
    article.comments_open = False
    article.save()
    response = client_logged_in.post(
        reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "late"}
    )
    assert response.status_code == 400
    assert "Comments are closed" in response.content.decode()
    assert Comment.objects.count() == 1


def test_anonymous_post_goes_to_login_and_text_comes_back(client, article, user):
    create_url = reverse("comments:create", kwargs={"slug": article.slug})
    response = client.post(create_url, {"body": "Typed before logging in"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert Comment.objects.count() == 0

    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    next_url = login_page.context["next"]
    assert next_url == f"{article.get_absolute_url()}#respond"

    client.force_login(user)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Typed before logging in</textarea>" in html


def test_anonymous_reply_text_is_kept_on_the_reply_page(client, article, user):
    parent = CommentFactory(article=article)
    reply_url = reverse("comments:reply", kwargs={"pk": parent.pk})
    response = client.post(reply_url, {"body": "My reply draft"})
    assert response["Location"] == f"{reverse('login')}?next={reply_url}"
    client.force_login(user)
    assert "My reply draft</textarea>" in client.get(reply_url).content.decode()


def test_anonymous_htmx_post_redirects_client_to_login(client, article):
    response = client.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "x"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_draft_article_discussion_is_404_for_readers(client_logged_in, draft_article):
    assert client_logged_in.get(draft_article.get_absolute_url()).status_code == 404
    response = client_logged_in.post(
        reverse("comments:create", kwargs={"slug": draft_article.slug}), {"body": "sneaky"}
    )
    assert response.status_code == 404
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_unknown_comment_ids_are_404(client, pk):
    assert client.get(f"/comments/{pk}/").status_code == 404
    assert client.get(f"/comments/{pk}/reply/").status_code == 404


def test_wrong_method_is_405(client, article):
    assert client.get(reverse("comments:create", kwargs={"slug": article.slug})).status_code == 405


def test_csrf_is_enforced_on_posting(article, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "no token"}
    )
    assert response.status_code == 403
    assert Comment.objects.count() == 0


# The article with its tags, gallery and related/next/previous links (one
# query), the page of threads (with authors and the count). Signed in adds the
# session, the user, the visit with "N new since your last visit" (one
# statement) and the bell's unread count; the reader's likes come with the
# comments. At most 10, the budget.
@pytest.mark.parametrize(("signed_in", "queries"), [(False, 2), (True, 6)])
def test_article_page_query_count_does_not_grow_with_comments(
    client, article, user, settings, django_assert_num_queries, signed_in, queries
):
    settings.ANONYMOUS_PAGE_SECONDS = 0  # count the render, not the page cache
    article.tags.add(TagFactory())
    if signed_in:
        client.force_login(user)
        long_ago = timezone.now() - timedelta(days=1)
        ArticleVisit.objects.create(
            user=user, article=article, last_seen_at=long_ago, previous_seen_at=long_ago
        )
    readers = UserFactory.create_batch(3)
    CommentFactory(article=article, author=readers[0])
    with django_assert_num_queries(queries):
        client.get(article.get_absolute_url())
    roots = [CommentFactory(article=article, author=readers[i % 3]) for i in range(20)]
    for index, root in enumerate(roots):
        node = root
        for depth in range(index % 5):
            node = CommentFactory(article=article, parent=node, author=readers[depth % 3])
    assert Comment.objects.filter(article=article).count() > 50
    with django_assert_num_queries(queries):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_permalink_query_count_does_not_grow_with_the_thread(
    client, article, django_assert_num_queries
):
    # The comment (with its article), its ancestors, its replies (with authors).
    chain = reply_chain(article, depth=3)
    url = reverse("comments:detail", kwargs={"pk": chain[1].pk})
    with django_assert_num_queries(3):
        client.get(url)
    for _ in range(10):
        CommentFactory(article=article, parent=chain[2])
    with django_assert_num_queries(3):
        response = client.get(url)
    html = response.content.decode()
    # The focus, its reply, and that reply's first 10 of 11 replies.
    assert html.count('<article class="comment') == 12
    assert "1 more reply" in html


def test_htmx_refusal_lands_in_the_reply_slot_and_keeps_the_comment(client_logged_in, article):
    someone_elses = CommentFactory(article=article, body="Not yours")
    for action in ("edit", "delete"):
        url = reverse(f"comments:{action}", kwargs={"pk": someone_elses.pk})
        response = client_logged_in.post(url, {"body": "Hijacked"}, **HTMX)
        assert response.status_code == 403
        assert response["HX-Retarget"] == f"#reply-slot-{someone_elses.pk}"
        assert response["HX-Reswap"] == "innerHTML"
        assert f"You can only {action} your own comments." in response.content.decode()
    someone_elses.refresh_from_db()
    assert (someone_elses.body, someone_elses.status) == ("Not yours", Comment.Status.PUBLISHED)


@pytest.mark.parametrize("username", ["picard", "Zoë_Saldaña", "a.b+c@d-e", "Ľudo"])
def test_each_author_name_links_to_their_profile(client, article, username):
    author = UserFactory(username=username)
    CommentFactory(article=article, author=author, body="Make it so.")
    html = client.get(article.get_absolute_url()).content.decode()
    profile = reverse("accounts:profile", kwargs={"username": username})
    assert f'<a class="comment__author" href="{profile}">' in html
    assert client.get(profile).status_code == 200


# A reply through the view, signed in, as production runs it (the session from
# the cache): the user; the parent with its article; then, in one transaction
# (its BEGIN and COMMIT, savepoints here), the thread's lock, the parent again
# with the reply it would repeat, its last edge and the word list, the insert
# with the ancestors' counters and the article's count (one statement), and the
# parent's author's notification: 8. With Redis (locmem here: no query either)
# the cache costs nothing more; on the database cache (the default set-up) it
# costs the session's read and the page cache's new version: 10, the issue's
# budget. Whatever the thread's size. Rate limits are off, as bench/reply.py
# measures it: on the database cache their two counters cost two statements
# more on a window's first reply and six on each later one (tests/test_cache.py).
@pytest.mark.parametrize(
    ("database", "queries"), [(False, 8), (True, 10)], ids=["redis-like", "database-cache"]
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_reply_costs_a_fixed_number_of_queries(
    client,
    article,
    user,
    settings,
    request,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    htmx,
    database,
    queries,
):
    if database:
        request.getfixturevalue("database_cache")
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    else:
        # A store of its own: the process's shared one fills up over a run, and
        # culling it could drop this reader's session mid-test.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": request.node.name,
            }
        }
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.RATE_LIMITS = {}
    WordRuleFactory(phrase="tribble")  # read with the parent, not from the cache
    parent = CommentFactory(article=article)
    for _ in range(3):
        CommentFactory(parent=CommentFactory(parent=parent))
    client.force_login(user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    # Counted as in production: the page versions (the discussion's, and the
    # parent's author's inbox's) are written once the reply commits, together.
    settings.PAGE_CACHE_BUMP_NOW = False

    def reply(to: Comment, body: str) -> None:
        with (
            django_assert_num_queries(queries),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(
                reverse("comments:reply", kwargs={"pk": to.pk}), {"body": body}, **headers
            )
        assert response.status_code == (200 if htmx else 302)

    reply(parent, "Aye.")
    deepest = parent
    for _ in range(5):
        deepest = CommentFactory(parent=deepest)
    reply(deepest, "Aye, captain.")  # six levels down, the thread half as big again
    parent.refresh_from_db()
    article.refresh_from_db()
    mine = Comment.objects.filter(author=user)
    assert sorted(mine.values_list("parent_id", "body")) == sorted(
        [(parent.pk, "Aye."), (deepest.pk, "Aye, captain.")]
    )
    assert (parent.reply_count, parent.descendant_count, article.comment_count) == (5, 13, 14)
    assert Notification.objects.filter(comment__in=mine).count() == 2


@pytest.mark.parametrize(
    ("body", "status"), [("A tribble!", Comment.Status.PENDING), ("Aye.", Comment.Status.PUBLISHED)]
)
def test_a_reply_is_screened_with_the_word_list_as_it_is_now(user, article, body, status):
    parent = CommentFactory(article=article)
    services.comment_create(article=article, author=user, body="Warms the cached list.")
    # Listed behind the cache's back: only a reply, which reads the table, sees it.
    WordRule.objects.create(phrase="tribble", created_by=user)
    reply = services.comment_create(article=article, author=user, body=body, parent=parent)
    assert reply.status == status
    parent.refresh_from_db()
    assert parent.reply_count == (status == Comment.Status.PUBLISHED)
