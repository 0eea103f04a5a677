"""Sign-up under a hostile reader (issue 13, points 2, 6, 7 and 8).

Every test posts through the real views and checks what the reader sees:
the status, the words on the page, the email sent, and what was stored.
"""

from __future__ import annotations

import html
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from accounts.models import SignupRequest, User
from accounts.usernames import username_problem, username_skeletons
from tests.factories import UserFactory
from trekboard.text import has_visible_character

pytestmark = pytest.mark.django_db

PASSWORD = "warp-Nine-engage-42"
SIGNUP = "/accounts/signup/"
SENT = "/accounts/signup/sent/"
TAKEN = "A user with that username already exists."
RESERVED = "That username is reserved. Choose another."
RESERVED_GUEST = "Usernames starting with “guest-” are reserved for imported guest commenters."
MIXED = "A username can't mix Latin, Cyrillic and Greek letters"
INVISIBLE_USERNAME = "Choose a username with at least one visible character."
INVISIBLE_TEXT = "This has no visible characters, only spaces or invisible ones."
EXPIRED = "This sign-up link has expired or was already used."


def _lookalike(existing: str) -> str:
    return f"That username looks too much like “{existing}”, an existing account. Choose another."


def _post_signup(client, username="nova", email="nova@example.org", **extra):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(SIGNUP, {**data, **extra})


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _link(message) -> str:
    """The path of the confirmation link in a sign-up email."""
    match = re.search(
        re.escape(settings.SITE_URL) + r"(/accounts/signup/confirm/[\w-]+/)", message.body
    )
    assert match, message.body
    return match.group(1)


@pytest.fixture
def editor():
    return UserFactory(username="editor", email="editor@example.org")


# --- Point 8: a normal sign-up, through the emailed link ------------------------


def test_signup_emails_a_link_and_creates_the_account_only_when_it_is_followed(client):
    response = _post_signup(client)
    assert response.status_code == 302
    assert response["Location"] == SENT
    assert "Check your email" in _text(client.get(SENT))
    assert not User.objects.filter(username="nova").exists()
    assert "Log out" not in _text(client.get("/"))

    [message] = mail.outbox
    assert message.to == ["nova@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Finish signing up for Trekboard"
    assert "username nova" in message.body
    link = _link(message)

    page = client.get(link)  # what a mail scanner does: nothing is created
    assert page.status_code == 200
    assert "Create the account nova for nova@example.org?" in re.sub(r"<[^>]+>", "", _text(page))
    assert not User.objects.filter(username="nova").exists()

    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = _text(client.get("/"))
    assert "Log out" in home
    assert "Welcome, nova. Your account is ready." in home
    user = User.objects.get(username="nova")
    assert user.email == "nova@example.org"
    assert user.check_password(PASSWORD)
    assert not SignupRequest.objects.exists()


def test_a_used_or_unknown_link_says_so(client):
    _post_signup(client)
    link = _link(mail.outbox[0])
    client.post(link)
    client.post(reverse("logout"))

    again = client.post(link)
    assert again.status_code == 400
    assert EXPIRED in _text(again)
    assert User.objects.filter(username="nova").count() == 1
    unknown = client.get("/accounts/signup/confirm/not-a-token/")
    assert unknown.status_code == 404
    assert EXPIRED in _text(unknown)


def test_an_expired_link_creates_nothing(client):
    _post_signup(client)
    SignupRequest.objects.update(created_at=timezone.now() - timedelta(days=4))
    link = _link(mail.outbox[0])
    assert client.get(link).status_code == 404
    response = client.post(link)
    assert response.status_code == 400
    assert EXPIRED in _text(response)
    assert not User.objects.filter(username="nova").exists()


def test_the_link_returns_to_next(client, article):
    target = article.get_absolute_url()
    _post_signup(client, next=target)
    response = client.post(_link(mail.outbox[0]))
    assert response["Location"] == target


def test_the_link_ignores_an_offsite_next(client):
    _post_signup(client, next="https://evil.example/")
    response = client.post(_link(mail.outbox[0]))
    assert response["Location"] == "/"


def test_the_first_link_followed_gets_the_username(client):
    _post_signup(client, email="first@example.org")
    _post_signup(client, email="second@example.org")
    first, second = (_link(message) for message in mail.outbox)
    assert client.post(second).status_code == 302
    client.post(reverse("logout"))
    response = client.post(first)
    assert response.status_code == 400
    assert TAKEN in _text(response)
    assert User.objects.get(username="nova").email == "second@example.org"


def test_a_link_for_an_address_that_got_an_account_meanwhile_makes_none(client):
    _post_signup(client)
    UserFactory(username="other", email="NOVA@example.org")
    response = client.post(_link(mail.outbox[0]))
    assert response.status_code == 400
    assert "An account with this email address already exists" in _text(response)
    assert not User.objects.filter(username="nova").exists()


def test_a_taken_email_looks_exactly_like_a_new_one(client, editor):
    new = _post_signup(client, username="nova", email="nova@example.org")
    new_page = client.get(new["Location"])
    taken = _post_signup(client, username="nova2", email="EDITOR@example.org")
    taken_page = client.get(taken["Location"])

    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert (taken_page.status_code, taken_page.content) == (new_page.status_code, new_page.content)
    assert "Log out" not in _text(client.get("/"))
    assert User.objects.count() == 1
    assert list(SignupRequest.objects.values_list("username", flat=True)) == ["nova"]

    owner_mail = mail.outbox[-1]
    assert owner_mail.to == ["editor@example.org"]
    assert owner_mail.subject == "Someone tried to sign up for Trekboard with your address"
    assert "no new account was made" in owner_mail.body
    assert settings.SITE_URL + reverse("login") in owner_mail.body
    assert settings.SITE_URL + reverse("password_reset") in owner_mail.body
    assert "/accounts/signup/confirm/" not in owner_mail.body


def test_a_taken_email_doesnt_hold_the_username_either(client, editor):
    """Trying the same username again must not tell whether the first address was new."""
    _post_signup(client, username="prober", email="editor@example.org")
    response = _post_signup(client, username="prober", email="fresh@example.org")
    assert response.status_code == 302
    _post_signup(client, username="prober2", email="fresh2@example.org")
    response = _post_signup(client, username="prober2", email="fresh3@example.org")
    assert response.status_code == 302


def test_signup_page_never_says_an_email_is_taken(client, editor):
    taken = _post_signup(client, username="nova", email="editor@example.org", password2="x")
    fresh = _post_signup(client, username="nova", email="fresh@example.org", password2="x")
    assert taken.status_code == fresh.status_code == 400
    assert taken.context["form"].errors == fresh.context["form"].errors
    assert "already exists" not in _text(taken)
    assert not mail.outbox


# --- Point 2: existing usernames, any case or width: the form, never a 500 ------


FULL_WIDTH_EDITOR = "\uff45\uff44\uff49\uff54\uff4f\uff52"


@pytest.mark.parametrize("username", ["editor", "Editor", "EDITOR", FULL_WIDTH_EDITOR])
def test_an_existing_username_in_any_case_is_refused(client, editor, username):
    response = _post_signup(client, username=username, email="fresh@example.org")
    assert response.status_code == 400
    assert TAKEN in _text(response)
    assert User.objects.count() == 1
    assert not mail.outbox


def test_a_dotless_i_spelling_of_an_existing_username_is_refused(client, editor):
    response = _post_signup(client, username="ed\u0131tor", email="fresh@example.org")
    assert response.status_code == 400
    assert _lookalike("editor") in _text(response)
    assert not mail.outbox


# --- Point 7: look-alikes and reserved names ------------------------------------


@pytest.mark.parametrize(
    ("username", "existing"),
    [
        ("\u0435ditor", "editor"),  # Cyrillic e
        ("edit\u043er", "editor"),  # Cyrillic o
        ("\u0415DITOR", "editor"),  # Cyrillic capital E
        ("edltor", None),  # not a look-alike of editor: allowed
        ("MichaeI", "michael"),  # capital I passes for l
    ],
)
def test_lookalikes_of_existing_accounts_are_refused(client, editor, username, existing):
    UserFactory(username="michael", email="michael@example.org")
    response = _post_signup(client, username=username, email="fresh@example.org")
    if existing is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert _lookalike(existing) in _text(response)
    assert not mail.outbox
    assert not SignupRequest.objects.exists()


@pytest.mark.parametrize(
    "username",
    [
        "admin",
        "ADMIN",
        "\u0430dmin",
        "moderat\u043er",
        "Administrator",
        "m0derator",
        "Trekboard",
        "r00t",
        "support",
    ],
)
def test_reserved_names_are_refused(client, username):
    UserFactory(username="moderator")  # an account, yet its look-alikes are still reserved
    response = _post_signup(client, username=username, email="fresh@example.org")
    assert response.status_code == 400
    assert RESERVED in _text(response)
    assert not mail.outbox


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("guest-abc", RESERVED_GUEST),
        ("Guest-abc123", RESERVED_GUEST),
        ("\uff47\uff55\uff45\uff53\uff54-abc", RESERVED_GUEST),
        ("g\u0443est-abc", MIXED),  # Cyrillic u: reads as guest among Latin letters
        ("gu\u0435st-abc", RESERVED_GUEST),  # Cyrillic e
    ],
)
def test_the_guest_prefix_is_refused_in_every_disguise(client, username, message):
    response = _post_signup(client, username=username, email="fresh@example.org")
    assert response.status_code == 400
    assert message in _text(response)
    assert not mail.outbox


def test_a_single_script_username_in_cyrillic_or_greek_is_fine(client):
    assert _post_signup(client, username="\u0438\u0432\u0430\u043d").status_code == 302
    assert (
        _post_signup(client, username="\u03bd\u03b9\u03ba\u03b7", email="n@e.org").status_code
        == 302
    )


def test_a_lookalike_of_an_account_created_after_the_signup_is_refused_at_the_link(client):
    _post_signup(client, username="nova")
    UserFactory(
        username="n\u043eva"
    )  # Cyrillic o, in Cyrillic and Latin? No: allowed by admin data
    response = client.post(_link(mail.outbox[0]))
    assert response.status_code == 400
    assert _lookalike("n\u043eva") in _text(response)
    assert not User.objects.filter(username="nova").exists()


def test_staff_adding_a_user_in_the_admin_get_the_same_rule(admin_client, editor):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "\u0435ditor",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert _lookalike("editor") in _text(response)
    assert not User.objects.filter(username="\u0435ditor").exists()
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newstaff",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newstaff").username_skeletons == ["newstaff"]


def test_skeletons_follow_the_username_on_every_write():
    user = UserFactory(username="Iris")
    assert user.username_skeletons == ["iris", "lris"]
    user.username = "nova"
    user.save(update_fields=["username"])
    user.refresh_from_db()
    assert user.username_skeletons == ["nova"]
    [bulk] = User.objects.bulk_create([User(username="gu\u0435st-1")])
    bulk.refresh_from_db()
    assert bulk.username_skeletons == ["guest-l"]  # 1 passes for l


def test_the_migration_fills_in_existing_accounts():
    UserFactory(username="\u0435ditor")
    User.objects.update(username_skeletons=[])
    migration = importlib.import_module("accounts.migrations.0005_signup_hardening")
    migration.fill_skeletons(apps, None)
    assert User.objects.get().username_skeletons == ["editor"]
    assert username_problem("editor") == _lookalike("\u0435ditor")


def test_the_lookalike_check_is_one_query_however_many_accounts(django_assert_num_queries):
    for n in range(30):
        UserFactory(username=f"reader{n}")
    with django_assert_num_queries(1):
        assert username_problem("readerl") == _lookalike("reader1")
    assert username_skeletons("reader1") == ["readerl"]


# --- Point 6: nothing but invisible characters ----------------------------------


@pytest.mark.parametrize("text", ["\u200b\u200b\ufeff", "\u3164", "\u2800\u00a0", "\u202e\u2060"])
def test_invisible_text_has_no_visible_character(text):
    assert not has_visible_character(text)


@pytest.mark.parametrize("text", ["a", "\u200bx", "🖖", "\u0438", ".", "\u0301a"])
def test_visible_text_has_one(text):
    assert has_visible_character(text)


def test_an_invisible_username_is_refused(client):
    response = _post_signup(client, username="\u200b\u200b\ufeff")
    assert response.status_code == 400
    assert INVISIBLE_USERNAME in _text(response)
    assert not mail.outbox


@pytest.mark.parametrize("field", ["first_name", "last_name", "bio"])
def test_invisible_names_and_bios_are_refused_in_settings(client, user, field):
    client.force_login(user)
    data = {"first_name": "Ro", "last_name": "Laren", "email": user.email, "bio": "Hi"}
    response = client.post("/accounts/settings/", {**data, field: "\u200b\u200b\ufeff"})
    assert response.status_code == 400
    assert INVISIBLE_TEXT in _text(response)
    user.refresh_from_db()
    assert getattr(user, field) == ""
    response = client.post("/accounts/settings/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.bio) == ("Ro", "Laren", "Hi")


# --- Methods ------------------------------------------------------------------


def test_head_answers_like_get_and_other_methods_are_405(client, user):
    assert client.head(SIGNUP).status_code == 200
    assert client.head(SENT).status_code == 200
    for method in (client.put, client.delete):
        assert method(SIGNUP).status_code == 405
        assert method(SENT).status_code == 405
    client.force_login(user)
    assert client.head("/accounts/settings/").status_code == 200
    assert client.put("/accounts/settings/").status_code == 405
    assert client.delete("/accounts/settings/").status_code == 405


# --- Whatever arrives --------------------------------------------------------------

_field = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["editor", "EDITOR", "\u0435ditor", "admin", "guest-x", "\u200b", "", " "]),
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    username=_field,
    email=st.one_of(
        st.emails(),
        st.text(max_size=30),
        st.sampled_from(["editor@example.org", "EDITOR@EXAMPLE.ORG"]),
    ),
    password1=st.one_of(st.text(max_size=30), st.just(PASSWORD)),
    password2=st.one_of(st.text(max_size=30), st.just(PASSWORD)),
)
def test_signup_never_fails_whatever_arrives(
    client, editor, settings, username, email, password1, password2
):
    # Sixty sign-ups from one address would trip its rate limit (a 429, tested
    # in tests/test_rate_limits.py); this is about what the form makes of them.
    settings.RATE_LIMITS = {}
    users, pending, sent = User.objects.count(), SignupRequest.objects.count(), len(mail.outbox)
    response = client.post(
        SIGNUP,
        {"username": username, "email": email, "password1": password1, "password2": password2},
    )
    assert response.status_code < 500
    assert response.status_code in (302, 400)
    assert User.objects.count() == users  # a sign-up alone never makes an account
    assert SignupRequest.objects.count() - pending <= 1
    assert len(mail.outbox) - sent == (1 if response.status_code == 302 else 0)
    if response.status_code == 302:
        assert response["Location"] == SENT
