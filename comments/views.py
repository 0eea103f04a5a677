"""Thin views over comments.services and comments.selectors.

Every action works as a plain HTML form or link with a redirect back to the
comment's anchor; with htmx the same URLs answer with fragments swapped in
place. Refusals carry a sentence saying why (403 for someone else's comment or
a closed edit window, 400 for bad input), never a bare error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from articles.models import Article
from comments import notify, selectors, services
from comments.forms import CommentForm, FlagForm
from comments.models import Comment
from comments.ranking import Sort, sort_from
from trekboard.inputs import unreadable_fields
from trekboard.ratelimits import (
    comment_form_limited,
    flag_form_limited,
    like_limited,
    rate_limit,
    reader_address,
)

DRAFT_KEY = "comment_draft:{article}:{parent}"
HELD_MESSAGE = (
    "Your comment is awaiting moderation. Others will see it once a moderator approves it."
)


def _draft_key(article: Article, parent: Comment | None) -> str:
    return DRAFT_KEY.format(article=article.pk, parent=parent.pk if parent else 0)


def pop_draft(request: HttpRequest, article: Article, parent: Comment | None = None) -> str:
    """Text a logged-out reader typed before being sent to log in, if any."""
    if not hasattr(request, "session"):
        return ""
    return request.session.pop(_draft_key(article, parent), "")


def _client_ip(request: HttpRequest) -> str | None:
    address = reader_address(request)  # behind proxies too (TRUSTED_PROXY_COUNT)
    return str(address) if address is not None else None


def _int_param(request: HttpRequest, name: str, default: int, *, minimum: int) -> int:
    """A positive whole number from the query string; anything else means the default."""
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if minimum <= value <= 1_000_000 else default


def _comment_url(comment: Comment) -> str:
    return f"{comment.article.get_absolute_url()}#comment-{comment.pk}"


def _landing(
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


def _return_to(request: HttpRequest, comment: Comment) -> str:
    """Where a form without JavaScript goes back to: the page it came from, else the comment."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _comment_url(comment)


def _refused(request: HttpRequest, error: PermissionDenied, comment: Comment) -> HttpResponse:
    """A 403 that says why: in the comment's reply slot for htmx, else as a page.

    The slot, not the element that asked, so the comment's text and buttons stay.
    """
    message = str(error) or "You can't do that."
    if request.htmx:
        response = render(request, "comments/_refusal.html", {"message": message}, status=403)
        return reswap(retarget(response, f"#reply-slot-{comment.pk}"), "innerHTML")
    return render(request, "403.html", {"exception": message}, status=403)


def _not_shown(request: HttpRequest, comment: Comment, message: str) -> HttpResponse:
    """A 404 that says why, for a comment whose text this reader may not see."""
    if request.htmx:
        response = render(request, "comments/_refusal.html", {"message": message}, status=404)
        return reswap(retarget(response, f"#reply-slot-{comment.pk}"), "innerHTML")
    return render(request, "404.html", {"message": message}, status=404)


def _to_login(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send a logged-out reader to log in; an htmx request navigates the whole page there."""
    to_login = redirect_to_login(next_url)
    if request.htmx:
        return HttpResponseClientRedirect(to_login.url)
    return to_login


def _leaf(comment: Comment) -> Comment:
    """A comment rendered on its own (just posted or changed): nothing linked under it yet."""
    comment.replies = []
    comment.more_replies = 0
    comment.next_offset = 0
    comment.continue_thread = False
    return comment


def _decorated(request: HttpRequest, comment: Comment, *, fresh: bool = False) -> Comment:
    selectors.for_reader([_leaf(comment)], user=request.user, fresh=fresh)
    return comment


# --- The discussion ---------------------------------------------------------


def discussion_context(request: HttpRequest, article: Article) -> dict:
    """Everything the article page's discussion needs, for the page and its fragments."""
    user = request.user
    requested = sort_from(request.GET.get("sort"))
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=user)
    if requested is not None:
        services.sort_remember(user=user, sort=requested)
    page_number = _int_param(request, "page", 1, minimum=1)
    visit = None
    if request.htmx:
        since = selectors.previous_visit(user=user, article=article)
    elif user.is_authenticated:
        visit = services.article_visit_record(user=user, article=article)
        since = visit.previous
    else:
        since = None
    page = selectors.thread_page(article=article, sort=sort, page=page_number, user=user)
    selectors.for_reader(page.threads, user=user, since=since)
    context = {
        "article": article,
        "threads": page.threads,
        "thread_page": page,
        "sort": sort,
        "sorts": Sort,
    }
    if page.page == 1 or not request.htmx:
        # The discussion's head: the count and "N new since your last visit".
        if visit is not None:
            new = selectors.NewSince.from_visit(visit)
        else:
            new = selectors.new_since(article=article, user=user, since=since)
        shown = {comment.pk for comment in selectors.walk(page.threads)}
        context |= {
            "comment_count": page.comment_count
            if page.comment_count is not None
            else selectors.comment_count(article=article),
            "new_since": new,
            "first_new_on_page": new.first is not None and new.first.pk in shown,
        }
    return context


@require_safe
def comment_page_view(request: HttpRequest, slug: str) -> HttpResponse:
    """More top-level threads ("Load more comments") or the list in another sort, for htmx."""
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{article.get_absolute_url()}{'?' + query if query else ''}#comments")
    context = discussion_context(request, article)
    if context["thread_page"].page > 1:
        return render(request, "comments/_thread_page.html", context)
    return render(request, "comments/_discussion_body.html", context)


@require_safe
def comment_replies_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The next replies to a comment ("N more replies"), for htmx; a page without it."""
    parent = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=request.user)
    offset = _int_param(request, "offset", 0, minimum=0)
    if not request.htmx:
        url = reverse("comments:detail", kwargs={"pk": parent.pk})
        return redirect(f"{url}?sort={sort}&offset={offset}#replies-{parent.pk}")
    # The level the requesting page starts at (0 on the article, the focus on a
    # permalink), so the depth cap matches the page the replies are added to.
    base_level = min(_int_param(request, "base", 0, minimum=0), parent.level)
    replies = selectors.reply_page(
        parent=parent, sort=sort, offset=offset, base_level=base_level, user=request.user
    )
    since = selectors.previous_visit(user=request.user, article=parent.article)
    selectors.for_reader(replies.replies, user=request.user, since=since)
    return render(
        request,
        "comments/_reply_page.html",
        {
            "article": parent.article,
            "parent": parent,
            "replies": replies,
            "sort": sort,
            "base_level": base_level,
        },
    )


# --- Posting ----------------------------------------------------------------


def _form_url(article: Article, parent: Comment | None) -> str:
    if parent is not None:
        return reverse("comments:reply", kwargs={"pk": parent.pk})
    return article.get_absolute_url() + "#respond"


def _post(request: HttpRequest, article: Article, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST, unreadable=unreadable_fields(request))
    if not request.user.is_authenticated:
        # Keep what they typed: it is put back in the form after they log in.
        request.session[_draft_key(article, parent)] = request.POST.get("body", "")[:20_000]
        return _to_login(request, _form_url(article, parent))

    blocked = request.user.posting_block_reason()
    if blocked:
        # Said first, whatever else is wrong with the form: no fix would help.
        form.full_clean()
        form.add_error(None, blocked)
    elif form.is_valid():
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
            if comment.resubmitted:
                # Already posted by the first submit (with htmx, already on the
                # reader's page): show that one, rather than the same text twice.
                return _landing(
                    request,
                    comment,
                    "You had already posted this comment; here it is.",
                    level=messages.INFO,
                )
            if request.htmx:
                return _inserted(request, comment)
            if comment.is_pending:
                return _landing(request, comment, HELD_MESSAGE, level=messages.INFO)
            return _landing(request, comment, "Your comment is posted.")

    context = {"article": article, "parent": parent, "form": form}
    if request.htmx:
        return render(request, "comments/_form.html", context, status=400)
    return render(request, "comments/comment_form.html", context, status=400)


def _inserted(request: HttpRequest, comment: Comment) -> HttpResponse:
    """The new comment as a fragment, first under its parent (or first in the list)."""
    comment.is_new = True
    response = render(
        request,
        "comments/_posted.html",
        {
            "comment": _decorated(request, comment, fresh=True),
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
        return _refused(request, PermissionDenied(blocked), parent)
    form = CommentForm(initial={"body": pop_draft(request, article, parent)})
    context = {"article": article, "parent": parent, "form": form}
    if request.htmx:
        return render(request, "comments/_form.html", context)
    return render(request, "comments/comment_form.html", context)


@require_safe
def comment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=request.user)
    offset = _int_param(request, "offset", 0, minimum=0)
    context = selectors.comment_context(
        comment=comment, sort=sort, offset=offset, user=request.user
    )
    since = selectors.previous_visit(user=request.user, article=comment.article)
    selectors.for_reader([context.comment], user=request.user, since=since)
    your_flag = (
        selectors.flag_by(comment=comment, user=request.user)
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "comments/comment_detail.html",
        {
            "article": comment.article,
            "focus": context.comment,
            "ancestors": context.ancestors,
            "replies": context.replies,
            "offset": offset,
            "sort": sort,
            "base_level": comment.level,
            "your_flag": your_flag,
        },
    )


# --- Edit and delete --------------------------------------------------------


def _own_comment(request: HttpRequest, pk: int) -> Comment:
    return get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    if not request.user.is_authenticated:
        return _to_login(request, reverse("comments:edit", kwargs={"pk": pk}))
    if request.htmx and "cancel" in request.GET:
        # Puts the comment's text back in place of the form: only text this
        # reader may read (the fuzzer found this door open to removed comments).
        if not selectors.shows_text(comment, user=request.user):
            return _not_shown(request, comment, "This comment isn't shown any more.")
        return render(request, "comments/_comment_content.html", _content(request, comment))
    form = CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"body": comment.body},
        unreadable=unreadable_fields(request),
    )
    try:
        services.ensure_can_edit(comment, request.user)
        if request.method == "POST" and form.is_valid():
            comment = services.comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
            if request.htmx:
                return render(request, "comments/_edited.html", _content(request, comment))
            return _landing(request, comment, "Your comment was updated.")
    except PermissionDenied as error:
        return _refused(request, error, comment)
    except ValidationError as error:
        for message in error.messages:
            form.add_error("body", message)
    context = {
        "article": comment.article,
        "comment": comment,
        "form": form,
        "deadline": services.edit_deadline(comment),
    }
    status = 400 if form.errors else 200
    if request.htmx:
        return render(request, "comments/_edit_form.html", context, status=status)
    return render(request, "comments/comment_edit.html", context, status=status)


def _content(request: HttpRequest, comment: Comment) -> dict:
    return {"comment": _decorated(request, comment), "article": comment.article}


@require_http_methods(["GET", "HEAD", "POST"])
def comment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    if not request.user.is_authenticated:
        return _to_login(request, reverse("comments:delete", kwargs={"pk": pk}))
    if comment.author_id != request.user.pk:
        return _refused(
            request, PermissionDenied("You can only delete your own comments."), comment
        )
    if request.method != "POST":
        if not services.can_delete(comment, request.user):
            return _not_shown(request, comment, "This comment was already deleted or removed.")
        return render(
            request,
            "comments/comment_delete.html",
            {"article": comment.article, "comment": _decorated(request, comment)},
        )
    try:
        comment = services.comment_delete(comment=comment, user=request.user)
    except PermissionDenied as error:
        return _refused(request, error, comment)
    if not request.htmx:
        return _landing(request, comment, "Your comment was deleted.")
    context = {
        "comment": comment,
        "article": comment.article,
        "comment_count": selectors.comment_count(article=comment.article),
    }
    if comment.descendant_count:
        # Its replies stay: the comment becomes a "[deleted]" placeholder above them.
        response = render(request, "comments/_deleted.html", context)
        return reswap(retarget(response, f"#comment-meta-{comment.pk}"), "outerHTML")
    response = render(request, "comments/_count.html", {**context, "oob": True})
    return reswap(retarget(response, f"#comment-{comment.pk}"), "delete")


# --- Likes and flags --------------------------------------------------------


@require_POST
@rate_limit("like", respond=like_limited)
def comment_like_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    if not request.user.is_authenticated:
        return _to_login(request, _comment_url(comment))
    try:
        comment = services.comment_like_toggle(comment=comment, user=request.user)
    except PermissionDenied as error:
        return _refused(request, error, comment)
    if request.htmx:
        comment.is_own = False
        return render(
            request,
            "comments/_like.html",
            {"comment": comment, "article": comment.article, "next": request.POST.get("next", "")},
        )
    return HttpResponseRedirect(_return_to(request, comment))


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("flag", respond=flag_form_limited)
def comment_flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    if not request.user.is_authenticated:
        return _to_login(request, reverse("comments:flag", kwargs={"pk": pk}))
    if not selectors.shows_text(comment, user=request.user):
        # The flag page quotes the comment: only for comments the discussion shows.
        return _not_shown(
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
            return _refused(request, error, comment)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            thanks = "Thanks for flagging this comment. A moderator will look at it."
            if request.htmx:
                return render(request, "comments/_flagged.html", {"message": thanks})
            return _landing(request, comment, thanks)
    context = {"article": comment.article, "comment": comment, "form": form}
    status = 400 if form.errors else 200
    if request.htmx:
        return render(request, "comments/_flag_form.html", context, status=status)
    return render(request, "comments/comment_flag.html", context, status=status)


# --- Notifications ----------------------------------------------------------


@require_safe
@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    notifications = selectors.inbox(user=request.user)
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
        notification = selectors.inbox(user=request.user).filter(pk__in=ids).first()
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
    notification = get_object_or_404(selectors.inbox(user=request.user), pk=pk)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    comment = notification.comment
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
