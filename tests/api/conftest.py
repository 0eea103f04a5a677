from __future__ import annotations

import pytest
from django.test import Client

from accounts.tokens import api_token_create


@pytest.fixture
def token_client():
    """A client for ``user`` that signs in with a personal API token, never the session."""

    def make(user) -> Client:
        key = api_token_create(user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


def problem(response, status: int) -> dict:
    """The RFC 9457 body of an error answer, after checking its status and type."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body
