"""One decision per click or key on a queue's row, and taking it back.

Each row of the comment queues carries its decisions (``columns.decide``):
buttons of the changelist's own form that post here, so they work without
JavaScript (the page comes back with the outcome and an Undo button above the
list). ``trekboard/admin_queue.js`` posts the same form in place, asking for
JSON, and updates the row and the queue counts without reloading: a decision
costs one request. Both go through the same services as the bulk actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from comments.admin.columns import OWN_WORDS
from comments.models import AuditEntry, Comment
from comments.queues import queue_counts
from comments.services import comment_flags_dismiss, comment_moderate, decision_undo
from trekboard.admin_utils import changelist_url, redirect_to_next
from trekboard.inputs import id_from

# What each decision is called once made, for the moderator's message.
DONE = {
    "approve": "approved",
    "remove": "removed",
    "spam": "marked as spam",
    "restore": "restored",
    "dismiss": "cleared of its flags",
}
REFUSED = {
    "approve": "is not pending",
    "remove": "is already removed or was deleted by its author",
    "spam": "is already spam or was deleted by its author",
    "restore": "is not removed or spam",
    "dismiss": "has no open flags",
}


class CommentDecisionsMixin:
    """``decide_view`` and ``undo_view``, the URLs ``CommentAdmin.get_urls`` adds."""

    def decide_view(self, request, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        pk = id_from(object_id)
        comment = get_object_or_404(Comment.objects.select_related("article", "author"), pk=pk)
        act = request.POST.get("decide", "")
        if act not in DONE:
            return self._answer(request, f"Unknown decision “{act[:30]}”.", error=True)
        reason = " ".join(
            (request.POST.get(f"reason-{pk}") or request.POST.get("reason") or "").split()
        )[:300]
        if reason == OWN_WORDS:
            reason = ""
            if _wants_json(request):
                return JsonResponse(
                    {"ok": False, "page": True, "message": "Opening the removal page."}
                )
        if act == "remove" and not reason:
            if _wants_json(request):
                return self._answer(
                    request, "Choose a reason for removing it: its author is told.", error=True
                )
            # Without a reason chosen on the row, the removal page asks for one.
            return self.remove_comments(request, Comment.objects.filter(pk=pk))
        try:
            if act == "dismiss":
                applied = bool(comment_flags_dismiss(comment=comment, actor=request.user))
            else:
                applied = comment_moderate(
                    comment=comment, actor=request.user, act=act, reason=reason
                )
        except ValidationError as error:
            return self._answer(request, " ".join(error.messages), error=True, comment=comment)
        if not applied:
            return self._answer(
                request, f"Comment #{pk} {REFUSED[act]}; left as it was.", error=True
            )
        entry = (
            AuditEntry.objects.filter(comment_id=pk, actor=request.user)
            .order_by("-created_at", "-pk")
            .first()
        )
        return self._answer(request, f"Comment #{pk} {DONE[act]}.", entry=entry, comment=comment)

    def undo_view(self, request, entry_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(AuditEntry, pk=entry_id)
        try:
            comment = decision_undo(entry=entry, actor=request.user)
        except ValidationError as error:
            return self._answer(request, " ".join(error.messages), error=True)
        return self._answer(
            request,
            f"Undone: comment #{comment.pk} is {comment.get_status_display().lower()} again.",
            comment=comment,
        )

    def _answer(self, request, message: str, *, error: bool = False, entry=None, comment=None):
        """JSON for the queue's script; else the message on the page the moderator came from."""
        if _wants_json(request):
            body = {"ok": not error, "message": message, "counts": queue_counts()}
            if comment is not None:  # its status as the act left it (the services set it)
                body["status"] = comment.get_status_display()
            if entry is not None:
                body["undo"] = reverse("admin:comments_comment_undo", args=[entry.pk])
            return JsonResponse(body, status=400 if error else 200)
        self.message_user(request, message, messages.ERROR if error else messages.SUCCESS)
        return redirect_to_next(request) or HttpResponseRedirect(changelist_url(Comment))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")
