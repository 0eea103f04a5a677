"""The moderation console: queues of comments, bulk acts, word lists and the audit log.

Every write goes through ``comments.services`` (the one writer of comments);
this module only reads, asks for reasons and reports counts. Moderators (the
"Moderators" group) have ``view_comment`` and ``can_moderate`` but not
``change_comment``: the change page is read-only for everyone, and every act
is an admin action gated on ``can_moderate``. Only superusers delete for good.

Each changelist row shows the comment in context (article, parent, permalink)
and its author's record; those come from annotations and subqueries, so a page
of 100 rows costs the same few queries as a page of 1.
"""

from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from comments.models import AuditEntry, Comment, CommentFlag, CommentRevision, WordRule
from comments.selectors import (
    QUEUES,
    queue_condition,
    queue_counts,
    subquery_count,
    with_moderation_context,
)
from comments.services import (
    MODERATION,
    comment_flags_dismiss,
    comment_hard_delete,
    comment_moderate,
    comment_pick,
    comment_pin,
    comment_retro_spoiler,
)

Status = Comment.Status

# --- Queues -----------------------------------------------------------------

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


# --- Shared helpers ---------------------------------------------------------


def plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def report(
    done: int, done_text: str, skipped: int = 0, skipped_text: str = "", *, noun: str = "comment"
) -> str:
    """'3 comments approved; 1 was not pending and was left alone.'"""
    message = f"{plural(done, noun)} {done_text}"
    if skipped:
        was = "was" if skipped == 1 else "were"
        message += f"; {skipped} {was} {skipped_text} and {was} left alone"
    return message + "."


def redirect_to_next(request: HttpRequest) -> HttpResponseRedirect | None:
    """Back to the page an action was started from (a change page), when it says so."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return None


def changelist_url(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


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


class ReasonForm(forms.Form):
    """The one field of every act that must say why (removal, bans, suspensions)."""

    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the audit log with the act.",
    )

    def __init__(self, *args, help_text: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["reason"].help_text = help_text


def confirmation_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    intro: str,
    form: forms.Form,
    items: list[str],
    submit_label: str,
    template: str,
) -> TemplateResponse:
    """An intermediate page like delete_selected's: what is about to happen, and a form.

    It posts back to the changelist with the same selection, ``post=yes`` and
    the ``next`` page the action was started from.
    """
    opts = modeladmin.model._meta
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request,
        [
            f"admin/{opts.app_label}/{opts.model_name}/{template}",
            "admin/moderation_confirmation.html",
        ],
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "intro": intro,
            "items": items,
            "form": form,
            "queryset": queryset,
            "action": action,
            "submit_label": submit_label,
            "next": request.POST.get("next", ""),
            "opts": opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": modeladmin.media + form.media,
        },
    )


# --- Comments ---------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CommentRevisionInline(_ReadOnlyInline):
    """What the author wrote before each edit: readers only see the latest text."""

    model = CommentRevision
    fields = ("written_at", "replaced_at", "body")
    readonly_fields = fields
    verbose_name = "earlier version"
    verbose_name_plural = "Earlier versions (before the author's edits or a spoiler warning)"


class CommentFlagInline(_ReadOnlyInline):
    model = CommentFlag
    fields = ("user", "reason", "text", "created_at", "dismissed_at", "dismissed_by")
    readonly_fields = fields
    verbose_name_plural = "Flags from readers"


class CommentAuditInline(_ReadOnlyInline):
    """Every moderator act on this comment, newest first."""

    model = AuditEntry
    fields = ("created_at", "actor", "action", "status_change", "reason")
    readonly_fields = fields
    verbose_name = "audit entry"
    verbose_name_plural = "Audit trail"

    @admin.display(description="Status")
    def status_change(self, entry: AuditEntry) -> str:
        return _status_change(entry)


def _status_change(entry: AuditEntry) -> str:
    if not entry.before_status and not entry.after_status:
        return ""
    if entry.before_status == entry.after_status or not entry.after_status:
        return entry.before_status
    return f"{entry.before_status or '?'} → {entry.after_status}"


# The change page's buttons: (action, label, statuses it applies to).
_BUTTONS = [
    ("approve_comments", "Approve", MODERATION["approve"][2]),
    ("remove_comments", "Remove…", MODERATION["remove"][2]),
    ("mark_spam", "Mark as spam", MODERATION["spam"][2]),
    ("restore_comments", "Restore", MODERATION["restore"][2]),
    ("retro_spoiler", "Hide behind a spoiler", {Status.PUBLISHED}),
]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queues. Read-only; every act is an action calling comments.services.

    A plain ModelAdmin rather than mptt's: moderators work flat queues, not
    trees, and the tree fields are only ever shown.
    """

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
    search_fields = ("body", "author__username", "ip_address", "article__title")
    search_help_text = "Searches the text, the author's username, the IP address and the article."
    list_select_related = ("author", "article")
    ordering = ("-created_at",)
    list_per_page = 50
    inlines = (CommentFlagInline, CommentRevisionInline, CommentAuditInline)
    readonly_fields = (
        "article",
        "author_with_record",
        "parent_comment",
        "permalink",
        "body",
        "rendered",
        "status",
        "moderation_reason",
        "is_editors_pick",
        "pinned",
        "created_at",
        "edited_at",
        "ip_address",
        "like_count",
        "reply_count",
        "descendant_count",
        "tree_id",
        "lft",
        "rght",
        "level",
    )
    fieldsets = (
        (
            "Comment",
            {"fields": ("article", "author_with_record", "parent_comment", "permalink")},
        ),
        ("Text", {"fields": ("rendered", "body")}),
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
    actions = (
        "approve_comments",
        "remove_comments",
        "mark_spam",
        "restore_comments",
        "dismiss_flags",
        "retro_spoiler",
        "pin_comments",
        "unpin_comments",
        "pick_comments",
        "unpick_comments",
        "delete_selected",
    )

    # --- Permissions ---

    def has_add_permission(self, request) -> bool:
        # Comments are written by readers through the site, never typed in here.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Read-only for everyone: acts are actions, and they go through the services.
        return False

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

    # --- Changelist columns ---

    @admin.display(description="Comment")
    def comment_excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(140)

    # When it was posted heads the context column (sorted by it): a column of
    # its own pushed the list to 849px where 631px fit beside the filters.
    @admin.display(description="Posted", ordering="created_at")
    def in_context(self, comment: Comment) -> str:
        when = timezone.localtime(comment.created_at)
        article = format_html(
            '<span class="posted" title="{}">{}</span><br>'
            'on <a href="{}" title="This article\'s comments">{}</a>',
            date_format(when, "DATETIME_FORMAT"),
            date_format(when, "j M Y" if when.year != timezone.now().year else "j M, H:i"),
            changelist_url(Comment, article__id__exact=comment.article_id),
            Truncator(comment.article.title).chars(45),
        )
        if comment.parent_id:
            parent = format_html(
                '<br>replying to <a href="{}" class="parent-excerpt">“{}”</a>',
                reverse("admin:comments_comment_change", args=[comment.parent_id]),
                Truncator(comment.parent_excerpt or "").chars(60),
            )
        else:
            parent = ""
        return format_html(
            '{}{}<br><a href="{}" class="permalink">View in thread ↗</a>',
            article,
            parent,
            comment.get_absolute_url(),
        )

    @admin.display(description="Author", ordering="author__username")
    def author_cell(self, comment: Comment) -> str:
        author = comment.author
        standing = author_standing(author)
        return format_html(
            '<a href="{}" title="All comments by {}">{}</a>{}<br><span class="record">{}</span>{}',
            changelist_url(Comment, author__id__exact=author.pk),
            author.username,
            author.username,
            format_html(' <span class="standing">{}</span>', standing)
            if standing != "Active"
            else "",
            author_record(
                comment.author_comment_count,
                comment.author_removed_count,
                comment.author_flag_count,
            ),
            format_html(
                '<br><a href="{}" class="ip" title="Comments from this address">{}</a>',
                changelist_url(Comment, q=comment.ip_address),
                comment.ip_address,
            )
            if comment.ip_address
            else "",
        )

    @admin.display(description="Status", ordering="status")
    def status_cell(self, comment: Comment) -> str:
        badges = []
        if comment.is_editors_pick:
            badges.append("Editor's pick")
        if comment.article.pinned_comment_id == comment.pk:
            badges.append("Pinned")
        return format_html(
            '<span class="status status-{}">{}</span>{}{}',
            comment.status,
            comment.get_status_display(),
            format_html('<br><span class="reason">{}</span>', comment.moderation_reason)
            if comment.moderation_reason
            else "",
            format_html_join("", '<br><span class="badge">{}</span>', ((b,) for b in badges)),
        )

    @admin.display(description="Flags", ordering="flag_count")
    def flag_summary(self, comment: Comment) -> str:
        if not comment.flag_count:
            return "-"
        reasons = Counter(comment.flag_reasons)
        labels = dict(CommentFlag.Reason.choices)
        return format_html(
            '<strong>{}</strong><br><span class="reasons">{}</span>',
            comment.flag_count,
            ", ".join(
                labels.get(reason, reason) + (f" ({n})" if n > 1 else "")
                for reason, n in reasons.most_common()
            ),
        )

    # --- Change page fields ---

    @admin.display(description="Author")
    def author_with_record(self, comment: Comment) -> str:
        return format_html(
            '<a href="{}">{}</a> ({}) · {} · <a href="{}">all their comments</a>',
            reverse("admin:accounts_user_change", args=[comment.author_id]),
            comment.author.username,
            author_standing(comment.author),
            author_record(
                comment.author_comment_count,
                comment.author_removed_count,
                comment.author_flag_count,
            ),
            changelist_url(Comment, author__id__exact=comment.author_id),
        )

    @admin.display(description="Replying to")
    def parent_comment(self, comment: Comment) -> str:
        if not comment.parent_id:
            return "— (a top-level comment)"
        return format_html(
            '<a href="{}">“{}”</a>',
            reverse("admin:comments_comment_change", args=[comment.parent_id]),
            Truncator(comment.parent_excerpt or "").chars(120),
        )

    @admin.display(description="In the thread")
    def permalink(self, comment: Comment) -> str:
        url = comment.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="As shown to readers")
    def rendered(self, comment: Comment) -> str:
        # body_html was sanitized when the comment was written; printing it is the point.
        return mark_safe(f'<div class="comment-rendered">{comment.body_html}</div>')  # noqa: S308

    @admin.display(description="Pinned", boolean=True)
    def pinned(self, comment: Comment) -> bool:
        return comment.article.pinned_comment_id == comment.pk

    # --- Pages ---

    def changelist_view(self, request, extra_context=None):
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
        context = {"queues": queues, "all_url": changelist_url(Comment)}
        author_id = request.GET.get("author__id__exact", "")
        # ASCII digits only ("²" passes isdigit() but not int()), and no more
        # than a bigint holds, so a hand-edited URL can't raise.
        if author_id.isascii() and author_id.isdigit() and len(author_id) <= 18:
            context["filtered_author"] = self._author_summary(int(author_id))
        return super().changelist_view(request, {**context, **(extra_context or {})})

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

    def _buttons(self, request, comment: Comment) -> list[tuple[str, str]]:
        allowed = self.get_actions(request)
        buttons = [
            (name, label) for name, label, statuses in _BUTTONS if comment.status in statuses
        ]
        if comment.flags.filter(dismissed_at=None).exists():
            buttons.append(("dismiss_flags", "Dismiss flags"))
        if comment.article.pinned_comment_id == comment.pk:
            buttons.append(("unpin_comments", "Unpin"))
        elif comment.parent_id is None and comment.is_visible:
            buttons.append(("pin_comments", "Pin to the top"))
        if comment.is_editors_pick:
            buttons.append(("unpick_comments", "Remove Editor's pick"))
        elif comment.is_visible:
            buttons.append(("pick_comments", "Make Editor's pick"))
        return [(name, label) for name, label in buttons if name in allowed]

    def render_delete_form(self, request, context):
        context["deletion_summary"] = deletion_summary(
            Comment.objects.filter(pk=context["object"].pk)
        )
        return super().render_delete_form(request, context)

    # --- Deleting for good (superusers) ---

    def delete_model(self, request, obj: Comment) -> None:
        gone = comment_hard_delete(comment=obj, actor=request.user)
        if gone > 1:
            self.message_user(
                request, f"{plural(gone - 1, 'reply', 'replies')} went with it.", messages.INFO
            )

    def delete_queryset(self, request, queryset) -> None:
        # All or nothing; the service takes each thread's lock, in tree order.
        with transaction.atomic():
            for comment in _outermost(queryset):
                comment_hard_delete(comment=comment, actor=request.user)

    @admin.action(permissions=["delete"], description="Delete selected comments for good…")
    def delete_selected(self, request, queryset):
        """Django's delete_selected, saying how many replies go with the selection."""
        if request.POST.get("post"):
            if not self.has_delete_permission(request):
                raise PermissionDenied
            selected, replies = _deletion_counts(queryset)
            self.log_deletions(request, queryset)
            self.delete_queryset(request, queryset)
            message = f"Deleted {plural(selected, 'comment')} for good"
            if replies:
                owner = "its" if selected == 1 else "their"
                message = (
                    f"Deleted {plural(selected, 'comment')} and {owner} "
                    f"{plural(replies, 'reply', 'replies')} for good"
                )
            self.message_user(request, message + ".", messages.SUCCESS)
            return None
        response = django_delete_selected(self, request, queryset)
        response.context_data["deletion_summary"] = deletion_summary(queryset)
        return response

    # --- Moderation actions ---

    def _moderate(self, request, queryset, act: str, *, reason: str = "") -> tuple[int, int]:
        done = skipped = 0
        for comment in _plain(queryset):
            if comment_moderate(comment=comment, actor=request.user, act=act, reason=reason):
                done += 1
            else:
                skipped += 1
        return done, skipped

    def _finish(self, request, done: int, message: str):
        self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)
        return redirect_to_next(request)

    @admin.action(permissions=["moderate"], description="Approve selected comments")
    def approve_comments(self, request, queryset):
        done, skipped = self._moderate(request, queryset, "approve")
        return self._finish(request, done, report(done, "approved", skipped, "not pending"))

    @admin.action(permissions=["moderate"], description="Remove selected comments…")
    def remove_comments(self, request, queryset):
        form = ReasonForm(
            request.POST if request.POST.get("post") else None,
            help_text="Kept for moderators and the audit log; readers see "
            "“[removed by a moderator]”.",
        )
        if form.is_valid():
            done, skipped = self._moderate(
                request, queryset, "remove", reason=form.cleaned_data["reason"]
            )
            return self._finish(
                request,
                done,
                report(done, "removed", skipped, "already removed or deleted by the author"),
            )
        comments = _plain(queryset)
        return confirmation_page(
            self,
            request,
            comments,
            action="remove_comments",
            title="Remove comments",
            intro=f"Remove {plural(len(comments), 'comment')}? Readers will see "
            "“[removed by a moderator]” in its place; replies stay. "
            "You can restore it later.",
            form=form,
            items=[_describe(comment) for comment in comments],
            submit_label="Remove",
            template="remove_confirmation.html",
        )

    @admin.action(permissions=["moderate"], description="Mark selected comments as spam")
    def mark_spam(self, request, queryset):
        done, skipped = self._moderate(request, queryset, "spam")
        return self._finish(
            request,
            done,
            report(done, "marked as spam", skipped, "already spam or deleted by the author"),
        )

    @admin.action(permissions=["moderate"], description="Restore selected comments")
    def restore_comments(self, request, queryset):
        done, skipped = self._moderate(request, queryset, "restore")
        return self._finish(request, done, report(done, "restored", skipped, "not removed or spam"))

    @admin.action(
        permissions=["moderate"], description="Dismiss the flags on selected comments (keep them)"
    )
    def dismiss_flags(self, request, queryset):
        done = skipped = 0
        for comment in _plain(queryset):
            if comment_flags_dismiss(comment=comment, actor=request.user):
                done += 1
            else:
                skipped += 1
        return self._finish(
            request, done, report(done, "cleared of their flags", skipped, "not flagged")
        )

    @admin.action(
        permissions=["moderate"],
        description="Hide selected comments behind a spoiler warning (tells the author)",
    )
    def retro_spoiler(self, request, queryset):
        done = skipped = 0
        for comment in _plain(queryset):
            if comment.status != Status.PUBLISHED or _is_spoilered(comment):
                skipped += 1
                continue
            comment_retro_spoiler(comment=comment, actor=request.user)
            done += 1
        message = report(
            done,
            "hidden behind a spoiler warning",
            skipped,
            "already behind one or not shown to readers",
        )
        if done:
            message += " Their authors were notified."
        return self._finish(request, done, message)

    def _pin(self, request, queryset, pinned: bool):
        done = skipped = 0
        errors: dict[str, list[int]] = {}
        comments = _plain(queryset)
        per_article = Counter(comment.article_id for comment in comments)
        for comment in comments:
            if pinned and per_article[comment.article_id] > 1:
                errors.setdefault("Only one comment per article can be pinned.", []).append(
                    comment.pk
                )
                continue
            if not pinned and comment.article.pinned_comment_id != comment.pk:
                skipped += 1
                continue
            try:
                comment_pin(comment=comment, actor=request.user, pinned=pinned)
            except ValidationError as error:
                errors.setdefault(" ".join(error.messages), []).append(comment.pk)
            else:
                done += 1
        for message, pks in errors.items():
            self.message_user(
                request,
                f"{plural(len(pks), 'comment')} not {'pinned' if pinned else 'unpinned'} "
                f"({', '.join(f'#{pk}' for pk in pks)}): {message}",
                messages.ERROR,
            )
        if pinned:
            text = report(done, "pinned to the top of their discussion")
        else:
            text = report(done, "unpinned", skipped, "not pinned")
        if done or skipped or not errors:
            self.message_user(request, text, messages.SUCCESS if done else messages.WARNING)
        return redirect_to_next(request)

    @admin.action(
        permissions=["moderate"], description="Pin selected comment to the top of its discussion"
    )
    def pin_comments(self, request, queryset):
        return self._pin(request, queryset, pinned=True)

    @admin.action(permissions=["moderate"], description="Unpin selected comments")
    def unpin_comments(self, request, queryset):
        return self._pin(request, queryset, pinned=False)

    def _pick(self, request, queryset, picked: bool):
        done = skipped = 0
        for comment in _plain(queryset):
            # Only what readers can see is worth a badge; taking one away always works.
            if comment.is_editors_pick == picked or (picked and not comment.is_visible):
                skipped += 1
                continue
            comment_pick(comment=comment, actor=request.user, picked=picked)
            done += 1
        if picked:
            text = report(
                done, "given the Editor's pick badge", skipped, "already badged or not published"
            )
        else:
            text = report(done, "no longer badged as Editor's picks", skipped, "not badged")
        return self._finish(request, done, text)

    @admin.action(permissions=["moderate"], description="Make selected comments Editor's picks")
    def pick_comments(self, request, queryset):
        return self._pick(request, queryset, picked=True)

    @admin.action(
        permissions=["moderate"], description="Remove selected comments from Editor's picks"
    )
    def unpick_comments(self, request, queryset):
        return self._pick(request, queryset, picked=False)


def _plain(queryset: QuerySet) -> list[Comment]:
    """The selected comments without the listing's annotations, in lock order."""
    return list(
        Comment.objects.filter(pk__in=queryset.values("pk"))
        .select_related("article", "author")
        .order_by("tree_id", "lft")
    )


def _describe(comment: Comment) -> str:
    return (
        f"“{Truncator(comment.body).chars(100)}” by {comment.author.username} "
        f"on {Truncator(comment.article.title).chars(60)} ({comment.get_status_display()})"
    )


def _is_spoilered(comment: Comment) -> bool:
    body = comment.body.strip().lower()
    return body.startswith("[spoiler]") and body.endswith("[/spoiler]")


def _outermost(queryset: QuerySet) -> list[Comment]:
    """The selected comments not inside another selected one: deleting those deletes all."""
    comments = list(Comment.objects.filter(pk__in=queryset.values("pk")).order_by("tree_id", "lft"))
    outermost: list[Comment] = []
    for comment in comments:
        last = outermost[-1] if outermost else None
        if last and last.tree_id == comment.tree_id and last.lft < comment.lft < last.rght:
            continue
        outermost.append(comment)
    return outermost


def _deletion_counts(queryset: QuerySet) -> tuple[int, int]:
    """(comments selected, replies below them that are not selected themselves)."""
    selected = queryset.count()
    total = sum(c.get_descendant_count() + 1 for c in _outermost(queryset))
    return selected, total - selected


def deletion_summary(queryset: QuerySet) -> str:
    """'This deletes 1 comment and its 4 replies for good.'"""
    selected, replies = _deletion_counts(queryset)
    if not replies:
        return f"This deletes {plural(selected, 'comment')} for good; there are no replies."
    owner = "its" if selected == 1 else "their"
    return (
        f"This deletes {plural(selected, 'comment')} and {owner} "
        f"{plural(replies, 'reply', 'replies')} for good."
    )


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin):
    """Readers' reports, newest first, each linked to the comment it is about."""

    list_display = ("comment_excerpt", "comment_status", "reason", "text", "user", "created_at")
    list_filter = ("reason", "created_at")
    search_fields = ("text", "comment__body", "user__username")
    list_select_related = ("comment", "user")
    readonly_fields = (
        "comment",
        "user",
        "reason",
        "text",
        "created_at",
        "dismissed_at",
        "dismissed_by",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Comment")
    def comment_excerpt(self, flag: CommentFlag) -> str:
        url = reverse("admin:comments_comment_change", args=[flag.comment_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(flag.comment.body).chars(80))

    @admin.display(description="Comment status", ordering="comment__status")
    def comment_status(self, flag: CommentFlag) -> str:
        return flag.comment.get_status_display()


# --- Word lists -------------------------------------------------------------


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin):
    """Words that block a comment or hold it for moderation. Every change is audited."""

    list_display = ("phrase", "action", "note", "created_by", "created_at")
    list_filter = ("action",)
    search_fields = ("phrase", "note")
    list_select_related = ("created_by",)
    fields = ("phrase", "action", "note", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj: WordRule, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change:
            changes = ", ".join(
                f"{name}: {form.initial.get(name)!s} → {form.cleaned_data.get(name)!s}"
                for name in form.changed_data
            )
            detail = f"“{obj.phrase}” ({changes or 'no change'})"
            action = AuditEntry.Action.WORD_CHANGE
        else:
            detail = f"“{obj.phrase}” ({obj.action})"
            action = AuditEntry.Action.WORD_ADD
        AuditEntry.objects.create(actor=request.user, action=action, detail=detail[:300])

    def delete_model(self, request, obj: WordRule) -> None:
        with transaction.atomic():
            AuditEntry.objects.create(
                actor=request.user,
                action=AuditEntry.Action.WORD_DELETE,
                detail=f"“{obj.phrase}” ({obj.action})"[:300],
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for rule in queryset:
                self.delete_model(request, rule)


# --- Audit log --------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who did what, when and why. Nobody adds, edits or deletes entries, superusers included."""

    list_display = (
        "created_at",
        "actor",
        "action",
        "status_change",
        "reason",
        "target",
        "what",
    )
    list_display_links = None
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("detail", "reason", "actor__username", "target_user__username")
    search_help_text = "Searches what was acted on, the reason and the usernames."
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_user", "article")
    actions = None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(
                "article__body",
                "article__body_html",
                "article__standfirst",
                "actor__bio",
                "target_user__bio",
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Status")
    def status_change(self, entry: AuditEntry) -> str:
        return _status_change(entry)

    @admin.display(description="Detail")
    def what(self, entry: AuditEntry) -> str:
        return format_html(
            '<span title="{}">{}</span>', entry.detail, Truncator(entry.detail).chars(120)
        )

    @admin.display(description="Acted on")
    def target(self, entry: AuditEntry) -> str:
        links = []
        if entry.comment_id:
            links.append(
                (
                    reverse("admin:comments_comment_change", args=[entry.comment_id]),
                    f"comment #{entry.comment_id}",
                )
            )
        if entry.target_user_id:
            links.append(
                (
                    reverse("admin:accounts_user_change", args=[entry.target_user_id]),
                    entry.target_user.username,
                )
            )
        if entry.article_id:
            links.append(
                (
                    reverse("admin:articles_article_change", args=[entry.article_id]),
                    Truncator(entry.article.title).chars(50),
                )
            )
        if not links:
            return "(gone)" if entry.action in _TARGETED else "-"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links)


# Acts that had a comment, reader or article; "(gone)" when it has since been deleted.
_TARGETED = set(AuditEntry.Action.values) - {
    AuditEntry.Action.WORD_ADD,
    AuditEntry.Action.WORD_CHANGE,
    AuditEntry.Action.WORD_DELETE,
}
