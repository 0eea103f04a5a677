"""Sign-up: as quiet as password reset about which addresses have accounts.

A sign-up never creates an account or logs anyone in by itself. Whether the
email address is new or already has an account, the requester sees the same
"check your email" page and the site does the same work (hash the password,
send one email). Only the address's owner learns which it was:

* a new address gets a link; following it creates the account and logs in;
* an address with an account gets "someone tried to sign up with your
  address", with links to log in and to reset the password.

The pending sign-up (``SignupRequest``) holds no username, so a stranger
can't probe addresses by trying the same username again either.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import SIGNUP_LINK_LIFETIME, SignupRequest, User
from accounts.usernames import username_problem
from articles.services import watched_replace

logger = logging.getLogger(__name__)

# Advisory lock (namespace, key) held while an account is created from a link,
# so two look-alike usernames can't both pass the check at the same moment.
LOCK_NAMESPACE_SIGNUP = 0x5349474E  # "SIGN"

EXPIRED = "This sign-up link has expired or was already used. Sign up again to get a new one."
EMAIL_TAKEN = (
    "An account with this email address already exists. Log in, or reset your password "
    "if you've forgotten it."
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send(*, template: str, email: str, context: dict) -> None:
    """Send one sign-up email; a mail outage is logged, never shown to the requester."""
    context = {**context, "site_url": settings.SITE_URL, "days": SIGNUP_LINK_LIFETIME.days}
    subject = " ".join(render_to_string(f"registration/{template}_subject.txt", context).split())
    try:
        send_mail(
            subject,
            render_to_string(f"registration/{template}_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    except OSError:
        logger.exception("Couldn't send the %s email", template)


def signup_request(*, username: str, email: str, password: str, next_url: str = "") -> None:
    """Start a sign-up for a form that passed validation. Says nothing back, on purpose."""
    now = timezone.now()
    SignupRequest.objects.filter(created_at__lt=now - SIGNUP_LINK_LIFETIME).delete()
    password_hash = make_password(password)  # in both cases, so both take as long
    owner = User.objects.filter(email__iexact=email).order_by("pk").first()
    if owner is not None:
        _send(
            template="signup_taken",
            email=owner.email,
            context={
                "owner": owner,
                "login_url": settings.SITE_URL + reverse("login"),
                "reset_url": settings.SITE_URL + reverse("password_reset"),
            },
        )
        return
    token = secrets.token_urlsafe(32)
    SignupRequest.objects.create(
        token_hash=_token_hash(token),
        username=username,
        email=email,
        password=password_hash,
        next_url=next_url,
        created_at=now,
    )
    _send(
        template="signup_confirm",
        email=email,
        context={
            "username": username,
            "confirm_url": settings.SITE_URL
            + reverse("accounts:signup-confirm", kwargs={"token": token}),
        },
    )


def _pending(token: str):
    """The pending sign-ups a link can stand for: its token's, if not expired."""
    cutoff = timezone.now() - SIGNUP_LINK_LIFETIME
    return SignupRequest.objects.filter(token_hash=_token_hash(token), created_at__gte=cutoff)


def signup_request_for_token(token: str) -> SignupRequest | None:
    """The pending sign-up a link stands for, or None when it is unknown or expired."""
    return _pending(token).first()


@dataclass(frozen=True)
class SignupOutcome:
    user: User | None
    problem: str = ""
    next_url: str = ""


@transaction.atomic
def signup_confirm(*, token: str) -> SignupOutcome:
    """Create the account a followed link asked for, if its name and address are still free.

    Whoever follows the link has the address's mail, so telling them the
    address now has an account reveals nothing new.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE_SIGNUP])
    pending = _pending(token).select_for_update().first()
    if pending is None:
        return SignupOutcome(user=None, problem=EXPIRED)
    pending.delete()
    if User.objects.filter(email__iexact=pending.email).exists():
        return SignupOutcome(user=None, problem=EMAIL_TAKEN)
    problem = username_problem(pending.username)
    if problem:
        return SignupOutcome(user=None, problem=f"{problem} Sign up again with another username.")
    user = User(username=pending.username, email=pending.email, password=pending.password)
    user.save()
    SignupRequest.objects.filter(email__iexact=pending.email).delete()
    return SignupOutcome(user=user, next_url=pending.next_url)


def spoiler_settings_save(*, user: User, region: str, watched) -> None:
    """Where the reader watches and what they've watched, saved together."""
    with transaction.atomic():
        if user.region != region:
            user.region = region
            user.save(update_fields=["region"])
        watched_replace(user=user, releases=watched)
