"""Reacting to someone else's comment: like it, flag it for the moderators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from comments import rules, selectors, services
from comments.display import ShownComment
from comments.forms import FlagForm
from comments.views.responses import (
    comment_url,
    flag_form_limited,
    landing,
    like_limited,
    not_shown,
    refused,
    return_to,
    to_login,
)
from trekboard.inputs import unreadable_fields
from trekboard.ratelimits import rate_limit
from trekboard.responses import fragment_or_page


@require_POST
@rate_limit("like", respond=like_limited)
def comment_like_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    if not request.user.is_authenticated:
        return to_login(request, comment_url(comment))
    try:
        comment = services.comment_like_toggle(comment=comment, user=request.user)
    except PermissionDenied as error:
        return refused(request, error, comment)
    if request.htmx:
        # Only someone else's comment can be liked, so the button is never "own".
        button = ShownComment(comment, liked=comment.liked, shows_text=True)
        return render(
            request,
            "comments/_like.html",
            {"comment": button, "article": comment.article, "next": request.POST.get("next", "")},
        )
    return HttpResponseRedirect(return_to(request, comment))


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("flag", respond=flag_form_limited)
def comment_flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    if not request.user.is_authenticated:
        return to_login(request, reverse("comments:flag", kwargs={"pk": pk}))
    if not rules.shows_text(comment, user=request.user):
        # The flag page quotes the comment: only for comments the discussion shows.
        return not_shown(
            request, comment, "This comment isn't shown any more, so there is nothing to flag."
        )
    form = FlagForm(
        request.POST if request.method == "POST" else None,
        unreadable=unreadable_fields(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_flag(
                comment=comment,
                user=request.user,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except PermissionDenied as error:
            return refused(request, error, comment)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            thanks = "Thanks for flagging this comment. A moderator will look at it."
            if request.htmx:
                return render(request, "comments/_flagged.html", {"message": thanks})
            return landing(request, comment, thanks)
    return fragment_or_page(
        request,
        "comments/_flag_form.html",
        "comments/comment_flag.html",
        {"article": comment.article, "comment": comment, "form": form},
        status=400 if form.errors else 200,
    )
