"""Sign up, log in, log out, password reset and the profile page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "warp-Nine-engage-42"


def _follow_signup_link(client):
    """Open the emailed sign-up link and press its button, as the reader does."""
    link = re.search(r"/accounts/signup/confirm/[\w-]+/", mail.outbox[-1].body).group(0)
    return client.post(link)


def test_signup_creates_account_and_logs_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "nova",
            "email": "nova@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup-sent")
    assert _follow_signup_link(client).status_code == 302
    user = User.objects.get(username="nova")
    assert user.email == "nova@example.org"
    page = client.get("/").content.decode()
    assert "Log out" in page
    assert ">nova<" in page


def test_signup_returns_to_next(client, article):
    client.post(
        reverse("accounts:signup") + f"?next={article.get_absolute_url()}",
        {
            "username": "nova",
            "email": "nova@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": article.get_absolute_url(),
        },
    )
    assert _follow_signup_link(client)["Location"] == article.get_absolute_url()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "x", "javascript:alert(1)"])
def test_signup_refuses_offsite_next(client, next_url):
    client.post(
        reverse("accounts:signup"),
        {
            "username": "nova",
            "email": "nova@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": next_url,
        },
    )
    assert _follow_signup_link(client)["Location"] == "/"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password1": "123", "password2": "123"}, "This password is too short"),
        ({"password1": "password", "password2": "password"}, "This password is too common"),
        ({"password2": "different-Pass-99"}, "The two password fields didn"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
    ],
)
def test_signup_validation_messages(client, fields, message):
    data = {
        "username": "nova",
        "email": "nova@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="nova").exists()


def test_signup_with_a_taken_email_is_quiet(client, user):
    """As quiet as password reset: the same page, and the address's owner is told."""
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "another",
            "email": user.email.upper(),
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == reverse("accounts:signup-sent")
    assert "already" not in client.get(response["Location"]).content.decode()
    assert not User.objects.filter(username="another").exists()
    assert mail.outbox[-1].to == [user.email]


def test_login_and_logout(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-Trekboard-123"}
    )
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert "Log in" in client.get("/").content.decode()


def test_wrong_password_says_so(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_reset_sends_email_with_link(client, user):
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your Trekboard password"
    assert "/accounts/reset/" in message.body


def test_profile_lists_recent_comments(client):
    reader = UserFactory(username="kestrel", first_name="Kes", last_name="Trel")
    article = ArticleFactory(title="Episode 4 review")
    CommentFactory(article=article, author=reader, body="Best episode so far")
    html = client.get(reverse("accounts:profile", kwargs={"username": "kestrel"})).content.decode()
    assert "Kes Trel" in html
    assert "Best episode so far" in html
    assert "Episode 4 review" in html
    assert 'id="stat-comments">1<' in html
    assert 'id="stat-likes">0<' in html


def test_profile_of_unknown_user_is_404(client):
    assert client.get("/users/nobody-here/").status_code == 404


def test_profile_query_count_is_fixed(client, django_assert_num_queries):
    reader = UserFactory(username="kestrel")
    for _ in range(5):
        CommentFactory(author=reader)
    # The user, their recent comments with articles, their comment and like totals.
    with django_assert_num_queries(3):
        response = client.get(reverse("accounts:profile", kwargs={"username": "kestrel"}))
    assert 'id="stat-comments">5<' in response.content.decode()


def test_imported_guests_have_no_profile_and_no_link(client, article):
    guest = UserFactory(username="guest-1a2b3c", first_name="Mr WordPress", is_guest=True)
    CommentFactory(article=article, author=guest, body="Hi, this is a comment.")
    assert (
        client.get(reverse("accounts:profile", kwargs={"username": guest.username})).status_code
        == 404
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Mr WordPress" in html
    assert guest.get_absolute_url() not in html
    assert ">Guest<" in html


def test_signup_refuses_the_guest_prefix(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "Guest-abc123",
            "email": "poser@example.org",
            "password1": "pw-Trekboard-123",
            "password2": "pw-Trekboard-123",
        },
    )
    assert response.status_code == 400
    assert "reserved" in response.content.decode()
