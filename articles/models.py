from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from articles.embedding import origin_of


class Tag(models.Model):
    """A show, a season, a topic: what "Related" articles are matched on."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.slug})


class Release(models.Model):
    """An episode or a film of a show, and when it airs: what a comment can be marked as spoiling.

    ``released_at`` is its first airing anywhere; ``ReleaseAiring`` rows add
    later ones by region (the US a day before the UK). Whose spoiler window
    ends when is ``articles.releases``' business.
    """

    show = models.ForeignKey(
        Tag, on_delete=models.PROTECT, related_name="releases", help_text="The show's tag."
    )
    code = models.CharField(
        max_length=20, help_text="Short and unique within the show: S3E05, or FILM for a film."
    )
    title = models.CharField(max_length=200)
    season = models.PositiveSmallIntegerField(null=True, blank=True)
    episode = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty for a film.")
    released_at = models.DateTimeField(
        "first airs", help_text="Its first airing anywhere; add later airings by region below."
    )

    class Meta:
        ordering = ["show", "released_at", "code"]
        constraints = [
            models.UniqueConstraint(fields=["show", "code"], name="release_code_per_show")
        ]

    def __str__(self) -> str:
        return f"{self.code} “{self.title}”"

    @property
    def long_name(self) -> str:
        """With its show's name, where releases of several shows are listed (``show`` loaded)."""
        return f"{self.show.name} {self}"


class ReleaseAiring(models.Model):
    """A region's own airing of a release, when it isn't the first one."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="airings")
    region = models.CharField(max_length=40, help_text="As readers pick it: UK, Australia…")
    airs_at = models.DateTimeField()

    class Meta:
        ordering = ["airs_at", "region"]
        constraints = [
            models.UniqueConstraint(fields=["release", "region"], name="one_airing_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.airs_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        # The first airing is the release's own: a region can't have it earlier.
        # A new release's airings are checked before it is saved: it has no id yet.
        release = self.release if self.release_id else self._state.fields_cache.get("release")
        first = release.released_at if release is not None else None
        if first and self.airs_at and self.airs_at < first:
            raise ValidationError(
                {"airs_at": "A later airing can't come before the release first airs."}
            )


class Watched(models.Model):
    """A signed-in reader has seen this release: its spoilers show for them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched"
    )
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "release"], name="watched_once")]

    def __str__(self) -> str:
        return f"{self.user_id} watched {self.release_id}"


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def own(self) -> "ArticleQuerySet":
        """Trekboard's own articles, without the discussions of other sites' pages."""
        return self.filter(external_url__isnull=True)

    def visible_to(self, user) -> "ArticleQuerySet":
        """Readers see what is published; staff also see drafts and scheduled posts."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(
        blank=True, help_text="The one or two sentences under the headline."
    )
    body = models.TextField(help_text="HTML. Scripts, styles and embeds are removed on save.")
    body_html = models.TextField(editable=False, default="")
    # Headline first, then the standfirst, then the text (its tags are not words).
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config="english")
            + SearchVector("standfirst", weight="B", config="english")
            + SearchVector("body_html", weight="C", config="english")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )
    hero_image = models.ImageField(upload_to="articles/hero/%Y/%m/", blank=True)
    hero_caption = models.CharField(max_length=300, blank=True)
    video_url = models.URLField(
        "trailer / video link", blank=True, help_text="Shown as a link under the article."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    release = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        help_text="The episode or film this article is about: readers mark it watched here.",
    )
    external_url = models.URLField(
        "page URL",
        max_length=1000,
        unique=True,
        null=True,
        blank=True,
        help_text="Set for the discussion of a page on another site (the embed): its canonical "
        "address. Empty for Trekboard's own articles.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Readers see the article from this moment on."
    )
    comments_open = models.BooleanField(
        default=True, help_text="Closed: existing comments stay visible, no new ones."
    )
    source_key = models.CharField(
        max_length=300,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Where an imported article came from (wp:<site>:<id>), so re-imports match.",
    )
    pinned_comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Shown first in the discussion, whatever the sort. Pin from the comments list.",
    )
    # Kept by comments.services in the same transaction as every write that
    # changes it, so "N Comments" costs no count of a 100,000-comment discussion;
    # check_comment_tree verifies it.
    comment_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Published comments."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            GinIndex(fields=["search_vector"], name="article_search"),
        ]
        permissions = [
            ("moderate_discussion", "Can close and reopen comments and pin a comment"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # An article page asks for its own URL a dozen times (sort links, forms,
        # "back to the first threads"): reversed once per slug it has had.
        known = self.__dict__.get("_url")
        if known is None or known[0] != self.slug:
            known = self.__dict__["_url"] = (
                self.slug,
                reverse("articles:detail", kwargs={"slug": self.slug}),
            )
        return known[1]

    @property
    def is_external(self) -> bool:
        return self.external_url is not None

    @property
    def description(self) -> str:
        """The page's meta description: the standfirst, else the title, cut at 200 characters."""
        text = self.standfirst or self.title
        # Truncator costs as much as the rest of the page's head; most need no cut.
        return text if len(text) <= 200 else Truncator(text).chars(200)

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def accepts_comments(self) -> bool:
        return self.comments_open and self.is_published and not self.auto_closed

    @property
    def close_after_days(self) -> int:
        return settings.COMMENTS_CLOSE_AFTER_DAYS

    @property
    def auto_closed(self) -> bool:
        """Past settings.COMMENTS_CLOSE_AFTER_DAYS since publication (0 keeps them open)."""
        days = self.close_after_days
        if not days or self.published_at is None:
            return False
        return timezone.now() > self.published_at + timedelta(days=days)


class _ExternalPages(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(external_url__isnull=False)


class ExternalPage(Article):
    """An article row that is another site's page: its discussion, listed apart in the admin."""

    objects = _ExternalPages()

    class Meta:
        proxy = True
        verbose_name = "page on another site"
        verbose_name_plural = "pages on other sites"


EMBED_SITES_KEY = "embed-sites"


class EmbedSite(models.Model):
    """A site whose pages may carry a Trekboard discussion, beside ``EMBED_ALLOWED_ORIGINS``."""

    origin = models.CharField(
        max_length=200,
        unique=True,
        help_text="Scheme, host and port only, as browsers send it: https://blog.example.org",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Whose site this is.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["origin"]
        verbose_name = "embedding site"

    def __str__(self) -> str:
        return self.origin

    def clean(self) -> None:
        origin = origin_of(self.origin)
        if origin is None or origin != self.origin.rstrip("/").lower():
            raise ValidationError(
                {"origin": "Enter an origin such as https://blog.example.org (no path)."}
            )
        self.origin = origin


class GalleryImage(models.Model):
    """One captioned image of an article's gallery (a trailer's promotional photos)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="gallery")
    image = models.ImageField(upload_to="articles/gallery/%Y/%m/")
    caption = models.CharField(max_length=300, blank=True)
    alt_text = models.CharField(
        max_length=300, blank=True, help_text="For screen readers; the caption is used if empty."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
