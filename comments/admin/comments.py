"""The comment queues: pending, flagged and the rest, each worked from a changelist.

A plain ModelAdmin rather than mptt's: moderators work flat queues, not
trees, and the tree fields are only ever shown. The class is assembled from
mixins by concern: what each row shows (``columns``), the acts on a
selection (``actions``) and deleting for good (``deletion``); this module
keeps its options, permissions, queries and pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import OuterRef, Q
from django.urls import path, reverse

from comments.admin.actions import CommentActionsMixin
from comments.admin.columns import (
    CommentColumnsMixin,
    PersonActs,
    decisions_shown,
    person_acts,
    standard_reasons,
)
from comments.admin.decisions import CommentDecisionsMixin
from comments.admin.deletion import CommentDeletionMixin
from comments.admin.display import author_record, author_standing
from comments.admin.inlines import CommentAuditInline, CommentFlagInline, CommentRevisionInline
from comments.models import AuditEntry, Comment, CommentFlag
from comments.queues import QUEUES, queue_condition, queue_counts, with_moderation_context
from comments.services import undoable_decisions
from trekboard.admin_utils import ReadOnlyAdminMixin, changelist_url
from trekboard.inputs import id_from
from trekboard.queries import subquery_count

Status = Comment.Status

# Oldest first where a queue is worked to empty; the most reported first when flagged.
QUEUE_ORDERING = {
    "pending": ["created_at"],
    "flagged": ["-flag_count", "-created_at"],
}


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return QUEUES

    def queryset(self, request, queryset):
        if self.value() in dict(QUEUES):
            return queryset.filter(queue_condition(self.value()))
        return queryset


@admin.register(Comment)
class CommentAdmin(
    CommentColumnsMixin,
    CommentDecisionsMixin,
    CommentActionsMixin,
    CommentDeletionMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """The moderation queues. Read-only; every act is an action calling comments.services."""

    list_display = (
        "comment_excerpt",
        "in_context",
        "author_cell",
        "status_cell",
        "flag_summary",
    )
    list_display_links = ("comment_excerpt",)
    list_filter = (
        QueueFilter,
        "status",
        ("article", admin.RelatedOnlyFieldListFilter),
        "is_editors_pick",
        "created_at",
    )
    # The text is searched through the full-text index (get_search_results); an
    # address's start finds its range, as spam waves need.
    search_fields = ("article__title", "ip_address")
    search_help_text = (
        'Searches the text (words in any form, "a phrase", -leave-out), an author\'s '
        "exact username, an IP address and the article's title."
    )
    list_select_related = ("author", "article")
    ordering = ("-created_at",)
    list_per_page = 50
    inlines = (CommentFlagInline, CommentRevisionInline, CommentAuditInline)

    def get_search_results(self, request, queryset, search_term):
        """The public search's index for the text (of every status here); exact names and IPs."""
        term = search_term.strip()
        if not term:
            return queryset, False
        titled, may_have_duplicates = super().get_search_results(request, queryset, term)
        matches = Q(search_vector=SearchQuery(term, config="english", search_type="websearch"))
        matches |= Q(author__username__iexact=term.lstrip("@"))
        return queryset.filter(matches) | titled, may_have_duplicates

    fieldsets = (
        (
            "Comment",
            {"fields": ("article", "author_with_record", "parent_comment", "permalink")},
        ),
        ("Text", {"fields": ("rendered", "body")}),
        ("Context", {"fields": ("thread_around",)}),
        (
            "Moderation",
            {
                "fields": (
                    "status",
                    "moderation_reason",
                    "is_editors_pick",
                    "pinned",
                    "created_at",
                    "edited_at",
                    "ip_address",
                )
            },
        ),
        ("Counters", {"fields": ("like_count", "reply_count", "descendant_count")}),
        (
            "Tree (maintained by comments.services)",
            {"classes": ("collapse",), "fields": ("tree_id", "lft", "rght", "level")},
        ),
    )
    # Every field shown is read-only, for everyone: changes are acts (the actions).
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])
    actions = (
        "approve_comments",
        "remove_comments",
        "mark_spam",
        "restore_comments",
        "dismiss_flags",
        "retro_spoiler",
        "lift_spoiler",
        "pin_comments",
        "unpin_comments",
        "pick_comments",
        "unpick_comments",
        "delete_selected",
    )

    # --- Permissions ---
    # Nobody adds or changes a comment here (ReadOnlyAdminMixin): readers write
    # them through the site, and acts are actions that go through the services.

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("comments.can_moderate")

    # --- Queries ---

    def get_queryset(self, request):
        # Annotate before ordering: the flagged queue is ordered by flag_count.
        queryset = with_moderation_context(self.model._default_manager.get_queryset())
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return QUEUE_ORDERING.get(request.GET.get(QueueFilter.parameter_name), self.ordering)

    def get_changelist(self, request, **kwargs):
        # The column headers mark the sort from ModelAdmin.ordering, not from
        # get_ordering(); show the queue's own (most flags first, oldest first).
        ordering = self.get_ordering(request)

        class QueueChangeList(super().get_changelist(request, **kwargs)):
            def _get_default_ordering(self):
                return ordering

        return QueueChangeList

    # --- Pages ---

    class Media:
        # The queue by keyboard: j/k to move, a/r/s/t/d to decide, u to undo, o for context.
        js = ("trekboard/admin_queue.js",)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="comments_comment_decide",
            ),
            path(
                "undo/<int:entry_id>/",
                self.admin_site.admin_view(self.undo_view),
                name="comments_comment_undo",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        standard_reasons.set(None)  # read afresh for this page's rows
        # Staff who may only look (editors) get no decisions to click.
        decisions_shown.set(self.has_moderate_permission(request))
        person_acts.set(self._acts_on_authors(request))
        counts = queue_counts()
        current = request.GET.get(QueueFilter.parameter_name)
        queues = [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": changelist_url(Comment, queue=key),
                "current": key == current,
            }
            for key, label in QUEUES
        ]
        context = {
            "queues": queues,
            "all_url": changelist_url(Comment),
            "undoable": undoable_decisions(actor=request.user)
            if self.has_moderate_permission(request)
            else [],
        }
        # A hand-edited URL can't raise.
        if (author_id := id_from(request.GET.get("author__id__exact"))) is not None:
            context["filtered_author"] = self._author_summary(author_id)
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def _acts_on_authors(self, request) -> PersonActs:
        """What the row may offer on its author: the accounts admin checks it again on the act."""
        acts: tuple[tuple[str, str], ...] = ()
        if request.user.has_perm("accounts.moderate_user"):
            acts = (("suspend_users", "Suspend…"), ("ban_users", "Ban…"))
            if self.has_moderate_permission(request):
                acts += (("ban_and_remove_all", "Ban and remove all…"),)
        return PersonActs(request.user.pk, request.user.is_superuser, request.get_full_path(), acts)

    def _author_summary(self, author_id: int):
        User = get_user_model()
        by_author = Comment.objects.filter(author=OuterRef("pk"))
        author = (
            User.objects.filter(pk=author_id)
            .annotate(
                comment_count=subquery_count(by_author, "author"),
                removed_count=subquery_count(
                    by_author.filter(status__in=[Status.REMOVED, Status.SPAM]), "author"
                ),
                flag_count=subquery_count(
                    CommentFlag.objects.filter(comment__author=OuterRef("pk")), "comment__author"
                ),
            )
            .first()
        )
        if author is None:
            return None
        return {
            "user": author,
            "standing": author_standing(author),
            "record": author_record(author.comment_count, author.removed_count, author.flag_count),
            "url": reverse("admin:accounts_user_change", args=[author.pk]),
            "audit_url": changelist_url(AuditEntry, target_user__id__exact=author.pk),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["moderation_buttons"] = self._buttons(request, obj)
            context["moderation_action_url"] = changelist_url(Comment)
        return super().render_change_form(request, context, add, change, form_url, obj)
