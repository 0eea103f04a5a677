"""Who wrote an import's comments and articles: accounts of this site, found again every run.

* **Registered authors** (``AuthorRecord``, or a comment's ``author_login``)
  are matched to an existing account by email, then by username unless that
  account's email says it is someone else; otherwise an account is created
  with an unusable password.
* **Guests** become ``is_guest`` users named ``guest-<hash of name and
  email>``, so the same guest is found again on the next run; guests have no
  usable password and can't sign in. An empty name is "Anonymous".
* **Mentions**: ``@username`` in a body is linked when such a reader exists
  here, as for a posted comment, so a WXR export of this site imports back to
  the same HTML.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models.functions import Lower
from django.utils.crypto import get_random_string

from comments.importing.records import CommentRecord, Summary
from comments.sanitize import mentioned_names

# Keys per "which of these are stored already?" query.
LOOKUP_CHUNK = 5000
GUEST_BATCH_SIZE = 2000
ANONYMOUS = "Anonymous"
_USERNAME_INVALID = re.compile(r"[^\w.@+-]+")


class Authors:
    """The user ids of an import's authors, each looked up (or created) once per run."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.logins: dict[str, int] = {}  # lower-cased login -> user id
        self.guests: dict[str, int] = {}  # guest identity hash -> user id

    def registered(
        self,
        login: str,
        *,
        email: str = "",
        first_name: str = "",
        last_name: str = "",
        display_name: str = "",
    ) -> int:
        key = login.strip().lower()
        if key in self.logins:
            return self.logins[key]
        User = get_user_model()
        email = email.strip()[:254]
        users = User.objects.filter(is_guest=False).order_by("pk")
        user = users.filter(email__iexact=email).first() if email else None
        if user is None:
            user = users.filter(username__iexact=_clean_username(login)).first()
            if user is not None and email and user.email and user.email.lower() != email.lower():
                user = None  # same name, someone else
        if user is None:
            if not (first_name or last_name) and display_name.strip() != login.strip():
                first_name = " ".join(display_name.split())
            user = User(
                username=_free_username(_clean_username(login) or "author"),
                email=email,
                first_name=first_name[:150],
                last_name=last_name[:150],
            )
            user.set_unusable_password()
            user.save()
            self.summary.users += 1
        self.logins[key] = user.pk
        return user.pk

    def comment_authors(self, records: list[CommentRecord]) -> list[int]:
        """Each comment's author, in order; registered ones first, then every new guest at once."""
        found: list[int | str] = []  # a user id, or a guest's identity hash
        guests: dict[str, tuple[str, str]] = {}
        for record in records:
            author = self._comment_author(record)
            if isinstance(author, int):
                found.append(author)
            else:
                digest, name, email = author
                guests.setdefault(digest, (name, email))
                found.append(digest)
        self._guest_users(guests)
        return [self.guests[a] if isinstance(a, str) else a for a in found]

    def _comment_author(self, record: CommentRecord) -> tuple[str, str, str] | int:
        """A registered author's user id, or a guest's (identity hash, name, email)."""
        if record.author_login.strip():
            return self.registered(
                record.author_login, email=record.author_email, display_name=record.author_name
            )
        name = " ".join(record.author_name.split()) or ANONYMOUS
        email = record.author_email.strip()
        return (hashlib.sha256(f"{name}\n{email.lower()}".encode()).hexdigest(), name, email)

    def _guest_users(self, wanted: dict[str, tuple[str, str]]) -> None:
        """Find or create the guests in ``wanted`` (identity hash -> (name, email)), in bulk.

        A guest is ``guest-`` and 12 hex digits of the hash. Anyone may sign up
        with such a name, so only ``is_guest`` accounts are matched, and a name
        a reader already holds is passed over for a longer one: a sign-up can't
        collect a guest's comments.
        """
        User = get_user_model()
        missing = [digest for digest in wanted if digest not in self.guests]
        names = {digest: _guest_usernames(digest) for digest in missing}
        taken: dict[str, tuple[int, bool]] = {}
        candidates = [name for digest in missing for name in names[digest]]
        for start in range(0, len(candidates), LOOKUP_CHUNK):
            rows = User.objects.filter(username__in=candidates[start : start + LOOKUP_CHUNK])
            taken.update(
                (name, (pk, guest))
                for name, pk, guest in rows.values_list("username", "pk", "is_guest")
            )
        new: dict[str, Any] = {}  # identity hash -> the guest to create
        for digest in missing:
            held = [n for n in names[digest] if n in taken]
            guest = next((taken[n][0] for n in held if taken[n][1]), None)
            if guest is not None:
                self.guests[digest] = guest
                continue
            free = [n for n in names[digest] if n not in taken]
            name, email = wanted[digest]
            new[digest] = User(
                username=free[0] if free else f"guest-{digest[:12]}-{get_random_string(8).lower()}",
                first_name=name[:150],
                email=email[:254],
                is_guest=True,
                password=make_password(None),
            )
        User.objects.bulk_create(new.values(), batch_size=GUEST_BATCH_SIZE)
        self.guests.update((digest, user.pk) for digest, user in new.items())
        self.summary.guests += len(new)


def mention_urls(bodies: list[str]) -> dict[str, str]:
    """``@names`` in these bodies that name readers here -> their profile URLs, in one query.

    As ``comments.services`` decides for a posted comment: active, not a
    guest; of two spellings differing in case the exact one wins, else the older.
    """
    names: set[str] = set()
    for body in bodies:
        if "@" in body:
            names.update(mentioned_names(body))
    if not names:
        return {}
    found = {}
    users = (
        get_user_model()
        .objects.annotate(lower=Lower("username"))
        .filter(lower__in=names, is_active=True, is_guest=False)
        .order_by("pk")
    )
    for user in users:
        key = user.username.lower()
        if key not in found or user.username == key:
            found[key] = user
    return {key: user.get_absolute_url() for key, user in found.items()}


def _guest_usernames(digest: str) -> list[str]:
    """A guest's username, and the longer ones used when a reader holds it."""
    return [f"guest-{digest[:12]}", f"guest-{digest[:24]}", f"guest-{digest}"]


def _clean_username(login: str) -> str:
    """A login as Django accepts usernames (letters, digits and @.+-_), at most 150 characters."""
    return _USERNAME_INVALID.sub("_", login.strip()).strip("_")[:150]


def _free_username(wanted: str) -> str:
    User = get_user_model()
    name, n = wanted, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{wanted[:140]}-{n}"
    return name
