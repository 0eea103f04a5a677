"""The moderators' side of the demo: a moderator account and a day's work for them.

After `make run`, logging in as ``moderator`` shows a console with something in
every queue: comments held for a held word and for too many links, a flagged
unmarked spoiler, a comment removed with its replies kept, a spammer banned
with their comments marked spam, a suspended reader, a pinned welcome note
and an Editor's pick on the lead article. All of it is done through the same
moderation services the admin uses, so the audit log is filled too.
"""

from __future__ import annotations

from datetime import timedelta

MODERATOR_USERNAME = "moderator"
MODERATOR_NAME = ("Ines", "Varga")

WORD_RULES: tuple[tuple[str, str, str], ...] = (
    ("casino bonus", "block", "Spam wave, spring 2026."),
    ("free followers", "block", "Spam."),
    ("leaked script", "hold", "Possible leak: check before it goes up."),
    ("idiot", "hold", "Usually the start of a personal attack."),
)

# Posted by readers just before the seed finishes; each is held for review.
HELD: tuple[tuple[str, str], ...] = (
    (
        "canon_keeper",
        "Someone on a forum claims to have the leaked script for episode 5. "
        "Not linking it, but the plot they describe sounds plausible.",
    ),
    (
        "mapmaker_june",
        "Collected every behind-the-scenes piece I could find: "
        "https://example.org/bts-1 https://example.org/bts-2 https://example.org/bts-3",
    ),
)

PINNED_WELCOME = (
    "Welcome to the trailer thread! House rules: argue about the ships rather than the "
    "people, and flag anything that crosses a line. The moderators read every flag.\n\n"
    "Comments take Markdown: `**bold**`, `*italic*`, `> quote`, `- list` and "
    "`[text](https://…)`. Hide spoilers with `||double bars||`, `>!Reddit's marks!<` or "
    "`[spoiler]…[/spoiler]`, like this: ||the saucer separates in the last minute||."
)

SPAMMER = ("deals4you", "Unbeatable prices on replica props, today only: https://example.com/props")


REMOVAL_REASON = "Personal attack on another reader."

# How long before the seed's end the moderator's day is dated in the audit log.
WORK_DONE_AGO = timedelta(hours=2)

SUSPENDED = ("hyperlane_sandwich", timedelta(days=3), "Repeated insults in the canon argument.")
