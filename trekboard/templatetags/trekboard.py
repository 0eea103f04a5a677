"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince

from comments.sanitize import html_to_text

register = template.Library()


@register.inclusion_tag("includes/_avatar.html")
def avatar(user, size: str = "") -> dict:
    """Initials on a colour derived from the username: no external avatar service."""
    return {"person": user, "size": size}


@register.filter
def plain_text(body_html: str) -> str:
    """Sanitized HTML as one line of text with spoilers masked: for previews and descriptions."""
    return html_to_text(body_html)


@register.filter
def thread_range(page) -> str:
    """ "51 to 100" for the second page of a discussion's threads."""
    per_page = settings.COMMENT_THREADS_PER_PAGE
    first = (page.page - 1) * per_page + 1
    return f"{first} to {first + len(page.threads) - 1}"


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
