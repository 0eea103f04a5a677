"""Comments marked as spoiling a release (issue 18): covered until the reader has watched it.

What a reader who hasn't watched it gets on every page and side door (the
article, its cached copy, fragments, a permalink, a profile, a reply's page,
search, the feed, the inbox and email) is the cover, never the text; what one
who has, or anyone after the window, gets is the text.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Release, ReleaseAiring, Watched
from articles.releases import WATCHED_COOKIE
from articles.services import release_changed
from comments.models import AuditEntry, Comment, Notification
from tests.factories import ArticleFactory, CommentFactory, TagFactory, UserFactory
from tests.helpers import make_moderator

pytestmark = pytest.mark.django_db

SECRET = "Maren survives the beacon"  # the text nobody may read before watching
SAFE = "No spoilers, just watch it"


@pytest.fixture
def show(db):
    return TagFactory(name="Meridian")


@pytest.fixture
def release(show):
    aired = timezone.now() - timedelta(days=2)
    release = Release.objects.create(show=show, code="S3E05", title="Lamps", released_at=aired)
    ReleaseAiring.objects.create(release=release, region="UK", airs_at=aired + timedelta(days=1))
    return release


@pytest.fixture
def article(show, release):
    article = ArticleFactory(title="Lamps reviewed")
    article.tags.add(show)
    article.release = release
    article.save(update_fields=["release"])
    return article


@pytest.fixture
def marked(article, release):
    comment = CommentFactory(article=article, body=SECRET, spoils=release)
    reply = CommentFactory(parent=comment, body="Chills, honestly")  # inherits the mark
    return comment, reply


def _page(client: Client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _watch(client: Client, release: Release, next_url: str = "/") -> None:
    response = client.post(
        reverse("articles:release-watched", args=[release.pk]), {"watched": "yes", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url


def test_an_anonymous_reader_sees_a_cover_then_the_text_once_they_say_they_watched(
    client, article, release, marked
):
    comment, _reply = marked
    html = _page(client, article.get_absolute_url())
    assert SECRET not in html
    assert "Chills, honestly" not in html  # the reply inherited the mark
    assert "Spoiler for <strong>S3E05</strong>" in html
    assert f'id="comment-{comment.pk}" data-depth="0" data-spoils="S3E05"' in html
    assert "1 reply, folded with the spoiler" in html
    for part in (f'id="comment-fold-{comment.pk}"', f'id="comment-meta-{comment.pk}"'):
        assert f'{part} data-spoils="S3E05"' in html
    # The page offers the two ways past the cover, neither of which needs JavaScript.
    assert reverse("comments:reveal", args=[comment.pk]) in html
    watched_url = reverse("articles:release-watched", args=[release.pk])
    assert f"{watched_url}?next=" in html

    # The page that asks, then the answer (kept in a cookie).
    asked = _page(client, watched_url)
    assert "I've watched S3E05" in asked
    _watch(client, release, article.get_absolute_url())
    assert client.cookies[WATCHED_COOKIE].value == str(release.pk)
    html = _page(client, article.get_absolute_url())
    assert SECRET in html
    assert "Chills, honestly" in html
    assert "Spoiler for <strong>S3E05</strong>" not in html
    assert 'data-spoils="S3E05"' in html  # still marked, just not covered

    # Undone: covered again.
    client.post(watched_url, {"watched": "no", "next": "/"})
    assert SECRET not in _page(client, article.get_absolute_url())


@pytest.mark.parametrize("next_url", ["x", "//evil.example/", "javascript:alert(1)", ""])
def test_a_next_off_the_site_goes_back_to_the_episodes_article(client, article, release, next_url):
    url = reverse("articles:release-watched", args=[release.pk])
    response = client.post(url, {"watched": "yes", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()


def test_the_shared_page_cache_keeps_covers_for_everyone_else(client, article, release, marked):
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    watcher = Client()
    _watch(watcher, release)
    seen = watcher.get(article.get_absolute_url())
    assert SECRET in seen.content.decode()  # their own variant of the page
    again = Client().get(article.get_absolute_url())
    assert again["X-Page-Cache"] == "hit"
    assert SECRET not in again.content.decode()
    # Another reader who watched it shares the watcher's page, not the covered one.
    other_watcher = Client()
    other_watcher.cookies[WATCHED_COOKIE] = str(release.pk)
    shared = other_watcher.get(article.get_absolute_url())
    assert shared["X-Page-Cache"] == "hit"
    assert SECRET in shared.content.decode()


def test_a_signed_in_reader_keeps_it_in_their_account(client, article, release, marked):
    reader = UserFactory()
    client.force_login(reader)
    first = client.get(article.get_absolute_url())
    assert SECRET not in first.content.decode()
    _watch(client, release)
    assert Watched.objects.filter(user=reader, release=release).exists()
    assert WATCHED_COOKIE not in client.cookies
    html = _page(client, article.get_absolute_url())
    assert SECRET in html
    # Their settings list it, ticked.
    settings_page = _page(client, reverse("accounts:settings"))
    assert "Meridian S3E05 “Lamps”" in settings_page
    box = re.search(
        rf'<input type="checkbox" name="watched" value="{release.pk}"[^>]*>', settings_page
    )
    assert box is not None
    assert "checked" in box.group(0)
    # Unticked there, it is covered again.
    client.post(reverse("accounts:settings"), {"section": "spoilers", "region": "UK"})
    assert not Watched.objects.filter(user=reader).exists()
    reader.refresh_from_db()
    assert reader.region == "UK"
    assert SECRET not in _page(client, article.get_absolute_url())
    # A region that isn't offered is refused, with the form again.
    refused = client.post(reverse("accounts:settings"), {"section": "spoilers", "region": "Mars"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    reader.refresh_from_db()
    assert reader.region == "UK"


def test_the_writer_reads_their_own_words(client, article, marked):
    comment, _ = marked
    client.force_login(comment.author)
    assert SECRET in _page(client, article.get_absolute_url())


def test_after_the_window_everyone_reads_it_and_a_region_moves_the_window(
    client, article, release, marked, settings
):
    settings.RELEASE_SPOILER_DAYS = 2
    # Aired two days ago in the US, a day later in the UK: not everywhere yet.
    assert SECRET not in _page(client, article.get_absolute_url())
    reader = UserFactory(region="Elsewhere")  # no airing of its own: the first one
    us = Client()
    us.force_login(reader)
    assert SECRET in _page(us, article.get_absolute_url())
    uk = Client()
    uk.force_login(UserFactory(region="UK"))
    assert SECRET not in _page(uk, article.get_absolute_url())
    settings.RELEASE_SPOILER_DAYS = 1
    release.released_at -= timedelta(days=2)
    release.save()
    release_changed()
    assert SECRET in _page(client, article.get_absolute_url())


def test_show_this_one_fetches_one_comments_text_only_when_asked(client, article, marked):
    comment, _reply = marked
    url = reverse("comments:reveal", args=[comment.pk])
    fragment = _page(client, url, HTTP_HX_REQUEST="true")
    assert SECRET in fragment
    assert "Chills, honestly" not in fragment
    page = _page(client, url)  # without JavaScript: the comment's own page
    assert SECRET in page
    assert "Chills, honestly" not in page  # its reply keeps its own cover
    # A comment readers may not see stays unseen.
    comment.status = Comment.Status.REMOVED
    comment.save(update_fields=["status"])
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_no_side_door_shows_the_text(
    client, article, release, marked, django_capture_on_commit_callbacks
):
    comment, reply = marked
    author = comment.author
    other = UserFactory(username="troi", email="troi@example.org", email_notifications=True)
    # A mention in a marked reply: the inbox and the email stay covered.
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=comment, body=f"@troi {SECRET}, right?")
    reader = Client()
    reader.force_login(other)
    inbox = _page(reader, reverse("comments:inbox"))
    assert "mentioned you" in inbox
    assert SECRET not in inbox
    assert "[Spoiler for S3E05: hidden until you&#x27;ve watched it]" in inbox
    assert mail.outbox
    assert all(SECRET not in message.body for message in mail.outbox)
    assert "[Spoiler for S3E05" in mail.outbox[-1].body

    feed = _page(client, reverse("comments:feed", args=[article.slug]))
    assert SECRET not in feed
    assert "Spoiler for S3E05" in feed
    search = _page(client, reverse("comments:search"), data={"q": "beacon survives"})
    assert SECRET not in search
    assert "Maren" not in search
    permalink = _page(client, reverse("comments:detail", args=[reply.pk]))
    assert SECRET not in permalink  # the ancestor is covered, the meta description too
    assert "Spoiler for <strong>S3E05</strong>" in permalink
    profile = _page(client, reverse("accounts:profile", args=[author.username]))
    assert SECRET not in profile
    flag_page = Client()
    flag_page.force_login(UserFactory())
    assert SECRET not in _page(flag_page, reverse("comments:flag", args=[comment.pk]))
    assert SECRET not in _page(flag_page, reverse("comments:reply", args=[comment.pk]))

    # Once watched, search finds it.
    _watch(client, release)
    assert "Maren" in _page(client, reverse("comments:search"), data={"q": "beacon survives"})


def test_a_reply_inherits_the_mark_unless_its_writer_changes_it(article, release, marked):
    comment, _ = marked
    writer = Client()
    writer.force_login(UserFactory())
    form = _page(writer, reverse("comments:reply", args=[comment.pk]))
    assert f'<option value="{release.pk}" selected>S3E05 “Lamps”</option>' in form
    writer.post(
        reverse("comments:reply", args=[comment.pk]), {"body": "Kept", "spoils": release.pk}
    )
    writer.post(reverse("comments:reply", args=[comment.pk]), {"body": "Changed", "spoils": ""})
    writer.post(reverse("comments:reply", args=[comment.pk]), {"body": "Unasked"})
    marks = dict(Comment.objects.filter(parent=comment).values_list("body", "spoils_id"))
    assert marks["Kept"] == release.pk
    assert marks["Changed"] is None
    assert marks["Unasked"] == release.pk
    # Garbage, or another show's release: a clear message, nothing written.
    other = Release.objects.create(
        show=TagFactory(), code="X1", title="Other", released_at=timezone.now()
    )
    for value in ("nope", "999999999", str(other.pk)):
        response = writer.post(
            reverse("comments:create", args=[article.slug]), {"body": "Nope", "spoils": value}
        )
        assert response.status_code == 400
        assert "Spoils" in response.content.decode() or "episode" in response.content.decode()
    assert not Comment.objects.filter(body="Nope").exists()


def test_the_article_form_offers_the_shows_releases(client, article, release):
    html = _page(client, article.get_absolute_url())
    assert '<select name="spoils" id="id_spoils_new"' in html
    assert f'<option value="{release.pk}">S3E05 “Lamps”</option>' in html
    assert "About <strong>S3E05 “Lamps”</strong>" in html


def test_a_moderator_marks_a_comment_and_its_author_is_told(client, article, release):
    comment = CommentFactory(article=article, body=SECRET)
    moderator = make_moderator()
    client.force_login(moderator)
    changelist = reverse("admin:comments_comment_changelist")
    response = client.post(
        changelist,
        {
            "action": "retro_spoiler",
            "_selected_action": [comment.pk],
            "post": "yes",
            "release": release.pk,
            "reason": "The special's ending",
        },
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.spoils_id == release.pk
    assert comment.body == SECRET  # marked, not rewritten
    notice = Notification.objects.get(recipient=comment.author)
    assert "Marked as spoiling S3E05" in notice.reason
    assert AuditEntry.objects.filter(comment=comment, action=AuditEntry.Action.SPOILER).exists()
    assert SECRET not in _page(Client(), article.get_absolute_url())


def test_marked_comments_cost_the_article_page_no_query(
    client, article, marked, settings, django_assert_num_queries
):
    from tests.comments.test_paging import ARTICLE_PAGE_QUERIES_ANONYMOUS

    settings.ANONYMOUS_PAGE_SECONDS = 0
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES_ANONYMOUS):
        html = _page(client, article.get_absolute_url())
    assert "Spoiler for <strong>S3E05</strong>" in html


def test_a_signed_in_readers_page_from_the_drawing_costs_what_it_did(
    article, release, marked, settings, django_assert_num_queries
):
    reader = Client()
    reader.force_login(UserFactory())
    reader.get(article.get_absolute_url())  # draws the page
    redis = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    with django_assert_num_queries(3 if redis else 4):
        response = reader.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "personal"
    assert SECRET not in response.content.decode()
    # Watched: the drawing's covers don't fit them; their page is drawn for them.
    _watch(reader, release)
    response = reader.get(article.get_absolute_url())
    assert response.get("X-Page-Cache") != "personal"
    assert SECRET in response.content.decode()


def test_an_editor_records_a_release_with_a_later_airing_but_not_an_earlier_one(show, admin_client):
    client = admin_client  # the editors: superusers, as the demo's
    add = reverse("admin:articles_release_add")
    fields = {
        "show": show.pk,
        "code": "S3E06",
        "title": "Ladders",
        "released_at_0": "2026-12-10",
        "released_at_1": "20:00:00",
        "airings-TOTAL_FORMS": "1",
        "airings-INITIAL_FORMS": "0",
        "airings-0-region": "UK",
        "airings-0-airs_at_0": "2026-12-09",
        "airings-0-airs_at_1": "21:00:00",
    }
    refused = client.post(add, fields)
    assert refused.status_code == 200
    assert "can&#x27;t come before the release first airs" in refused.content.decode()
    assert not Release.objects.filter(code="S3E06").exists()
    fields["airings-0-airs_at_0"] = "2026-12-11"
    assert client.post(add, fields).status_code == 302
    release = Release.objects.get(code="S3E06")
    assert list(release.airings.values_list("region", flat=True)) == ["UK"]
