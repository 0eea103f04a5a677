"""A reader's notifications: the inbox, marking read, and email unsubscribe links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from comments import notify, services
from comments.inbox import inbox as reader_inbox


@require_safe
@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    notifications = reader_inbox(user=request.user)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "comments/inbox.html", {"page_obj": page})


@require_POST
@login_required
def inbox_mark_read_view(request: HttpRequest) -> HttpResponse:
    # isdigit() alone also passes superscripts ("²"), which int() refuses, and
    # other scripts' digits, which it reads as numbers we never printed.
    ids = [
        int(value) for value in request.POST.getlist("id") if value.isascii() and value.isdigit()
    ]
    services.notifications_mark_read(user=request.user, notification_ids=ids or None)
    if request.htmx and ids:
        notification = reader_inbox(user=request.user).filter(pk__in=ids).first()
        if notification is not None:
            return render(
                request,
                "comments/_notification.html",
                {"notification": notification, "oob": True},
            )
    if request.htmx:
        return HttpResponseClientRedirect(reverse("comments:inbox"))
    messages.success(request, "Marked as read." if ids else "All notifications marked as read.")
    return redirect("comments:inbox")


@require_safe
@login_required
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(reader_inbox(user=request.user), pk=pk)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    comment = notification.comment
    if comment is None or comment.status != comment.Status.PUBLISHED:
        # About their account, or a comment readers no longer see: the notice says it all.
        return redirect(f"{reverse('comments:inbox')}#notification-{notification.pk}")
    if comment.article.external_url:
        # Where that discussion lives: the other site's page, whose embed opens
        # at the comment its address names.
        return redirect(f"{comment.article.external_url}#comment-{comment.pk}")
    return redirect(f"{comment.get_absolute_url()}#comment-{comment.pk}")


# Mail apps send RFC 8058's one-click POST without a CSRF token; the signed
# token in the URL is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks; only a POST changes anything.

    Mail scanners and link previews open every link in an email, so a GET that
    unsubscribed would turn people's emails off behind their backs. The page's
    button and the mail app's one-click (``List-Unsubscribe=One-Click``) POST.
    """
    user = notify.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "comments/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        resubscribe = request.POST.get("resubscribe") == "1"
        services.email_notifications_set(user=user, enabled=resubscribe)
        state = "subscribed" if resubscribe else "unsubscribed"
    else:
        state = "confirm" if user.email_notifications else "unsubscribed"
    return render(
        request,
        "comments/unsubscribe.html",
        {"subscriber": user, "state": state, "token": token},
    )
