from django.utils.functional import SimpleLazyObject

from comments.inbox import unread_notification_count
from comments.pagecache import live_moment


def notifications(request) -> dict:
    """The bell's unread count, queried only on pages that print it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count() -> int:
        return unread_notification_count(user=user)

    # As of when the bell is drawn: live updates ask the cache whether it changed since.
    return {"unread_notifications": SimpleLazyObject(count), "live_moment": live_moment()}
