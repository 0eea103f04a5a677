"""URL names are a contract with templates and other sites: they round-trip."""

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("articles:list", {}, "/"),
        ("articles:detail", {"slug": "trailer-day"}, "/articles/trailer-day/"),
        ("articles:tag", {"slug": "casting"}, "/tags/casting/"),
        ("comments:detail", {"pk": 7}, "/comments/7/"),
        ("comments:reply", {"pk": 7}, "/comments/7/reply/"),
        ("comments:create", {"slug": "trailer-day"}, "/articles/trailer-day/comments/"),
        ("accounts:signup", {}, "/accounts/signup/"),
        ("accounts:profile", {"username": "nova"}, "/users/nova/"),
        ("login", {}, "/accounts/login/"),
        ("logout", {}, "/accounts/logout/"),
        ("password_reset", {}, "/accounts/password_reset/"),
    ],
)
def test_url_round_trip(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).view_name == name
