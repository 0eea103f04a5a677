"""A reader's public profile and the settings page where they edit it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User
from articles.models import Article
from comments import services
from tests.factories import CommentFactory, UserFactory
from tests.helpers import add_likes

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/accounts/settings/"


def profile_url(user: User) -> str:
    return reverse("accounts:profile", kwargs={"username": user.username})


def settings_data(user: User, **changes) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "bio": user.bio,
        "email": user.email,
    }
    if user.email_notifications:
        data["email_notifications"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Profile -----------------------------------------------------------------


def test_profile_avatar_is_drawn_locally(client):
    reader = UserFactory(username="kira", first_name="Kira", last_name="Nerys")
    html = client.get(profile_url(reader)).content.decode()
    assert re.search(
        r'<span class="avatar avatar--h\d+ avatar--large" aria-hidden="true">KN</span>', html
    )
    assert "gravatar" not in html.lower()
    external_images = re.findall(r'<img[^>]+src="(?:https?:)?//', html)
    assert external_images == []


def test_avatar_colour_is_stable_per_reader(client):
    reader = UserFactory(username="odo")
    first = re.search(
        r'class="avatar (avatar--h\d+) avatar--large"',
        client.get(profile_url(reader)).content.decode(),
    )
    again = re.search(
        r'class="avatar (avatar--h\d+) avatar--large"',
        client.get(profile_url(reader)).content.decode(),
    )
    assert first.group(1) == again.group(1) == f"avatar--h{reader.avatar_hue}"


def test_profile_shows_bio_join_date_and_totals(client):
    reader = UserFactory(username="quark", bio="Ferengi businessman.\nRules of Acquisition fan.")
    joined = timezone.now() - timedelta(days=400)
    User.objects.filter(pk=reader.pk).update(date_joined=joined)
    first = add_likes(CommentFactory(author=reader, body="Buy low"), 3)
    add_likes(CommentFactory(author=reader, body="Sell high"), 2)
    CommentFactory(author=reader, body="Latinum!")
    html = client.get(profile_url(first.author)).content.decode()
    assert "Ferengi businessman.<br>Rules of Acquisition fan." in html
    assert f'Joined <time datetime="{date_format(timezone.localtime(joined), "c")}">' in html
    assert date_format(timezone.localtime(joined), "F j, Y") in html
    assert 'id="stat-comments">3<' in html
    assert 'id="stat-likes">5<' in html


def test_bio_is_shown_as_text_not_html(client):
    reader = UserFactory(bio='<script>alert("hi")</script><b>bold</b>')
    html = client.get(profile_url(reader)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_recent_comments_newest_first_without_withdrawn_or_unpublished(client):
    reader = UserFactory()
    older = CommentFactory(
        author=reader, body="older words", created_at=timezone.now() - timedelta(days=2)
    )
    newer = CommentFactory(author=reader, body="newer words")
    withdrawn = CommentFactory(author=reader, body="withdrawn words")
    services.comment_delete(comment=withdrawn, user=reader)
    hidden = CommentFactory(author=reader, body="words on a pulled article")
    Article.objects.filter(pk=hidden.article_id).update(status=Article.Status.DRAFT)
    html = client.get(profile_url(reader)).content.decode()
    assert html.index("newer words") < html.index("older words")
    assert "withdrawn words" not in html
    assert "words on a pulled article" not in html
    assert f'href="{reverse("comments:detail", kwargs={"pk": newer.pk})}"' in html
    assert f'href="{older.article.get_absolute_url()}"' in html
    assert 'id="stat-comments">3<' in html  # deleted ones don't count; the pulled one still does


def test_likes_received_only_counts_likes_on_their_comments(client):
    reader = UserFactory()
    add_likes(CommentFactory(author=reader), 2)
    add_likes(CommentFactory(), 4)  # someone else's
    html = client.get(profile_url(reader)).content.decode()
    assert 'id="stat-likes">2<' in html


def test_profile_without_comments(client):
    reader = UserFactory()
    html = client.get(profile_url(reader)).content.decode()
    assert 'id="stat-comments">0<' in html
    assert 'id="stat-likes">0<' in html
    assert "No comments yet." in html


def test_inactive_readers_have_no_profile(client):
    reader = UserFactory(is_active=False)
    assert client.get(profile_url(reader)).status_code == 404


def test_own_profile_links_to_settings(client_logged_in, user):
    assert f'href="{SETTINGS_URL}"' in client_logged_in.get(profile_url(user)).content.decode()
    someone = UserFactory()
    html = client_logged_in.get(profile_url(someone)).content.decode()
    assert "Edit your profile and email settings" not in html


def test_comment_author_links_to_the_profile(client, article):
    comment = CommentFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<a class="comment__author" href="{profile_url(comment.author)}">' in html


# --- Settings ----------------------------------------------------------------


def test_settings_url_name():
    assert reverse("accounts:settings") == SETTINGS_URL


def test_settings_need_a_login(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(SETTINGS_URL, {"bio": "sneaky"})
    assert response.status_code == 302


def test_settings_page_shows_the_current_values(client_logged_in, user):
    User.objects.filter(pk=user.pk).update(first_name="Jadzia", bio="Joined Trill")
    response = client_logged_in.get(SETTINGS_URL)
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("first_name", "last_name", "bio", "email", "email_notifications"):
        assert f'name="{name}"' in html
    assert 'value="Jadzia"' in html
    assert "Joined Trill</textarea>" in html
    assert f'value="{user.email}"' in html
    assert "gravatar" not in html.lower()
    assert re.search(r'<span class="avatar avatar--h\d+ avatar--large"', html)


def test_settings_save_name_bio_email_and_notifications(client_logged_in, user):
    response = client_logged_in.post(
        SETTINGS_URL,
        settings_data(
            user,
            first_name="Julian",
            last_name="Bashir",
            bio="Doctor on DS9",
            email="julian@example.org",
            email_notifications="on",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.bio, user.email) == (
        "Julian",
        "Bashir",
        "Doctor on DS9",
        "julian@example.org",
    )
    assert user.email_notifications is True
    assert "Your settings are saved." in unescape(
        client_logged_in.get(SETTINGS_URL).content.decode()
    )

    html = client_logged_in.get(profile_url(user)).content.decode()
    assert "Julian Bashir" in html
    assert "Doctor on DS9" in html
    assert ">JB</span>" in html


def test_unticking_turns_emails_off(client_logged_in, user):
    User.objects.filter(pk=user.pk).update(email_notifications=True)
    user.refresh_from_db()
    data = settings_data(user)
    del data["email_notifications"]
    client_logged_in.post(SETTINGS_URL, data)
    user.refresh_from_db()
    assert user.email_notifications is False


def test_opting_in_without_an_email_is_a_clear_error(client_logged_in, user):
    response = client_logged_in.post(
        SETTINGS_URL, settings_data(user, email="", email_notifications="on", bio="changed")
    )
    assert response.status_code == 400
    assert "Add an email address to get notification emails." in unescape(response.content.decode())
    user.refresh_from_db()
    assert user.email_notifications is False
    assert user.email != ""
    assert user.bio == ""


def test_email_can_be_removed_when_not_opted_in(client_logged_in, user):
    response = client_logged_in.post(SETTINGS_URL, settings_data(user, email=""))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"bio": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_invalid_settings_are_refused(client_logged_in, user, changes, message):
    response = client_logged_in.post(SETTINGS_URL, settings_data(user, **changes))
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    user.refresh_from_db()
    assert user.bio == ""


def test_email_taken_by_another_account_is_refused(client_logged_in, user):
    UserFactory(email="taken@example.org")
    response = client_logged_in.post(SETTINGS_URL, settings_data(user, email="TAKEN@example.org"))
    assert response.status_code == 400
    assert "Another account already uses this email." in response.content.decode()


def test_settings_cannot_change_username_or_staff_flags(client_logged_in, user):
    client_logged_in.post(
        SETTINGS_URL, settings_data(user, username="admin", is_staff="on", is_superuser="on")
    )
    user.refresh_from_db()
    assert user.username != "admin"
    assert not user.is_staff
    assert not user.is_superuser


def test_settings_post_is_csrf_protected(user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(SETTINGS_URL, settings_data(user, bio="forged"))
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.bio == ""


def test_profile_page_query_count_does_not_grow(client, django_assert_num_queries):
    reader = UserFactory()
    CommentFactory(author=reader)
    # The user, their recent comments with articles, their comment and like totals.
    with django_assert_num_queries(3):
        client.get(profile_url(reader))
    for _ in range(25):
        add_likes(CommentFactory(author=reader), 1)
    with django_assert_num_queries(3):
        response = client.get(profile_url(reader))
    assert response.content.decode().count('class="recent-comment"') == 20
