from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from trekboard.storages import private_storage


class CommentQuerySet(TreeQuerySet):
    def published(self) -> "CommentQuerySet":
        return self.filter(status=Comment.Status.PUBLISHED)

    def for_article(self, article) -> "CommentQuerySet":
        return self.filter(article=article)


class CommentManager(TreeManager.from_queryset(CommentQuerySet)):
    """mptt's tree manager with our named filters."""


class Comment(MPTTModel):
    """One comment in an article's discussion.

    Each top-level comment is the root of its own MPTT tree (its own tree_id),
    numbered with room between the edges (``comments.tree``), so a reply takes
    a slice of its parent's room and moves no other row. Writes go through
    ``comments.services`` (one at a time, under the thread's lock) or, for
    imports and generated discussions, the bulk writers on ``comments.tree.build``.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        PENDING = "pending", "Awaiting moderation"
        REMOVED = "removed", "Removed by a moderator"
        SPAM = "spam", "Spam"
        DELETED = "deleted", "Deleted by its author"

    class BodyFormat(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        # Another system's comments mean their backslashes and asterisks literally.
        HTML = "html", "HTML or text, as imported"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    parent = TreeForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    body = models.TextField(help_text="Exactly as the reader typed it.")
    body_html = models.TextField(
        editable=False,
        help_text="The sanitized HTML shown to readers, made from the body when it is written.",
    )
    body_format = models.CharField(
        max_length=8,
        choices=BodyFormat.choices,
        default=BodyFormat.MARKDOWN,
        editable=False,
        help_text="How the body is read: Markdown, as written here, or the HTML and text "
        "of the system it was imported from.",
    )
    # Covered for readers who haven't watched it yet (articles.releases decides).
    spoils = models.ForeignKey(
        "articles.Release",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spoiled_by",
    )
    # What search reads: the text as readers see it, with every spoiler left
    # out, so neither a match nor a snippet gives one away. Written with body_html.
    search_text = models.TextField(editable=False, default="", db_default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PUBLISHED,
        help_text="Only published comments' text is shown to readers.",
    )
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    moderation_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why it was held or removed: for moderators and the audit log, not readers.",
    )
    source_key = models.CharField(
        max_length=300,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Where an imported comment came from (disqus:<id>), so re-imports match.",
    )
    is_editors_pick = models.BooleanField(
        "editor's pick", default=False, help_text="Badged in the thread as an Editor's pick."
    )

    # Counters kept by comments.services in the same transaction as the write
    # that changes them, so a page can sort and page threads in SQL without
    # counting rows; check_comment_tree verifies them.
    like_count = models.PositiveIntegerField(default=0, editable=False)
    reply_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Published direct replies."
    )
    descendant_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Published replies anywhere below this comment."
    )
    best_score = models.FloatField(
        default=0.0, editable=False, help_text="The 'Best' sort key; see comments.ranking."
    )

    # mptt's edges, as BIGINT with room between them (see comments.tree.intervals).
    lft = models.PositiveBigIntegerField(editable=False)
    rght = models.PositiveBigIntegerField(editable=False)

    objects = CommentManager()

    # Not columns: what the service that returned this row says happened.
    # comment_create: the post repeated one just made (a double submit), which is returned instead.
    resubmitted: bool = False
    # comment_like_toggle: whether the reader now likes it.
    liked: bool = False

    class Meta:
        ordering = ["tree_id", "lft"]
        indexes = [
            # The article page: its threads in order, each tree read in lft order.
            models.Index(fields=["article", "tree_id", "lft"], name="comment_article_tree"),
            # A reply's place: the last edge inside its parent's interval.
            models.Index(fields=["tree_id", "rght"], name="comment_tree_rght"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
            # Full-text search: readers' (published only) and moderators' (everything).
            GinIndex(fields=["search_vector"], name="comment_search"),
            # Replies to one comment, for the per-parent "first 10" of every page.
            models.Index(fields=["parent", "-best_score"], name="comment_parent_best"),
            # The top-level threads of an article in each sort's full order, so a
            # page of them is read straight off an index, however many there are.
            models.Index(
                fields=["article", "-best_score", "created_at", "id"],
                condition=models.Q(parent=None),
                name="comment_root_best",
            ),
            models.Index(
                fields=["article", "-like_count", "created_at", "id"],
                condition=models.Q(parent=None),
                name="comment_root_top",
            ),
            models.Index(
                fields=["article", "created_at", "id"],
                condition=models.Q(parent=None),
                name="comment_root_new",
            ),
            # "N new since your last visit": an article's published comments by date.
            # "N new since your last visit" counts up to NEW_LIMIT of these on
            # every signed-in page view: with the author in the index it is
            # counted from the index alone, not a heap visit per comment.
            models.Index(
                fields=["article", "created_at"],
                condition=models.Q(status="published"),
                include=["author"],
                name="comment_published_since",
            ),
        ]
        permissions = [("can_moderate", "Can moderate comments")]

    def __str__(self) -> str:
        excerpt = " ".join(self.body.split())
        return f"Comment {self.pk}: “{excerpt[:60]}{'…' if len(excerpt) > 60 else ''}”"

    def get_absolute_url(self) -> str:
        return reverse("comments:detail", kwargs={"pk": self.pk})

    # mptt's versions count edges (rght - lft + 1 == 2 * size), which the gaps
    # between them make wrong; these ask the rows inside the interval.
    def get_descendants(self, include_self: bool = False) -> CommentQuerySet:
        inside = Comment.objects.filter(tree_id=self.tree_id, lft__gte=self.lft, lft__lte=self.rght)
        return inside if include_self else inside.exclude(pk=self.pk)

    def get_descendant_count(self) -> int:
        return self.get_descendants().count() if self.pk else 0

    def is_leaf_node(self) -> bool:
        return not self.get_descendants().exists()

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_deleted(self) -> bool:
        return self.status == self.Status.DELETED

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CommentRevision(models.Model):
    """An earlier text of an edited comment, kept for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField(help_text="When this version was posted or last edited.")
    replaced_at = models.DateTimeField(help_text="When the author replaced it.")

    class Meta:
        ordering = ["comment", "-replaced_at"]

    def __str__(self) -> str:
        return f"Version of comment {self.comment_id} replaced at {self.replaced_at:%Y-%m-%d %H:%M}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_like_per_reader")
        ]
        indexes = [models.Index(fields=["user", "comment"], name="like_user_comment")]

    def __str__(self) -> str:
        return f"{self.user_id} likes comment {self.comment_id}"


class CommentFlag(models.Model):
    """A reader's report that a comment breaks the rules; moderators work the queue."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or harassing"
        SPOILER = "spoiler", "Unmarked spoiler"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_flags"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    text = models.TextField(blank=True, max_length=1000, help_text="The reader's own words.")
    created_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(
        null=True, blank=True, help_text="A moderator looked and kept the comment."
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} flag on comment {self.comment_id}"


class Notification(models.Model):
    """Something a reader should know about: a reply or a mention, or a moderator's act on them.

    Replies and mentions point at another reader's comment. A moderator's
    notice (``MODERATION_KINDS``) tells an author what was done to their own
    comment, or to their account (no comment), with the moderator's reason.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", "replied to you"
        MENTION = "mention", "mentioned you"
        SPOILERED = "spoilered", "hid your comment behind a spoiler warning"
        UNSPOILERED = "unspoilered", "took the spoiler warning off your comment"
        APPROVED = "approved", "approved your comment"
        REMOVED = "removed", "removed your comment"
        RESTORED = "restored", "restored your comment"
        PINNED = "pinned", "pinned your comment to the top of the discussion"
        UNPINNED = "unpinned", "unpinned your comment"
        PICKED = "picked", "made your comment an Editor's pick"
        UNPICKED = "unpicked", "took the Editor's pick badge off your comment"
        REMOVED_ALL = "removed_all", "removed your comments"
        SUSPENDED = "suspended", "suspended your account"
        BANNED = "banned", "banned your account"
        REINSTATED = "reinstated", "lifted the suspension on your account"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # A moderation notice's reason (the moderator's words) and what else it
    # says ("until 14 Dec 2026, 20:00", "12 comments"), as they were when it was sent.
    reason = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its email went out: a retried job sends only what a failed try didn't.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One "replied"/"mentioned" per comment, however it names the reader;
            # moderation notices are one per act.
            models.UniqueConstraint(
                fields=["recipient", "comment"],
                condition=models.Q(kind__in=["reply", "mention"]),
                name="one_notification_per_comment",
            ),
            models.CheckConstraint(
                condition=models.Q(comment__isnull=False)
                | models.Q(kind__in=["removed_all", "suspended", "banned", "reinstated"]),
                name="notification_names_its_comment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at=None),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"Notification for {self.recipient_id}: {self.kind} in comment {self.comment_id}"

    def get_absolute_url(self) -> str:
        return reverse("comments:notification_open", kwargs={"pk": self.pk})

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def is_moderation(self) -> bool:
        return self.kind in MODERATION_KINDS


# Notifications that point at another reader's words (one per comment and reader),
# and notices of a moderator's act, to the author it was done to (spam is never told).
READER_KINDS = (Notification.Kind.REPLY.value, Notification.Kind.MENTION.value)
MODERATION_KINDS = frozenset(Notification.Kind) - set(READER_KINDS)


class ArticleVisit(models.Model):
    """When a signed-in reader last read an article's discussion, for "new since your last visit".

    ``previous_seen_at`` is the start of the visit before this one; reloads and
    "Load more" within ``comments.services.visits.VISIT_GAP`` belong to the same visit
    and keep highlighting the same comments.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_visits"
    )
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    last_seen_at = models.DateTimeField()
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="one_visit_per_article")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read article {self.article_id} at {self.last_seen_at}"


class WordRule(models.Model):
    """A word or phrase moderators don't want, and what happens to a comment containing it."""

    class Action(models.TextChoices):
        BLOCK = "block", "Block: refuse the comment"
        HOLD = "hold", "Hold: send the comment to the pending queue"

    phrase = models.CharField(
        max_length=100,
        unique=True,
        help_text="Matched as a whole word or phrase, ignoring case.",
    )
    action = models.CharField(max_length=5, choices=Action.choices, default=Action.HOLD)
    note = models.CharField(max_length=200, blank=True, help_text="Why it is on the list.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["action", "phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} ({self.get_action_display().split(':')[0]})"

    def save(self, *args, **kwargs) -> None:
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before uniqueness is validated, so "Tribble" finds an existing "tribble".
        self.phrase = " ".join(self.phrase.split()).lower()


class AuditEntry(models.Model):
    """One moderator act: who, what, when, why, and the status before and after. Never edited."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REMOVE = "remove", "Removed"
        SPAM = "spam", "Marked as spam"
        RESTORE = "restore", "Restored"
        HARD_DELETE = "hard_delete", "Deleted for good"
        SPOILER = "spoiler", "Hid behind a spoiler"
        UNSPOILER = "unspoiler", "Took off a spoiler warning"
        PIN = "pin", "Pinned"
        UNPIN = "unpin", "Unpinned"
        PICK = "pick", "Made an Editor's pick"
        UNPICK = "unpick", "Removed from Editor's picks"
        DISMISS = "dismiss", "Dismissed flags"
        SUSPEND = "suspend", "Suspended a reader"
        BAN = "ban", "Banned a reader"
        REINSTATE = "reinstate", "Lifted a suspension or ban"
        REMOVE_ALL = "remove_all", "Removed all of a reader's comments"
        CLOSE = "close", "Closed comments"
        OPEN = "open", "Reopened comments"
        WORD_ADD = "word_add", "Added a word rule"
        WORD_CHANGE = "word_change", "Changed a word rule"
        WORD_DELETE = "word_delete", "Deleted a word rule"
        UNDO = "undo", "Undid a decision"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    before_status = models.CharField(max_length=10, blank=True)
    after_status = models.CharField(max_length=10, blank=True)
    # An undo's decision (comments.services.undo); one undo at most per decision.
    undoes = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undone_by"
    )
    detail = models.CharField(
        max_length=300, blank=True, help_text="What was acted on, in words that outlive it."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"

    def __str__(self) -> str:
        # Names, not ids: the admin's lists select the actor with the entry.
        who = self.actor.username if self.actor_id else "someone since deleted"
        return f"{self.get_action_display()} by {who} at {self.created_at:%Y-%m-%d %H:%M}"


class StandardReason(models.Model):
    """A reason a moderator picks instead of typing one: the console's short, editable list.

    Offered wherever an act asks why (removal, spam, suspension, ban…); the
    moderator may write their own words instead. The chosen text is copied
    into the act's audit entry and notice, so editing the list changes no record.
    """

    text = models.CharField(max_length=300, unique=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first in the list."
    )

    class Meta:
        ordering = ["position", "text"]

    def __str__(self) -> str:
        return self.text


class RunState(models.TextChoices):
    """Where an import or export started in the admin is (trekboard.jobs runs it)."""

    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """A WordPress or Disqus export uploaded in the admin, imported as a job."""

    class Source(models.TextChoices):
        WORDPRESS = "wordpress", "WordPress (WXR export)"
        DISQUS = "disqus", "Disqus (XML export)"

    State = RunState

    source = models.CharField(max_length=10, choices=Source.choices)
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage)
    lenient = models.BooleanField(
        default=False,
        help_text="Repair damage known exporters leave (text before the XML declaration, "
        "control characters, unquoted attributes) instead of stopping; each repair is listed.",
    )
    dry_run = models.BooleanField(
        "Dry run",
        default=False,
        help_text="Do the whole import, then roll it back: see what it would import.",
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # What `manage.py import_wordpress/import_disqus` prints, line by line, or why it failed.
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.get_source_display()} import #{self.pk}"


class ExportRun(models.Model):
    """Articles and their discussions exported from the admin, as a job, into a private file."""

    class Format(models.TextChoices):
        WXR = "wxr", "WordPress (WXR): for WordPress or another Trekboard"
        JSON = "json", "JSON: every discussion as a tree, for scripts and archives"

    format = models.CharField(max_length=4, choices=Format.choices, default=Format.WXR)
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty to export every article.",
    )
    # The article asked for, by slug: deleted before the job runs, the run fails
    # rather than export every article instead.
    article_slug = models.SlugField(max_length=200, blank=True, editable=False)
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", storage=private_storage, blank=True)
    articles = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "export"

    def __str__(self) -> str:
        return f"{self.get_format_display().split(':')[0]} export #{self.pk}"
