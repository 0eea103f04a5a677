"""Readers change their password on a page of the site, linked from Settings (issue 12, point 6)."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def test_settings_links_to_the_sites_own_password_page(client_logged_in):
    settings_page = text(client_logged_in.get(reverse("accounts:settings")))
    assert f'href="{reverse("password_change")}"' in settings_page
    page = text(client_logged_in.get(reverse("password_change")))
    assert "<h1>Change your password</h1>" in page
    assert "Django administration" not in page
    assert 'class="skip-link"' in page  # the site's own layout, header and all
    assert "Current password" in page or "Old password" in page


def test_changing_the_password_keeps_the_reader_signed_in(client_logged_in, user):
    response = client_logged_in.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Warp-Factor-Nine-99",
            "new_password2": "Warp-Factor-Nine-99",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Your password is changed" in text(response)
    assert "Django administration" not in text(response)
    user.refresh_from_db()
    assert user.check_password("Warp-Factor-Nine-99")
    assert client_logged_in.get(reverse("accounts:settings")).status_code == 200


def test_a_wrong_current_password_is_said_in_the_form(client_logged_in, user):
    response = client_logged_in.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Warp-9-x", "new_password2": "Warp-9-x"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in text(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_logged_out_readers_are_sent_to_log_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
