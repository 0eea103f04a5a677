"""What a reader gets in place of a comment that spoils a release they haven't watched.

The cover names the release and offers the two ways past it: "I've watched
it" (every comment marked for that release shows for the reader from then on,
asked once on its own page) and "Show this one" (this comment's text, fetched
only when asked, so it is not in the reader's browser before they click).
It carries ``data-spoils`` like every part of a marked comment.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django.urls import reverse

from articles.releases import Airings


def cover(pk: int, airings: Airings, *, return_path: str) -> str:
    code = escape(airings.code)
    watched = reverse("articles:release-watched", args=[airings.release_id])
    back = escape(quote(f"{return_path.split('#', 1)[0]}#comment-{pk}", safe="/"))
    reveal = reverse("comments:reveal", args=[pk])
    return (
        f'<div class="comment__content spoiler-cover" id="comment-content-{pk}" '
        f'data-spoils="{code}">'
        f'<p class="spoiler-cover__label" data-spoils="{code}">'
        f'<span class="spoiler-cover__icon" aria-hidden="true">⚠</span> '
        f"Spoiler for <strong>{code}</strong></p>"
        f'<p class="spoiler-cover__actions" data-spoils="{code}">'
        f'<a class="comment__action" href="{watched}?next={back}" hx-get="{watched}?next={back}" '
        f'hx-target="#comment-content-{pk}" hx-swap="beforeend">I\'ve watched it</a> '
        f'<a class="comment__action" href="{reveal}" hx-get="{reveal}" '
        f'hx-target="#comment-content-{pk}" hx-swap="outerHTML">Show this one'
        f'<span class="visually-hidden"> spoiler for {code}</span></a></p></div>'
    )


def folded_replies(count: int, code: str) -> str:
    """The opening of the fold a covered comment's replies sit in (closed with ``</details>``)."""
    noun = "reply" if count == 1 else "replies"
    return (
        f'<details class="spoiler-replies" data-spoils="{escape(code)}"><summary>'
        f"{count} {noun}, folded with the spoiler</summary>"
    )
