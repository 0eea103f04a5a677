"""What is new since a signed-in reader's last visit to an article's discussion."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import ArticleVisit, Comment
from tests.factories import CommentFactory, UserFactory
from tests.helpers import add_likes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def unseen_ids(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(
            r'<article class="comment[^"]*\bcomment--unseen\b[^"]*" id="comment-(\d+)"', html
        )
    ]


def new_count(html: str) -> int | None:
    match = re.search(r"<strong>(\d+) new</strong> since your last visit", html)
    return int(match.group(1)) if match else None


def jump_href(html: str) -> str:
    return re.search(r'<a href="([^"]+)">Jump to the first</a>', html).group(1)


def visited(user, article, *, last, previous=None) -> ArticleVisit:
    return ArticleVisit.objects.create(
        user=user, article=article, last_seen_at=last, previous_seen_at=previous
    )


@pytest.fixture
def discussion(article, user) -> dict[str, Comment]:
    """Comments from before and after a visit two hours ago, some of them the reader's own."""
    other = UserFactory()
    old = CommentFactory(article=article, author=other, body="old", created_at=ago(hours=3))
    return {
        "old": old,
        "new_reply": CommentFactory(parent=old, body="new reply", created_at=ago(minutes=50)),
        "new_root": CommentFactory(article=article, body="new root", created_at=ago(minutes=90)),
        "own": CommentFactory(article=article, author=user, body="own", created_at=ago(minutes=40)),
    }


def test_comments_since_the_last_visit_are_highlighted(client_logged_in, user, article, discussion):
    visited(user, article, last=ago(hours=2))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert sorted(unseen_ids(html)) == sorted(
        [discussion["new_reply"].pk, discussion["new_root"].pk]
    )
    assert new_count(html) == 2
    # The first new one in time, which is on this page: an in-page link.
    assert jump_href(html) == f"#comment-{discussion['new_root'].pk}"
    new_block = html[html.index(f'id="comment-{discussion["new_root"].pk}"') :]
    assert '<span class="badge badge--new">New</span>' in new_block[: new_block.index("</header>")]


def test_own_comments_are_never_new(client_logged_in, user, article, discussion):
    visited(user, article, last=ago(hours=2))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert discussion["own"].pk not in unseen_ids(html)
    assert discussion["old"].pk not in unseen_ids(html)


def test_reloads_within_the_visit_keep_the_same_highlights(
    client_logged_in, user, article, discussion
):
    visited(user, article, last=ago(hours=2))
    first = client_logged_in.get(article.get_absolute_url()).content.decode()
    again = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert new_count(again) == new_count(first) == 2
    assert unseen_ids(again) == unseen_ids(first)


def test_visits_within_thirty_minutes_are_one_visit(client_logged_in, user, article):
    assert timedelta(minutes=30) == services.VISIT_GAP
    other = UserFactory()
    # Came by three hours ago, then again 20 minutes ago: that later look is the same
    # visit as this one, so "new" still means "since three hours ago".
    visited(user, article, last=ago(minutes=20), previous=ago(hours=3))
    since_earlier = CommentFactory(article=article, author=other, created_at=ago(hours=1))
    before = CommentFactory(article=article, author=other, created_at=ago(hours=4))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert unseen_ids(html) == [since_earlier.pk]
    assert before.pk not in unseen_ids(html)


def test_a_visit_more_than_thirty_minutes_ago_starts_a_new_one(client_logged_in, user, article):
    other = UserFactory()
    visited(user, article, last=ago(minutes=45), previous=ago(hours=3))
    seen_then = CommentFactory(article=article, author=other, created_at=ago(hours=1))
    since = CommentFactory(article=article, author=other, created_at=ago(minutes=10))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert unseen_ids(html) == [since.pk]
    assert seen_then.pk not in unseen_ids(html)
    assert new_count(html) == 1


def test_first_visit_highlights_nothing(client_logged_in, article, discussion):
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert unseen_ids(html) == []
    assert new_count(html) is None
    assert "Jump to the first" not in html


def test_anonymous_readers_see_nothing_new(client, user, article, discussion):
    visited(user, article, last=ago(hours=2))
    html = client.get(article.get_absolute_url()).content.decode()
    assert unseen_ids(html) == []
    assert "comment--unseen" not in html
    assert "since your last visit" not in html


def test_visit_is_per_reader_and_per_article(client_logged_in, user, article, discussion):
    visited(UserFactory(), article, last=ago(hours=2))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert unseen_ids(html) == []


def test_deleted_comments_are_not_counted_as_new(client_logged_in, user, article):
    author = UserFactory()
    visited(user, article, last=ago(hours=2))
    gone = CommentFactory(article=article, author=author, created_at=ago(hours=1))
    CommentFactory(parent=gone, author=author, created_at=ago(minutes=30))
    services.comment_delete(comment=gone, user=author)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert new_count(html) == 1
    assert gone.pk not in unseen_ids(html)


def test_jump_link_goes_to_the_permalink_when_the_first_new_is_off_the_page(
    client_logged_in, user, article, settings
):
    settings.COMMENT_THREADS_PER_PAGE = 1
    other = UserFactory()
    visited(user, article, last=ago(hours=2))
    popular = CommentFactory(article=article, author=other, created_at=ago(hours=3))
    add_likes(popular, 3)
    fresh = CommentFactory(article=article, author=other, created_at=ago(hours=1))
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert new_count(html) == 1
    assert f'id="comment-{fresh.pk}"' not in html  # page one holds the popular thread
    assert jump_href(html) == (
        f"{reverse('comments:detail', kwargs={'pk': fresh.pk})}#comment-{fresh.pk}"
    )


def test_load_more_keeps_highlighting_without_starting_a_new_visit(
    client_logged_in, user, article, settings
):
    settings.COMMENT_THREADS_PER_PAGE = 1
    other = UserFactory()
    visited(user, article, last=ago(hours=2), previous=ago(hours=5))
    CommentFactory(article=article, author=other, created_at=ago(hours=3))
    fresh = CommentFactory(article=article, author=other, created_at=ago(hours=1))
    client_logged_in.get(article.get_absolute_url(), {"sort": "oldest"})
    fragment = client_logged_in.get(
        reverse("comments:page", kwargs={"slug": article.slug}),
        {"sort": "oldest", "page": "2"},
        **HTMX,
    ).content.decode()
    assert unseen_ids(fragment) == [fresh.pk]


def test_new_replies_loaded_with_more_replies_are_highlighted(client_logged_in, user, article):
    other = UserFactory()
    visited(user, article, last=ago(hours=2))
    root = CommentFactory(article=article, author=other, created_at=ago(hours=5))
    replies = [
        CommentFactory(parent=root, author=other, created_at=ago(hours=4, minutes=n))
        for n in range(10, 0, -1)
    ]
    late = CommentFactory(parent=root, author=other, created_at=ago(minutes=5))
    client_logged_in.get(article.get_absolute_url())
    fragment = client_logged_in.get(
        reverse("comments:replies", kwargs={"pk": root.pk}), {"offset": "10"}, **HTMX
    ).content.decode()
    assert unseen_ids(fragment) == [late.pk]
    assert not set(unseen_ids(fragment)) & {reply.pk for reply in replies}


# --- The visit record --------------------------------------------------------


def test_article_visit_record_returns_the_previous_visit(user, article):
    assert services.article_visit_record(user=user, article=article).previous is None
    # A reload straight away is the same visit: still no previous one.
    assert services.article_visit_record(user=user, article=article).previous is None

    earlier = ago(hours=1)
    ArticleVisit.objects.filter(user=user).update(last_seen_at=earlier)
    assert services.article_visit_record(user=user, article=article).previous == earlier
    # Within the same (new) visit the answer stays the same.
    assert services.article_visit_record(user=user, article=article).previous == earlier
    visit = ArticleVisit.objects.get(user=user, article=article)
    assert visit.previous_seen_at == earlier
    assert visit.last_seen_at > earlier


def test_reloads_within_a_minute_read_the_visit_without_rewriting_it(user, article):
    """VISIT_RESTAMP: the row is written again only once a minute has passed."""
    services.article_visit_record(user=user, article=article)
    stamped = ArticleVisit.objects.get(user=user, article=article).last_seen_at
    for _ in range(3):
        assert services.article_visit_record(user=user, article=article).previous is None
    assert ArticleVisit.objects.get(user=user, article=article).last_seen_at == stamped

    a_while_ago = ago(minutes=2)
    ArticleVisit.objects.filter(user=user).update(last_seen_at=a_while_ago)
    assert services.article_visit_record(user=user, article=article).previous is None
    visit = ArticleVisit.objects.get(user=user, article=article)
    assert visit.last_seen_at > a_while_ago  # stamped again, and still the same visit
    assert visit.previous_seen_at is None

    # Someone else's comment since the previous visit is new to them on a fresh read too.
    left = ago(hours=2)
    ArticleVisit.objects.filter(user=user).update(last_seen_at=left, previous_seen_at=None)
    newer = CommentFactory(article=article)
    first = services.article_visit_record(user=user, article=article)
    again = services.article_visit_record(user=user, article=article)  # read, not written
    assert first.previous == again.previous == left
    assert (first.new_count, first.first_new_id) == (again.new_count, again.first_new_id)
    assert (again.new_count, again.first_new_id) == (1, newer.pk)


def test_signed_in_page_view_records_the_visit(client_logged_in, user, article):
    client_logged_in.get(article.get_absolute_url())
    visit = ArticleVisit.objects.get(user=user, article=article)
    assert timezone.now() - visit.last_seen_at < timedelta(minutes=1)
    assert visit.previous_seen_at is None


def test_anonymous_page_view_records_nothing(client, article):
    client.get(article.get_absolute_url())
    assert not ArticleVisit.objects.exists()
