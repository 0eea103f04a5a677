"""How the console words a reader's standing, their record and a change of status.

The comment queues, the readers' pages (``accounts.admin``) and the audit log
all show these, and moderators compare them across pages, so they are worded
in one place.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format

from comments.models import AuditEntry
from trekboard.admin_utils import plural


def author_standing(user, now=None) -> str:
    """'Active', 'Suspended until 3 May 2026, 14:00' or 'Banned', as staff read it."""
    if user.banned:
        return "Banned"
    now = now or timezone.now()
    if user.suspended_until and user.suspended_until > now:
        return (
            f"Suspended until {date_format(timezone.localtime(user.suspended_until), 'j M Y, H:i')}"
        )
    return "Active"


def author_record(comments: int, removed: int, flags: int) -> str:
    return " · ".join(
        [
            plural(comments, "comment"),
            f"{removed} removed",
            plural(flags, "flag"),
        ]
    )


def status_change_text(entry: AuditEntry) -> str:
    """'pending → published'; one status when it didn't change; nothing for word-list acts."""
    if not entry.before_status and not entry.after_status:
        return ""
    if entry.before_status == entry.after_status or not entry.after_status:
        return entry.before_status
    return f"{entry.before_status or '?'} → {entry.after_status}"
