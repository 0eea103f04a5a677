"""How the comment views answer, beyond the happy path: landings, refusals, logins, 429s.

Every action works as a plain HTML form or link with a redirect back to the
comment; with htmx the same URLs answer with fragments swapped in place
(``trekboard.responses.fragment_or_page``). Refusals carry a sentence saying
why (403 for someone else's comment or a closed edit window, 400 for bad
input, 429 for too many), never a bare error page, and never lose what the
reader typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from articles.models import Article
from comments import selectors
from comments.forms import CommentForm, FlagForm
from comments.models import Comment
from trekboard.inputs import safe_url
from trekboard.ratelimits import Limited, too_many_requests, with_retry_after
from trekboard.responses import fragment_or_page

HELD_MESSAGE = (
    "Your comment is awaiting moderation. Others will see it once a moderator approves it."
)


def comment_url(comment: Comment) -> str:
    return f"{comment.article.get_absolute_url()}#comment-{comment.pk}"


def reply_slot(pk: int) -> str:
    """Where a refusal about a comment goes with htmx: below it, so its text and buttons stay."""
    return f"#reply-slot-{pk}"


def landing(
    request: HttpRequest, comment: Comment, message: str, *, level: int = messages.SUCCESS
) -> HttpResponse:
    """Where a form sent without JavaScript lands: the comment's own page, the message beside it.

    Not the article: under Best a new comment sorts behind "Load more comments"
    (a new reply behind "N more replies"), so its anchor may not be on the page
    and the reader would land at the top, seeing nothing of what they did. An
    htmx request that must leave its page goes to the same place.
    """
    messages.add_message(request, level, message)
    url = reverse("comments:detail", kwargs={"pk": comment.pk}) + "#confirmation"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def return_to(request: HttpRequest, comment: Comment) -> str:
    """Where a form without JavaScript goes back to: the page it came from, else the comment."""
    return safe_url(request, request.POST.get("next", "")) or comment_url(comment)


def refused(request: HttpRequest, error: PermissionDenied, comment: Comment) -> HttpResponse:
    """A 403 that says why: in the comment's reply slot for htmx, else as a page."""
    message = str(error) or "You can't do that."
    context = {"message": message, "exception": message}
    return fragment_or_page(
        request,
        "includes/_refusal.html",
        "403.html",
        context,
        status=403,
        target=reply_slot(comment.pk),
    )


def not_shown(request: HttpRequest, comment: Comment, message: str) -> HttpResponse:
    """A 404 that says why, for a comment whose text this reader may not see."""
    return fragment_or_page(
        request,
        "includes/_refusal.html",
        "404.html",
        {"message": message},
        status=404,
        target=reply_slot(comment.pk),
    )


def to_login(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send a logged-out reader to log in; an htmx request navigates the whole page there."""
    login = redirect_to_login(next_url)
    if request.htmx:
        return HttpResponseClientRedirect(login.url)
    return login


# --- Over a rate limit (trekboard.ratelimits calls these with the view's arguments) ---


def comment_form_limited(
    request: HttpRequest, limited: Limited, slug: str | None = None, pk: int | None = None
) -> HttpResponse:
    """The comment or reply form again, with their text and the wait, as a 429.

    Mirrors a validation error in ``posting``: the form fragment for htmx (it
    replaces itself), else the form's own page.
    """
    if pk is not None:
        parent = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
        article = parent.article
    else:
        parent = None
        article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    form = CommentForm(request.POST)
    form.add_error(None, limited.message)
    context = {"article": article, "parent": parent, "form": form}
    response = fragment_or_page(
        request, "comments/_form.html", "comments/comment_form.html", context, status=429
    )
    return with_retry_after(response, limited)


def flag_form_limited(request: HttpRequest, limited: Limited, pk: int) -> HttpResponse:
    """The flag form again, reason and text kept, with the wait, as a 429."""
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    form = FlagForm(request.POST)
    form.add_error(None, limited.message)
    context = {"article": comment.article, "comment": comment, "form": form}
    response = fragment_or_page(
        request, "comments/_flag_form.html", "comments/comment_flag.html", context, status=429
    )
    return with_retry_after(response, limited)


def like_limited(request: HttpRequest, limited: Limited, pk: int) -> HttpResponse:
    """For htmx, the wait in the comment's reply slot, so its like button stays; else the page."""
    if not request.htmx:
        return too_many_requests(request, limited)
    response = fragment_or_page(
        request,
        "includes/_refusal.html",
        "429.html",
        {"message": limited.message},
        status=429,
        target=reply_slot(pk),
    )
    return with_retry_after(response, limited)
