"""accounts.backends.UserBackend: the signed-in reader loaded by a prepared statement."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from accounts.backends import UserBackend
from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_reader_it_loads_is_the_one_the_orm_loads():
    reader = UserFactory(first_name="Ro", last_name="Laren", comment_sort="newest")
    loaded = UserBackend().get_user(reader.pk)
    assert isinstance(loaded, User)
    assert model_to_dict(loaded) == model_to_dict(User.objects.get(pk=reader.pk))
    assert loaded.display_name == "Ro Laren"
    loaded.first_name = "Ensign Ro"
    loaded.save(update_fields=["first_name"])  # a real row: it saves as one read by the ORM
    assert User.objects.get(pk=reader.pk).first_name == "Ensign Ro"


def test_nobody_for_a_missing_deactivated_or_garbled_id():
    gone = UserFactory()
    gone_pk = gone.pk
    gone.delete()
    inactive = UserFactory(is_active=False)
    backend = UserBackend()
    assert backend.get_user(gone_pk) is None
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user("not-an-id") is None


def test_logging_in_then_being_deactivated_signs_the_reader_out():
    reader = UserFactory()
    client = Client()
    answer = client.post(reverse("login"), {"username": reader.username, "password": PASSWORD})
    assert answer.status_code == 302
    assert get_user(client.get("/").wsgi_request).is_authenticated
    User.objects.filter(pk=reader.pk).update(is_active=False)
    assert not get_user(client.get("/").wsgi_request).is_authenticated
