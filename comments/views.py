"""Thin views over comments.services and comments.selectors.

Every form works as a plain HTML POST with a redirect to the new comment's
anchor; with htmx the same URLs answer with fragments swapped in place.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from articles.models import Article
from comments import selectors, services
from comments.forms import CommentForm
from comments.models import Comment

DRAFT_KEY = "comment_draft:{article}:{parent}"


def _draft_key(article: Article, parent: Comment | None) -> str:
    return DRAFT_KEY.format(article=article.pk, parent=parent.pk if parent else 0)


def pop_draft(request: HttpRequest, article: Article, parent: Comment | None = None) -> str:
    """Text a logged-out reader typed before being sent to log in, if any."""
    if not hasattr(request, "session"):
        return ""
    return request.session.pop(_draft_key(article, parent), "")


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _form_url(article: Article, parent: Comment | None) -> str:
    if parent is not None:
        return reverse("comments:reply", kwargs={"pk": parent.pk})
    return article.get_absolute_url() + "#respond"


def _post(request: HttpRequest, article: Article, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST)
    if not request.user.is_authenticated:
        # Keep what they typed: it is put back in the form after they log in.
        request.session[_draft_key(article, parent)] = request.POST.get("body", "")[:20_000]
        to_login = redirect_to_login(_form_url(article, parent))
        if request.htmx:
            return HttpResponseClientRedirect(to_login.url)
        return to_login

    if form.is_valid():
        parent = parent or form.cleaned_data["parent"]
        try:
            comment = services.comment_create(
                article=article,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                ip_address=_client_ip(request),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if request.htmx:
                return _inserted(request, comment)
            return redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")

    context = {"article": article, "parent": parent, "form": form}
    if request.htmx:
        return render(request, "comments/_form.html", context, status=400)
    return render(request, "comments/comment_form.html", context, status=400)


def _inserted(request: HttpRequest, comment: Comment) -> HttpResponse:
    """The new comment as a fragment, placed where it belongs in the thread."""
    comment.is_new = True
    response = render(
        request,
        "comments/_posted.html",
        {
            "comment": comment,
            "article": comment.article,
            "form": CommentForm(),
            "comment_count": selectors.comment_count(article=comment.article),
        },
    )
    if comment.parent_id is None:
        target = "#comments-list"
    else:
        target = f"#replies-{comment.parent_id}"
    return reswap(retarget(response, target), "beforeend")


@require_POST
def comment_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    return _post(request, article, parent=None)


@require_http_methods(["GET", "POST"])
def comment_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    article = parent.article
    if request.method == "POST":
        return _post(request, article, parent=parent)
    form = CommentForm(initial={"body": pop_draft(request, article, parent)})
    context = {"article": article, "parent": parent, "form": form}
    if request.htmx:
        return render(request, "comments/_form.html", context)
    return render(request, "comments/comment_form.html", context)


@require_GET
def comment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    context = selectors.comment_context(comment=comment)
    return render(
        request,
        "comments/comment_detail.html",
        {
            "article": comment.article,
            "focus": context.comment,
            "ancestors": context.ancestors,
            "base_level": comment.level,
        },
    )
