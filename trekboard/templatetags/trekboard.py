"""Template helpers shared by every page."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("includes/_avatar.html")
def avatar(user, size: str = "") -> dict:
    """Initials on a colour derived from the username: no external avatar service."""
    return {"person": user, "size": size}


@register.filter
def nests_replies(comment, base_level: int = 0) -> bool:
    """Whether this comment's replies are drawn inside it on this page.

    Past the visual cap, replies are one click away ("Continue this thread"),
    so a deep chain never squeezes the text into a sliver on a phone.
    """
    return comment.level - (base_level or 0) < settings.COMMENT_VISUAL_DEPTH - 1
