"""What the demo's readers say: an original corpus in the fandom's voice.

Readers type the way readers do: shorthand (``**bold**``, ``*italic*``,
``> quote``, `` `code` ``), bare links, emoji, one-word replies and the odd
essay. The text exercises every path of ``comments.sanitize`` on real-looking
content, not just on unit-test strings.

The text itself is data, in ``lines.toml`` beside this module, read once at
import; this module names its parts and says which article draws on which.
Pools by topic feed top-level comments; ``REPLIES`` and ``SHORT_REPLIES``
answer anything. ``THREADS`` are scripted conversations that need an order
(an argument, a running joke); each entry is ``(depth, username, body)`` in
reading order, and an entry replies to the nearest earlier entry one level up.
``LATE_THREADS`` are still going when the demo is loaded.

The reader features have their own material: spoilers in both syntaxes
(``||text||`` and ``[spoiler]text[/spoiler]``), ``@mentions``, a question
that draws more replies than a page shows at once, and the comments readers
later edit, delete or flag (``EDITS``, ``DELETED_BY_AUTHOR``, ``FLAGS``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from typing import Any

ScriptedThread = tuple[tuple[int, str, str], ...]

_CORPUS: dict[str, Any] = tomllib.loads(
    files(__package__).joinpath("lines.toml").read_text(encoding="utf-8")
)
_TEXTS: dict[str, str] = _CORPUS["texts"]


def _pool(name: str) -> tuple[str, ...]:
    return tuple(_CORPUS["pools"][name])


def _entries(entries: list[list[Any]]) -> ScriptedThread:
    # ``{ text = NAME }`` quotes a named text, which an edit, a deletion or a flag also quotes.
    return tuple(
        (depth, author, _TEXTS[body["text"]] if isinstance(body, dict) else body)
        for depth, author, body in entries
    )


def _thread(name: str) -> ScriptedThread:
    return _entries(_CORPUS["threads"][name])


def _questions(name: str) -> tuple[ScriptedThread, ...]:
    return tuple(_entries(thread) for thread in _CORPUS["questions"][name])


# Top-level comments by topic; GENERAL fits under any Meridian article.
GENERAL = _pool("GENERAL")
LEAD = _pool("LEAD")
LEAD_QUICK = _pool("LEAD_QUICK")
REVIEW = _pool("REVIEW")
RUMOUR = _pool("RUMOUR")
EXPLAINER = _pool("EXPLAINER")
PREMIERE = _pool("PREMIERE")
CONVENTION = _pool("CONVENTION")
REPLIES = _pool("REPLIES")
SHORT_REPLIES = _pool("SHORT_REPLIES")

CANON_ARGUMENT = _thread("CANON_ARGUMENT")
PROPS_THREAD = _thread("PROPS_THREAD")
ABROAD_THREAD = _thread("ABROAD_THREAD")
PUN_CHAIN = _thread("PUN_CHAIN")
ESSAY_THREAD = _thread("ESSAY_THREAD")
REVIEW_THREAD = _thread("REVIEW_THREAD")
RUMOUR_THREAD = _thread("RUMOUR_THREAD")

# An empty username lets the planner pick a reader (whoever happened to know).
EXPLAINER_QA = _questions("EXPLAINER_QA")
PREMIERE_QA = _questions("PREMIERE_QA")
RUMOUR_QA = _questions("RUMOUR_QA")
CONVENTION_QA = _questions("CONVENTION_QA")

# Reader features.
FIRST_SHOW_POLL = _thread("FIRST_SHOW_POLL")
FINALE_SPOILERS = _thread("FINALE_SPOILERS")
RECYCLED_FOOTAGE: str = _TEXTS["RECYCLED_FOOTAGE"]
RECYCLED_THREAD = _thread("RECYCLED_THREAD")
LEAKED_TITLES: str = _TEXTS["LEAKED_TITLES"]
LEAK_THREAD = _thread("LEAK_THREAD")
BEACONFEST_TICKET: str = _TEXTS["BEACONFEST_TICKET"]
TICKET_THREAD = _thread("TICKET_THREAD")
CHAIR_COUNT = _thread("CHAIR_COUNT")
STAR_CHART_REQUEST = _thread("STAR_CHART_REQUEST")
REVIEW_SPOILERS = _thread("REVIEW_SPOILERS")
COUSIN_SOURCE: str = _TEXTS["COUSIN_SOURCE"]
RUMOUR_RETRACTED = _thread("RUMOUR_RETRACTED")


@dataclass(frozen=True)
class LateThread:
    """A conversation still going when the demo is loaded: it starts ``ago`` before then."""

    ago: timedelta
    thread: ScriptedThread


EDITOR_UPDATE = _thread("EDITOR_UPDATE")
SPOILER_FREE_REQUEST = _thread("SPOILER_FREE_REQUEST")
TRAILER_LINK = _thread("TRAILER_LINK")
STAR_CHART: str = _TEXTS["STAR_CHART"]
STAR_CHART_EDITED: str = _TEXTS["STAR_CHART_EDITED"]
STAR_CHART_THREAD = _thread("STAR_CHART_THREAD")

# What readers did to a comment after posting it, by its exact text (which
# must appear once among the scripted threads).
EDITS: dict[str, str] = {STAR_CHART: STAR_CHART_EDITED}
DELETED_BY_AUTHOR: tuple[str, ...] = (RECYCLED_FOOTAGE, COUSIN_SOURCE)
# (flagged text, reader, reason, what they told the moderators)
FLAGS: tuple[tuple[str, str, str, str], ...] = tuple(
    (_TEXTS[flag["comment"]], flag["reader"], flag["reason"], flag["note"])
    for flag in _CORPUS["flags"]
)

TOPICS: dict[str, tuple[str, ...]] = {
    "trailer": LEAD + LEAD_QUICK,
    "review": REVIEW,
    "rumour": RUMOUR,
    "explainer": EXPLAINER,
    "premiere": PREMIERE,
    "convention": CONVENTION,
}

THREADS: dict[str, tuple[ScriptedThread, ...]] = {
    "trailer": (
        CANON_ARGUMENT,
        PROPS_THREAD,
        ABROAD_THREAD,
        PUN_CHAIN,
        ESSAY_THREAD,
        FIRST_SHOW_POLL,
        FINALE_SPOILERS,
        RECYCLED_THREAD,
        LEAK_THREAD,
        TICKET_THREAD,
        CHAIR_COUNT,
        STAR_CHART_REQUEST,
    ),
    "review": (REVIEW_THREAD, REVIEW_SPOILERS),
    "rumour": (RUMOUR_THREAD, *RUMOUR_QA, RUMOUR_RETRACTED),
    "explainer": EXPLAINER_QA,
    "premiere": PREMIERE_QA,
    "convention": CONVENTION_QA,
}

# Only Meridian articles draw on the general pool; the convention piece is
# about other shows.
USES_GENERAL: frozenset[str] = frozenset({"trailer", "review", "rumour", "explainer", "premiere"})

# The editor's latest post: the answers arrive after their last visit, so the
# demo's staff login opens on unread notifications and new comments. The star
# chart is posted minutes before the demo loads, so its author can still edit
# it (the service allows that only briefly).
LATE_THREADS: dict[str, tuple[LateThread, ...]] = {
    "trailer": (
        LateThread(timedelta(hours=3), EDITOR_UPDATE),
        LateThread(timedelta(minutes=100), SPOILER_FREE_REQUEST),
        LateThread(timedelta(minutes=45), TRAILER_LINK),
        LateThread(timedelta(minutes=6), STAR_CHART_THREAD),
    ),
}
