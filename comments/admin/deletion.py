"""Deleting comments for good: superusers only, and always saying how many replies go too.

Moderators remove (the text is kept, readers see a placeholder); deleting
takes the comment and its whole subtree out of the database. Django's pages
for it would count only the selected rows, so every page and message here
counts the replies that go with them, and the deletion itself goes through
``comments.services.comment_hard_delete`` (tree lock, counters, audit).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from comments.models import Comment
from comments.services import comment_hard_delete
from trekboard.admin_utils import plural


class CommentDeletionMixin:
    """Deletion for ``CommentAdmin``, whose ``has_delete_permission`` lets only superusers in."""

    def render_delete_form(self, request, context):
        context["deletion_summary"] = deletion_summary(
            Comment.objects.filter(pk=context["object"].pk)
        )
        return super().render_delete_form(request, context)

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
