"""A reader's own writes: post, reply, edit, delete. Thin: the form checks, the service writes.

One door for a reply: ``comments:reply`` names the parent in its URL (its GET
is the reply form a page without JavaScript opens); ``comments:create`` takes
top-level comments only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from articles.models import Article, Release
from comments import rules, selectors, services
from comments.forms import CommentForm
from comments.models import Comment
from comments.pages import draft_key, pop_draft
from comments.views.responses import (
    HELD_MESSAGE,
    comment_form_limited,
    landing,
    not_shown,
    refused,
    to_login,
)
from trekboard.addresses import stored_address
from trekboard.inputs import id_from, unreadable_fields
from trekboard.ratelimits import rate_limit, with_retry_after
from trekboard.responses import fragment_or_page


def _form_url(article: Article, parent: Comment | None) -> str:
    if parent is not None:
        return reverse("comments:reply", kwargs={"pk": parent.pk})
    return article.get_absolute_url() + "#respond"


def _form_again(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    return fragment_or_page(
        request, "comments/_form.html", "comments/comment_form.html", context, status=status
    )


_NOT_FOUND = object()


def _spoils_chosen(request: HttpRequest, form: CommentForm):
    """The release the writer marked it as spoiling: None for none, the parent's if not asked."""
    raw = request.POST.get("spoils")
    if raw is None:  # a form without the picker (the article has no show)
        return services.PARENTS_MARK
    if raw == "":
        return None
    release = Release.objects.filter(pk=id_from(raw)).first() if id_from(raw) else None
    if release is None:
        form.full_clean()
        form.add_error(None, "Choose an episode from the “Spoils” list, or “No episode”.")
        return _NOT_FOUND
    return release


def _post(request: HttpRequest, article: Article, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST, unreadable=unreadable_fields(request))
    if not request.user.is_authenticated:
        # Keep what they typed: it is put back in the form after they log in.
        request.session[draft_key(article, parent)] = request.POST.get("body", "")[:20_000]
        return to_login(request, _form_url(article, parent))

    blocked = request.user.posting_block_reason()
    if blocked:
        # Said first, whatever else is wrong with the form: no fix would help.
        form.full_clean()
        form.add_error(None, blocked)
    elif parent is None and request.POST.get("parent"):
        # Only the reply URL takes replies; posting this one at the top of the
        # discussion would put it somewhere the reader didn't mean.
        form.full_clean()
        form.add_error(None, "To reply to a comment, use its Reply link.")
    elif (spoils := _spoils_chosen(request, form)) is not _NOT_FOUND and form.is_valid():
        try:
            comment = services.comment_create(
                article=article,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                ip_address=stored_address(request),
                spoils=spoils,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if comment.resubmitted:
                # Already posted by the first submit (with htmx, already on the
                # reader's page): show that one, rather than the same text twice.
                return landing(
                    request,
                    comment,
                    "You had already posted this comment; here it is.",
                    level=messages.INFO,
                )
            if request.htmx:
                return _inserted(request, comment)
            if comment.is_pending:
                return landing(request, comment, HELD_MESSAGE, level=messages.INFO)
            return landing(request, comment, "Your comment is posted.")

    return _form_again(request, {"article": article, "parent": parent, "form": form}, status=400)


def _inserted(request: HttpRequest, comment: Comment) -> HttpResponse:
    """The new comment as a fragment, first under its parent (or first in the list)."""
    shown = selectors.shown(comment, user=request.user, fresh=True)
    shown.is_new = True
    response = render(
        request,
        "comments/_posted.html",
        {
            "comment": shown,
            "article": comment.article,
            "form": CommentForm(),
            # comment_create keeps the article's count current (no query).
            "comment_count": comment.article.comment_count,
        },
    )
    if comment.parent_id is None:
        target = "#comments-list"
    else:
        target = f"#replies-{comment.parent_id}"
    return reswap(retarget(response, target), "afterbegin")


@require_POST
@rate_limit("post", respond=comment_form_limited)
def comment_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    return _post(request, article, parent=None)


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("reply", respond=comment_form_limited)
def comment_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    article = parent.article
    if request.method == "POST":
        return _post(request, article, parent=parent)
    blocked = request.user.is_authenticated and request.user.posting_block_reason()
    if blocked:
        return refused(request, PermissionDenied(blocked), parent)
    form = CommentForm(initial={"body": pop_draft(request, article, parent)})
    return _form_again(request, {"article": article, "parent": parent, "form": form})


def _readable(request: HttpRequest, pk: int) -> Comment:
    return get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)


def _content(request: HttpRequest, comment: Comment) -> dict:
    return {"comment": selectors.shown(comment, user=request.user), "article": comment.article}


@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _readable(request, pk)
    if not request.user.is_authenticated:
        return to_login(request, reverse("comments:edit", kwargs={"pk": pk}))
    if request.htmx and "cancel" in request.GET:
        # Puts the comment's text back in place of the form: only text this
        # reader may read (the fuzzer found this door open to removed comments).
        if not rules.shows_text(comment, user=request.user):
            return not_shown(request, comment, "This comment isn't shown any more.")
        return render(request, "comments/_comment_content.html", _content(request, comment))
    form = CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"body": comment.body},
        unreadable=unreadable_fields(request),
    )
    try:
        rules.ensure_can_edit(comment, request.user)
        if request.method == "POST" and form.is_valid():
            comment = services.comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
            if request.htmx:
                return render(request, "comments/_edited.html", _content(request, comment))
            return landing(request, comment, "Your comment was updated.")
    except PermissionDenied as error:
        return refused(request, error, comment)
    except ValidationError as error:
        for message in error.messages:
            form.add_error("body", message)
    context = {
        "article": comment.article,
        "comment": comment,
        "form": form,
        "deadline": rules.edit_deadline(comment),
    }
    return fragment_or_page(
        request,
        "comments/_edit_form.html",
        "comments/comment_edit.html",
        context,
        status=400 if form.errors else 200,
    )


def _preview_limited(request: HttpRequest, limited) -> HttpResponse:
    context = _preview_of(request)
    if not request.htmx:
        context["form"].add_error(None, limited.message)
    response = _preview_answer(request, context, preview=None, preview_errors=[limited.message])
    response.status_code = 429
    return with_retry_after(response, limited)


def _preview_of(request: HttpRequest) -> dict:
    """The form a preview was asked from, named in its query: a new comment, a reply or an edit."""
    form = CommentForm(request.POST, unreadable=unreadable_fields(request))
    if (pk := id_from(request.GET.get("comment"))) is not None:
        comment = _readable(request, pk)
        return {"edit": comment, "comment": comment, "article": comment.article, "form": form}
    if (pk := id_from(request.GET.get("parent"))) is not None:
        parent = _readable(request, pk)
        return {"parent": parent, "article": parent.article, "form": form}
    slug = request.GET.get("article", "")
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug[:255])
    return {"parent": None, "article": article, "form": form}


def _preview_refused(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 that says why: where the preview would have shown (htmx), else as a page."""
    return fragment_or_page(
        request,
        "comments/_preview.html",
        "403.html",
        {"preview": None, "preview_errors": [message], "message": message, "exception": message},
        status=403,
    )


def _preview_answer(request: HttpRequest, context: dict, **extra) -> HttpResponse:
    """The preview below the form (htmx), or the form's page with the preview in it.

    Without JavaScript the form itself says what is wrong with the text, beside
    the field, as a failed post does.
    """
    if request.htmx:
        return render(request, "comments/_preview.html", context | extra)
    context = context | {"preview": extra.get("preview")}
    if "edit" in context:
        context["deadline"] = rules.edit_deadline(context["edit"])
        return render(request, "comments/comment_edit.html", context)
    return render(request, "comments/comment_form.html", context)


@require_POST
@rate_limit("preview", respond=_preview_limited)
def comment_preview_view(request: HttpRequest) -> HttpResponse:
    """Show what the text in a comment, reply or edit form would look like, posting nothing.

    Anyone who can see the form may preview: it writes nothing. Editing is
    checked as the edit itself checks it (only the author, within the window).
    """
    context = _preview_of(request)
    blocked = request.user.is_authenticated and request.user.posting_block_reason()
    if blocked:  # as the reply form refuses them: no form, so no preview either
        return _preview_refused(request, blocked)
    if "edit" in context:
        try:
            rules.ensure_can_edit(context["edit"], request.user)
        except PermissionDenied as error:
            return _preview_refused(request, str(error))
    form = context["form"]
    try:
        preview = services.comment_preview(body=form.data.get("body", ""))
    except ValidationError as error:
        return _preview_answer(request, context, preview=None, preview_errors=error.messages)
    return _preview_answer(request, context, preview=preview)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _readable(request, pk)
    if not request.user.is_authenticated:
        return to_login(request, reverse("comments:delete", kwargs={"pk": pk}))
    if comment.author_id != request.user.pk:
        return refused(request, PermissionDenied("You can only delete your own comments."), comment)
    if request.method != "POST":
        if not rules.can_delete(comment, request.user):
            return not_shown(request, comment, "This comment was already deleted or removed.")
        return render(request, "comments/comment_delete.html", _content(request, comment))
    try:
        comment = services.comment_delete(comment=comment, user=request.user)
    except PermissionDenied as error:
        return refused(request, error, comment)
    if not request.htmx:
        return landing(request, comment, "Your comment was deleted.")
    context = {
        "comment": selectors.shown(comment, user=request.user, liked=False),
        "article": comment.article,
        "comment_count": selectors.comment_count(article=comment.article),
    }
    if comment.descendant_count:
        # Its replies stay: the comment becomes a "[deleted]" placeholder above them.
        response = render(request, "comments/_deleted.html", context)
        return reswap(retarget(response, f"#comment-meta-{comment.pk}"), "outerHTML")
    response = render(request, "comments/_count.html", {**context, "oob": True})
    return reswap(retarget(response, f"#comment-{comment.pk}"), "delete")
