"""API tokens: made, used and revoked here, and nowhere else.

A request that carries ``Authorization: Bearer <key>`` is that reader's,
whatever cookies come with it (``token_user`` below; the middleware applies
it). Such a request can't be forged by another site: browsers never add the
header by themselves, which is why it is exempt from the CSRF check that
session requests go through.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ApiToken, User

PREFIX = "tb_"
EMBED_LIFETIME = timedelta(days=30)
MAX_PERSONAL = 20
# A token's last use is written at most this often, not on every request.
_USE_RESOLUTION = timedelta(minutes=5)


def _new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(*, user: User, name: str, kind: str = ApiToken.Kind.PERSONAL) -> str:
    """Make a token and return its key: the only time the key is seen."""
    name = " ".join(str(name).split())[:60]
    if kind == ApiToken.Kind.PERSONAL:
        if not name:
            raise ValidationError("Give the token a name, so you know later what it is for.")
        # Counted under a lock on the reader, so two tabs can't pass the cap together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if user.api_tokens.filter(kind=kind).count() >= MAX_PERSONAL:
            raise ValidationError(
                f"You have {MAX_PERSONAL} tokens already. Revoke one you no longer use first."
            )
    key = _new_key()
    ApiToken.objects.create(
        user=user,
        kind=kind,
        name=name or "Discussion widget",
        key_hash=ApiToken.hash_of(key),
        prefix=key[: len(PREFIX) + 6],
        expires_at=timezone.now() + EMBED_LIFETIME if kind == ApiToken.Kind.EMBED else None,
    )
    return key


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the reader's own tokens; False when it isn't theirs (or is gone)."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_token_revoke_key(*, key: str) -> bool:
    """Revoke the token a request signed in with (the widget's "Sign out")."""
    deleted, _ = ApiToken.objects.filter(key_hash=ApiToken.hash_of(key)).delete()
    return bool(deleted)


def bearer_key(request: HttpRequest) -> str | None:
    """The key of an ``Authorization: Bearer`` header: None without one, "" for one that
    can't be a key.

    Only the Bearer scheme: a browser sends Basic by itself to a site behind a
    password prompt (a staging server), and that must change nothing.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    key = key.strip()
    return key if key.startswith(PREFIX) and len(key) <= 100 else ""


def token_user(key: str) -> User | None:
    """The active reader a key belongs to, or None for an unknown, expired or revoked key."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_of(key), user__is_active=True)
        .first()
    )
    if token is None or token.is_expired:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
