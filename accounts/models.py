import hashlib
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.usernames import username_skeletons
from comments.ranking import DEFAULT_SORT, Sort

AVATAR_HUES = 12
SIGNUP_LINK_LIFETIME = timedelta(days=3)


class TrekboardUserManager(UserManager):
    def bulk_create(self, objs, *args, **kwargs):
        # Importers and the demo generator create accounts in bulk, which skips
        # save(); the look-alike check needs every account's skeletons.
        objs = list(objs)
        for user in objs:
            user.username_skeletons = username_skeletons(user.username)
        return super().bulk_create(objs, *args, **kwargs)


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
    region = models.CharField(
        max_length=40,
        blank=True,
        help_text="Where this reader watches: their spoiler window runs from the airing there.",
    )
    email_notifications = models.BooleanField(
        "email me about replies and mentions",
        default=False,
        help_text="Readers opt in; every email carries a one-click unsubscribe link.",
    )
    username_skeletons = ArrayField(
        models.TextField(),
        default=list,
        editable=False,
        help_text="The username's look-alike skeletons (accounts.usernames); kept on save.",
    )

    objects = TrekboardUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("moderate_user", "Can suspend and ban readers")]
        indexes = [GinIndex(fields=["username_skeletons"], name="accounts_user_skeletons")]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs) -> None:
        # Derived from the username alone, so it can never drift from it.
        self.username_skeletons = username_skeletons(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeletons"}
        super().save(*args, **kwargs)

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


class SignupRequest(models.Model):
    """A sign-up waiting for its reader to follow the link emailed to them.

    Not an account: the username isn't held and nothing is visible to anyone,
    so a sign-up with a new address and one with an address that already has
    an account look the same from outside. Following the link creates the
    account, if its username and email are still free.
    """

    token_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the link's token."
    )
    username = models.CharField(max_length=150)
    email = models.EmailField()
    password = models.CharField(max_length=128, help_text="The chosen password, hashed.")
    next_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} <{self.email}>"


class ApiToken(models.Model):
    """A key that signs a reader in without the session cookie.

    Personal tokens are for a reader's own scripts (created and revoked on the
    settings page). Embed tokens are what the discussion widget on another site
    holds after the reader signs in through its pop-up: browsers that block
    third-party cookies never send the session to that frame. Only a hash is
    kept; the key is shown once.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        EMBED = "embed", "Discussion widget"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    name = models.CharField(max_length=60, help_text="What it is for, in the reader's words.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="To tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
