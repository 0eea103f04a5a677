from django.conf import settings
from django.db import models
from django.urls import reverse
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet


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
    so writing a reply only renumbers the rows of that one thread. All writes go
    through ``comments.services``, which serialises them per tree.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        PENDING = "pending", "Pending review"
        REMOVED = "removed", "Removed by a moderator"
        SPAM = "spam", "Spam"

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
        editable=False, help_text="The sanitized HTML shown to readers, made from the body on save."
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

    objects = CommentManager()

    class Meta:
        ordering = ["tree_id", "lft"]
        indexes = [
            # The article page: its threads in order, each tree read in lft order.
            models.Index(fields=["article", "tree_id", "lft"], name="comment_article_tree"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
        ]
        permissions = [("can_moderate", "Can moderate comments")]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author_id} on article {self.article_id}"

    def get_absolute_url(self) -> str:
        return reverse("comments:detail", kwargs={"pk": self.pk})

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED
