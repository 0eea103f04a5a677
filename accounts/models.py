import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from comments.ranking import DEFAULT_SORT, Sort

AVATAR_HUES = 12


class User(AbstractUser):
    """A reader, editor or moderator.

    A custom model from day one, because Django cannot swap the user model once
    migrations exist, and readers will grow profile fields (bio, preferences).
    """

    bio = models.TextField(blank=True, max_length=2000)
    comment_sort = models.CharField(
        max_length=10,
        choices=Sort.choices,
        default=DEFAULT_SORT,
        help_text="How this reader last chose to sort discussions; used when a URL names none.",
    )
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text="Can't post, reply, like or flag until then."
    )
    banned = models.BooleanField(default=False, help_text="Can't post, reply, like or flag.")
    moderation_reason = models.CharField(
        max_length=300, blank=True, help_text="Shown to the reader when they try to post."
    )
    is_guest = models.BooleanField(
        default=False,
        help_text="An imported guest commenter: a name on old comments, not an account.",
    )
    email_notifications = models.BooleanField(
        "email me about replies and mentions",
        default=False,
        help_text="Readers opt in; every email carries a one-click unsubscribe link.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("moderate_user", "Can suspend and ban readers")]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def avatar_initials(self) -> str:
        parts = self.display_name.split()
        if len(parts) >= 2:
            return (parts[0][0] + parts[-1][0]).upper()
        return self.display_name[:2].upper()

    @property
    def avatar_hue(self) -> int:
        # Stable per username, so a reader keeps their colour on every page.
        digest = hashlib.sha256(self.username.encode()).digest()
        return digest[0] % AVATAR_HUES

    def posting_block_reason(self, now=None) -> str | None:
        """Why this reader can't take part right now, in words for them; None when they can."""
        if self.banned:
            reason = f" Reason: {self.moderation_reason}" if self.moderation_reason else ""
            return f"Your account is banned from the discussions.{reason}"
        now = now or timezone.now()
        if self.suspended_until and self.suspended_until > now:
            until = date_format(timezone.localtime(self.suspended_until), "F j, Y, H:i T")
            reason = f" Reason: {self.moderation_reason}" if self.moderation_reason else ""
            return f"Your account is suspended until {until}.{reason}"
        return None
