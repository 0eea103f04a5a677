# Reader copy: curly quotes are intended typography.
"""The demo's releases of *Meridian* and the comments that spoil them.

Season 2's last episodes aired weeks ago (their spoiler window has closed);
the special *Lamplighters* aired three days ago in the US and a day later in
the UK, so comments marked as spoiling it are covered for readers who haven't
said they've watched it; season 3 starts next week. The comments below are
the demo's own, written for it: two marked threads under the special's
review (their replies inherit the mark, one reply says it spoils nothing), and
one marked comment on the trailer's discussion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from articles.demo.stories import LEAD_SLUG, MERIDIAN, REVIEW, SPECIAL


@dataclass(frozen=True)
class ReleaseSpec:
    code: str
    title: str
    season: int | None
    episode: int | None
    ago: timedelta  # negative: still to come
    uk_later: timedelta | None = None  # the UK's airing, that much after the first


SHOW = MERIDIAN
RELEASES: tuple[ReleaseSpec, ...] = (
    ReleaseSpec("S2E09", "Cold Harbour", 2, 9, timedelta(days=41)),
    ReleaseSpec("S2E10", "The Quiet Between Stars", 2, 10, timedelta(days=34), timedelta(days=1)),
    ReleaseSpec("SP01", "Lamplighters", None, None, timedelta(days=3, hours=1), timedelta(days=1)),
    ReleaseSpec("S3E01", "Past the Edge", 3, 1, -timedelta(days=9)),
)
LATEST = "SP01"
# The article each release is about.
ABOUT = {REVIEW.slug: "S2E10", SPECIAL.slug: "SP01"}


@dataclass(frozen=True)
class Marked:
    """A comment and its replies; ``spoils`` None on a reply: its writer unmarked it."""

    article_slug: str
    author: str
    body: str
    ago: timedelta
    spoils: str | None = LATEST
    replies: tuple[tuple[str, str, bool], ...] = ()  # (author, body, keeps the mark)


SPOILERS: tuple[Marked, ...] = (
    Marked(
        SPECIAL.slug,
        "canon_keeper",
        "So the static on the radio was the Hollow Choir the whole time. Maren's voice is in "
        "it at the very end, which means she's alive somewhere past the Line.",
        timedelta(days=2, hours=9),
        replies=(
            ("mapmaker_june", "I played it back slowly: it's her call sign, twice. Chills.", True),
            (
                "firstwatch_finn",
                "No spoilers from me, just: watch it with the lights off. Trust me.",
                False,
            ),
        ),
    ),
    Marked(
        SPECIAL.slug,
        "mapmaker_june",
        "The lamplighters relighting the beacon by hand is the best scene of the year, and "
        "it's why the core in the trailer is blue.",
        timedelta(days=1, hours=15),
        replies=(("canon_keeper", "Blue because it's burning their lantern oil. Brutal.", True),),
    ),
    Marked(
        LEAD_SLUG,
        "firstwatch_finn",
        "After Lamplighters, that shot at 1:12 reads completely differently: that's the same "
        "ladder well the special ends in.",
        timedelta(hours=20),
    ),
)


def comments_per_article() -> dict[str, int]:
    """How many comments (replies included) ``SPOILERS`` adds to each article."""
    counts: dict[str, int] = {}
    for marked in SPOILERS:
        counts[marked.article_slug] = counts.get(marked.article_slug, 0) + 1 + len(marked.replies)
    return counts
