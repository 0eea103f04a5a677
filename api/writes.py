"""The API's writes, for signed-in readers: through the same forms, services and limits as
the HTML views, so the same checks (holds, word lists, bans, the edit window)
and the same messages, and the same audit.

Signed in means the session with its CSRF token (the site itself), or an API
token in ``Authorization: Bearer`` (scripts, and the embed when the browser
keeps the session from it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja.utils import check_csrf

from accounts.tokens import api_token_revoke_key
from api import schemas, serialize
from api.problems import Problem, too_many
from api.reads import discussion_for, readable_comment
from api.router import router
from articles.models import Release
from comments import inbox, rules, selectors, services
from comments.forms import CommentForm, FlagForm
from comments.models import Comment
from trekboard import ratelimits
from trekboard.addresses import stored_address

HELD = "Thanks! Your comment is waiting for a moderator; only you can see it until then."


def signed_in(request: HttpRequest):
    """The operations' auth: the token's reader, or the session's with its CSRF token checked.

    Run before the body is read, so a request that isn't signed in learns that
    first (401), whatever else is wrong with it.
    """
    if getattr(request, "token_refused", False):
        raise Problem(401, "This API token is unknown, expired or revoked.")
    user = request.user
    if not user.is_authenticated:
        raise Problem(401, "Sign in first: with the session, or an API token from your settings.")
    # Django's own check; a token-signed request is exempt (accounts.middleware).
    if check_csrf(request) is not None:
        raise Problem(403, "The CSRF token is missing or wrong: reload the page and try again.")
    return user


def write(method: str, path: str, **options):
    """A write operation (and the reader's own reads): signed in, tagged "write"."""
    return router.api_operation([method], path, tags=["write"], auth=signed_in, **options)


def counted(request: HttpRequest, action: str) -> None:
    limited = ratelimits.hit(request, action)
    if limited is not None:
        raise too_many(limited)


def _as_json(request: HttpRequest, comment: Comment, *, liked: bool | None = None) -> dict:
    node = selectors.shown(comment, user=request.user, liked=liked)
    return serialize.comment(
        node, sort=str(request.user.comment_sort), pinned_id=comment.article.pinned_comment_id
    )


def _form_problem(form) -> Problem:
    errors = {
        ("non_field" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }
    first = next(iter(next(iter(errors.values()))), "Check the form.")
    return Problem(400, first, errors=errors)


def _refused(error: Exception, status: int = 403) -> Problem:
    messages = getattr(error, "messages", None) or [str(error)]
    return Problem(status, " ".join(messages))


@write(
    "POST",
    "/discussions/{pk}/comments",
    response={201: schemas.Posted},
    summary="Post a comment or a reply",
)
def comment_post(request: HttpRequest, pk: int, payload: schemas.CommentIn):
    """A top-level comment, or with ``parent`` a reply to a comment of the same discussion."""
    counted(request, "reply" if payload.parent is not None else "post")
    article = discussion_for(request, pk)
    parent = None
    if payload.parent is not None:
        parent = (
            selectors.comments_readable_by(user=request.user)
            .filter(pk=payload.parent, article=article)
            .first()
        )
        if parent is None:
            raise Problem(400, "The comment you reply to isn't in this discussion.")
    blocked = request.user.posting_block_reason()
    if blocked:
        raise Problem(403, blocked)
    form = CommentForm({"body": payload.body})
    if not form.is_valid():
        raise _form_problem(form)
    spoils = services.PARENTS_MARK
    if payload.spoils is not None:
        spoils = Release.objects.filter(pk=payload.spoils).first()
        if spoils is None:
            raise Problem(400, "Choose an episode from the “Spoils” list, or none.")
    try:
        comment = services.comment_create(
            article=article,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
            ip_address=stored_address(request),
            spoils=spoils,
        )
    except PermissionDenied as error:
        raise _refused(error) from error
    except ValidationError as error:
        raise _refused(error, 400) from error
    held = comment.is_pending
    message = HELD if held else "Your comment is posted."
    if comment.resubmitted:
        message = "You had already posted this comment; here it is."
    return 201, {
        "comment": _as_json(request, comment, liked=False),
        "held": held,
        "message": message,
    }


@write(
    "PATCH",
    "/comments/{pk}",
    response=schemas.Comment,
    summary="Edit your comment",
)
def comment_edit(request: HttpRequest, pk: int, payload: schemas.EditIn):
    counted(request, "reply")
    comment = readable_comment(request, pk)
    form = CommentForm({"body": payload.body})
    try:
        rules.ensure_can_edit(comment, request.user)
        if not form.is_valid():
            raise _form_problem(form)
        comment = services.comment_edit(
            comment=comment, user=request.user, body=form.cleaned_data["body"]
        )
    except PermissionDenied as error:
        raise _refused(error) from error
    except ValidationError as error:
        raise _refused(error, 400) from error
    return _as_json(request, comment)


@write(
    "DELETE",
    "/comments/{pk}",
    response=schemas.Comment,
    summary="Delete your comment",
)
def comment_delete(request: HttpRequest, pk: int):
    """Its replies stay, under "[deleted]"."""
    comment = readable_comment(request, pk)
    if comment.author_id != request.user.pk:
        raise Problem(403, "You can only delete your own comments.")
    try:
        comment = services.comment_delete(comment=comment, user=request.user)
    except PermissionDenied as error:
        raise _refused(error) from error
    return _as_json(request, comment, liked=False)


def _like_set(request: HttpRequest, pk: int, *, liked: bool) -> dict:
    counted(request, "like")
    comment = readable_comment(request, pk)
    current = selectors.shown(comment, user=request.user)
    if current.liked != liked:
        try:
            comment = services.comment_like_toggle(comment=comment, user=request.user)
        except PermissionDenied as error:
            raise _refused(error) from error
        return {"id": pk, "liked": comment.liked, "likes": comment.like_count}
    return {"id": pk, "liked": liked, "likes": comment.like_count}


@write(
    "PUT",
    "/comments/{pk}/like",
    response=schemas.Liked,
    summary="Like a comment",
)
def comment_like(request: HttpRequest, pk: int):
    return _like_set(request, pk, liked=True)


@write(
    "DELETE",
    "/comments/{pk}/like",
    response=schemas.Liked,
    summary="Take your like back",
)
def comment_unlike(request: HttpRequest, pk: int):
    return _like_set(request, pk, liked=False)


@write(
    "POST",
    "/comments/{pk}/flag",
    response=schemas.Flagged,
    summary="Flag for the moderators",
)
def comment_flag(request: HttpRequest, pk: int, payload: schemas.FlagIn):
    counted(request, "flag")
    comment = readable_comment(request, pk)
    if not rules.shows_text(comment, user=request.user):
        raise Problem(404, "This comment isn't shown any more, so there is nothing to flag.")
    reason = "off_topic" if payload.reason == "offtopic" else payload.reason
    form = FlagForm({"reason": reason, "text": payload.text})
    if not form.is_valid():
        raise _form_problem(form)
    try:
        services.comment_flag(
            comment=comment,
            user=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except PermissionDenied as error:
        raise _refused(error) from error
    except ValidationError as error:
        raise _refused(error, 400) from error
    return {"message": "Thanks for flagging this comment. A moderator will look at it."}


@write(
    "GET",
    "/me",
    response=schemas.Me,
    summary="Who you are signed in as",
)
def me(request: HttpRequest):
    user = request.user
    return {
        "username": user.username,
        "name": user.display_name,
        "unread_notifications": inbox.unread_notification_count(user=user),
        "notifications": "/notifications/",
        "posting_blocked": user.posting_block_reason() or None,
    }


@write(
    "GET",
    "/notifications",
    response=schemas.Notifications,
    summary="Your notifications",
)
def notifications(request: HttpRequest):
    user = request.user
    rows = list(inbox.inbox(user=user)[:50])
    return {
        "notifications": [_notification(n) for n in rows],
        "unread": inbox.unread_notification_count(user=user),
    }


def _notification(notification) -> dict:
    comment = notification.comment
    if comment is not None and notification.kind in ("reply", "mention"):
        who = comment.author.display_name if comment.author_id else "Someone"
    else:
        who = "A moderator"
    text = f"{who} {notification.get_kind_display()}"
    if comment is not None:
        text += f" on “{comment.article.title}”"
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "unread": notification.is_unread,
        "created": notification.created_at.isoformat(),
        "text": text,
        "url": notification.get_absolute_url(),
    }


@write(
    "POST",
    "/notifications/read",
    response=schemas.Marked,
    summary="Mark notifications read",
)
def notifications_read(request: HttpRequest, payload: schemas.ReadIn | None = None):
    user = request.user
    ids = payload.ids if payload is not None else None
    if ids is not None:
        ids = [i for i in ids if 0 < i < 2**63][:500]
    marked = services.notifications_mark_read(user=user, notification_ids=ids)
    return {"marked": marked}


@write(
    "DELETE",
    "/tokens/current",
    response={204: None},
    summary="Revoke the token you sent",
)
def token_revoke_current(request: HttpRequest):
    """The widget's "Sign out": the token in the ``Authorization`` header stops working."""
    key = getattr(request, "token_key", None)
    if key is None:
        raise Problem(400, "Send the token to revoke in the Authorization header.")
    api_token_revoke_key(key=key)
    return 204, None
