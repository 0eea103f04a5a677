"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince

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


@register.filter
def ago(value: datetime) -> str:
    """One-unit relative time ("3 hours ago"); the title attribute holds the exact time."""
    if value is None:
        return ""
    now = timezone.now()
    if now - value < timedelta(minutes=1):
        return "just now"
    if now - value > timedelta(days=60):
        return date_format(timezone.localtime(value), "M j, Y")
    return f"{timesince(value, now, depth=1)} ago"
