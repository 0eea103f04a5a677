from django.utils.functional import SimpleLazyObject

from comments.inbox import unread_notification_count


def notifications(request) -> dict:
    """The bell's unread count, queried only on pages that print it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count() -> int:
        return unread_notification_count(user=user)

    return {"unread_notifications": SimpleLazyObject(count)}
