"""Readers and staff in the admin, with their standing and the acts that change it.

Moderators can see every account (``view_user``) and suspend, ban or
reinstate readers (``moderate_user``), but never edit an account or its
password: they lack ``change_user``, so Django shows the change page
read-only and refuses the password form. Suspensions and bans go through
``accounts.suspension`` and land in the audit log.

How a reader's standing and record are worded is shared with the comment
queues (``comments.admin.display``); what every admin shares is in
``trekboard.admin_utils``.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from accounts.forms import AccountAdminCreationForm
from accounts.models import ApiToken, User
from accounts.suspension import user_reinstate, user_suspend
from comments.admin.display import author_record, author_standing
from comments.forms import ModerationReasonForm, required_reason
from comments.models import AuditEntry, Comment, CommentFlag
from comments.services import user_remove_all_comments
from trekboard.admin_utils import (
    ask_then_act,
    changelist_url,
    plural,
    redirect_to_next,
    report,
)
from trekboard.inputs import id_from
from trekboard.queries import subquery_count

_TOLD = "The reader is told it in their notifications (and by email if they chose), sees it "
_TOLD += "when they try to post, and it is kept in the audit log."


class SuspendForm(ModerationReasonForm):
    """How long and why: a number of days, or an end date and time, and a reason."""

    field_order = ["days", "until", "standard", "reason"]

    days = forms.IntegerField(
        label="For (days)", min_value=1, max_value=3650, required=False, help_text="From now."
    )
    until = forms.DateTimeField(
        label="Or until",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=f"Date and time, {settings.TIME_ZONE}.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _TOLD)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        days, until = data.get("days"), data.get("until")
        if self.has_error("days") or self.has_error("until"):
            return data
        if days and until:
            raise ValidationError("Give a number of days or an end, not both.")
        if not days and not until:
            raise ValidationError("Say how long: a number of days, or an end date and time.")
        if days:
            data["ends"] = timezone.now() + timedelta(days=days)
        elif until <= timezone.now():
            self.add_error("until", "Pick a moment in the future.")
        else:
            data["ends"] = until
        return data


class StandingFilter(admin.SimpleListFilter):
    title = "standing"
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("suspended", "Suspended"), ("banned", "Banned")]

    def queryset(self, request, queryset):
        now = timezone.now()
        suspended = Q(banned=False, suspended_until__gt=now)
        if self.value() == "banned":
            return queryset.filter(banned=True)
        if self.value() == "suspended":
            return queryset.filter(suspended)
        if self.value() == "active":
            return queryset.filter(banned=False).exclude(suspended)
        return queryset


def _blocked(user, now) -> bool:
    return user.banned or bool(user.suspended_until and user.suspended_until > now)


@admin.register(User)
class TrekboardUserAdmin(UserAdmin):
    list_display = (
        "username",
        "email",
        "is_staff",
        "standing",
        "comments",
        "date_joined",
    )
    list_filter = (StandingFilter, *UserAdmin.list_filter)
    readonly_fields = (
        "standing",
        "moderation_reason",
        "banned",
        "suspended_until",
        "comment_record",
    )
    fieldsets = (
        UserAdmin.fieldsets[0],
        (
            "Moderation (changed only by the Suspend, Ban and Lift actions)",
            {
                "fields": (
                    "standing",
                    "moderation_reason",
                    "banned",
                    "suspended_until",
                    "comment_record",
                )
            },
        ),
        *UserAdmin.fieldsets[1:],
        ("Profile", {"fields": ("bio", "comment_sort", "email_notifications")}),
    )
    actions = (
        "suspend_users",
        "ban_users",
        "ban_and_remove_all",
        "reinstate_users",
        "remove_all_comments",
    )
    add_form = AccountAdminCreationForm  # the readers' username rule: no look-alikes

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("accounts.moderate_user")

    def has_moderate_comments_permission(self, request) -> bool:
        return request.user.has_perm("comments.can_moderate")

    def has_ban_and_remove_permission(self, request) -> bool:
        return self.has_moderate_permission(request) and self.has_moderate_comments_permission(
            request
        )

    def get_queryset(self, request):
        by_user = Comment.objects.filter(author=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                comment_count=subquery_count(by_user, "author"),
                removed_count=subquery_count(
                    by_user.filter(status__in=[Comment.Status.REMOVED, Comment.Status.SPAM]),
                    "author",
                ),
                flag_count=subquery_count(
                    CommentFlag.objects.filter(comment__author=OuterRef("pk")), "comment__author"
                ),
            )
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Whoever can't change the account has no business with its password.
            first_name, first = fieldsets[0]
            fields = tuple(f for f in first["fields"] if f != "password")
            fieldsets = ((first_name, {**first, "fields": fields}), *fieldsets[1:])
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["moderation_buttons"] = self._buttons(request, obj)
            context["moderation_action_url"] = changelist_url(User)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # A comment queue's row offers these on its author (comments.admin.columns): the same
    # actions for one reader, reached by a link, so their page asks the reason first.
    PERSON_ACTS = ("suspend_users", "ban_users", "ban_and_remove_all")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.person_act_view),
                name="accounts_user_act",
            ),
            *super().get_urls(),
        ]

    def person_act_view(self, request, object_id: str, action: str):
        """One reader's suspend, ban, or ban and remove all, started from a queue row."""
        user_id = id_from(object_id)
        user = None if user_id is None else self.get_queryset(request).filter(pk=user_id).first()
        if user is None:
            raise Http404("No such reader.")
        allowed = self.get_actions(request)
        if action not in self.PERSON_ACTS or action not in allowed:
            raise PermissionDenied
        func = allowed[action][0]
        response = func(self, request, self.get_queryset(request).filter(pk=user.pk))
        return response or HttpResponseRedirect(changelist_url(User))

    def _buttons(self, request, user: User) -> list[tuple[str, str]]:
        buttons = []
        if not user.is_superuser and user.pk != request.user.pk:
            buttons += [("suspend_users", "Suspend…"), ("ban_users", "Ban…")]
            if user.comment_count > user.removed_count:
                buttons.append(("ban_and_remove_all", "Ban and remove all their comments…"))
        if _blocked(user, timezone.now()):
            buttons.append(("reinstate_users", "Lift suspension or ban"))
        if user.comment_count > user.removed_count:
            buttons.append(("remove_all_comments", "Remove all their comments…"))
        allowed = self.get_actions(request)
        return [(name, label) for name, label in buttons if name in allowed]

    @admin.display(description="Standing")
    def standing(self, user: User) -> str:
        return author_standing(user)

    @admin.display(description="Comments", ordering="comment_count")
    def comments(self, user: User) -> str:
        if not user.comment_count:
            return "0"
        return format_html(
            '<a href="{}">{}</a>{}',
            changelist_url(Comment, author__id__exact=user.pk),
            user.comment_count,
            format_html(" ({} removed)", user.removed_count) if user.removed_count else "",
        )

    @admin.display(description="Record")
    def comment_record(self, user: User) -> str:
        return format_html(
            '{} · <a href="{}">their comments</a> · <a href="{}">audit log about them</a>',
            author_record(user.comment_count, user.removed_count, user.flag_count),
            changelist_url(Comment, author__id__exact=user.pk),
            changelist_url(AuditEntry, target_user__id__exact=user.pk),
        )

    # Deletion: accounts that wrote comments can't be deleted (Comment.author
    # is PROTECT; the admin lists the comments in the way). Any other account's
    # likes are taken back first, wherever it is deleted from (comments/apps.py).

    # --- Actions ---

    def _ask_then_act(self, request, users: list[User], **page):
        """``ask_then_act``, listing each selected reader with their standing and record."""
        return ask_then_act(
            self,
            request,
            users,
            items=[
                f"{user.username} ({author_standing(user)}; "
                f"{plural(user.comment_count, 'comment')})"
                for user in users
            ],
            **page,
        )

    def _suspend_each(
        self, request, users, *, until, reason: str, removed: list[int] | None = None
    ) -> int:
        """Suspend or ban each reader; with ``removed``, remove their comments in the same act."""
        done = 0
        refused: dict[str, list[str]] = {}
        for user in users:
            try:
                with transaction.atomic():
                    user_suspend(user=user, actor=request.user, until=until, reason=reason)
                    if removed is not None:
                        removed.append(
                            user_remove_all_comments(user=user, actor=request.user, reason=reason)
                        )
            except ValidationError as error:
                refused.setdefault(" ".join(error.messages), []).append(user.username)
            else:
                done += 1
        for message, names in refused.items():
            self.message_user(
                request, f"Not done for {', '.join(names)}: {message}", messages.ERROR
            )
        return done

    @admin.action(permissions=["moderate"], description="Suspend selected readers…")
    def suspend_users(self, request, queryset):
        users = list(queryset)

        def suspend(data) -> None:
            until = data["ends"]
            done = self._suspend_each(request, users, until=until, reason=data["reason"])
            if done:
                ends = date_format(timezone.localtime(until), "j M Y, H:i")
                message = report(done, f"suspended until {ends}", noun="reader")
                self.message_user(request, message, messages.SUCCESS)

        return self._ask_then_act(
            request,
            users,
            form=SuspendForm,
            act=suspend,
            action="suspend_users",
            title="Suspend readers",
            intro=f"Suspend {plural(len(users), 'reader')}? Until it ends they can read "
            "but not post, reply, like or flag; they are told why when they try.",
            submit_label="Suspend",
        )

    @admin.action(permissions=["moderate"], description="Ban selected readers…")
    def ban_users(self, request, queryset):
        users = list(queryset)

        def ban(data) -> None:
            done = self._suspend_each(request, users, until=None, reason=data["reason"])
            if done:
                self.message_user(request, report(done, "banned", noun="reader"), messages.SUCCESS)

        return self._ask_then_act(
            request,
            users,
            form=required_reason(_TOLD),
            act=ban,
            action="ban_users",
            title="Ban readers",
            intro=f"Ban {plural(len(users), 'reader')}, with no end date? They can read "
            "but never post, reply, like or flag until a moderator lifts the ban. "
            "Their comments stay; use “Remove all their comments” for those.",
            submit_label="Ban",
        )

    @admin.action(permissions=["ban_and_remove"], description="Ban and remove all their comments…")
    def ban_and_remove_all(self, request, queryset):
        users = list(queryset)

        def ban_and_remove(data) -> None:
            removed: list[int] = []
            done = self._suspend_each(
                request, users, until=None, reason=data["reason"], removed=removed
            )
            if done:
                self.message_user(
                    request,
                    f"Banned {plural(done, 'reader')} and removed "
                    f"{plural(sum(removed), 'comment')}.",
                    messages.SUCCESS,
                )

        shown = _shown_comments(users)
        return self._ask_then_act(
            request,
            users,
            form=required_reason(_TOLD),
            act=ban_and_remove,
            action="ban_and_remove_all",
            title="Ban and remove all their comments",
            intro=f"Ban {plural(len(users), 'reader')} with no end date and remove every "
            f"published or pending comment they wrote (up to {plural(shown, 'comment')})? "
            "Readers will see “[removed by a moderator]”; replies stay. One act: all of it "
            "happens, or none of it.",
            submit_label="Ban and remove",
        )

    @admin.action(permissions=["moderate"], description="Lift suspension or ban")
    def reinstate_users(self, request, queryset):
        now = timezone.now()
        done = skipped = 0
        for user in queryset:
            if not _blocked(user, now):
                skipped += 1
                continue
            user_reinstate(user=user, actor=request.user)
            done += 1
        self.message_user(
            request,
            report(done, "reinstated", skipped, "not suspended or banned", noun="reader"),
            messages.SUCCESS if done else messages.WARNING,
        )
        return redirect_to_next(request)

    @admin.action(permissions=["moderate_comments"], description="Remove all their comments…")
    def remove_all_comments(self, request, queryset):
        users = list(queryset)

        def remove_all(data) -> None:
            removed = sum(
                user_remove_all_comments(user=user, actor=request.user, reason=data["reason"])
                for user in users
            )
            self.message_user(
                request,
                f"Removed {plural(removed, 'comment')} by {plural(len(users), 'reader')}.",
                messages.SUCCESS,
            )

        shown = _shown_comments(users)
        return self._ask_then_act(
            request,
            users,
            form=required_reason(
                "Kept with each removed comment and in the audit log; the reader is told it."
            ),
            act=remove_all,
            action="remove_all_comments",
            title="Remove all their comments",
            intro=f"Remove every published or pending comment by {plural(len(users), 'reader')}"
            f" (up to {plural(shown, 'comment')})? Readers will see “[removed by a moderator]”; "
            "replies stay.",
            submit_label="Remove them all",
        )


def _shown_comments(users) -> int:
    """How many of these readers' comments are shown or waiting: what removing them all takes."""
    return sum(user.comment_count - user.removed_count for user in users)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Readers' API tokens, to see which are in use and revoke one (the key is never kept)."""

    list_display = ("name", "user", "kind", "prefix", "created_at", "last_used_at", "expires_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "name", "prefix")
    raw_id_fields = ("user",)
    readonly_fields = ("user", "kind", "name", "prefix", "created_at", "last_used_at", "expires_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
