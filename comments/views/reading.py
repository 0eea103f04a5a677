"""Reading a discussion past the article page: more threads, more replies, a comment's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles.models import Article
from comments import selectors, spoilers
from comments.pages import discussion_context, discussion_for, int_param
from comments.views.responses import not_shown


@require_safe
def comment_page_view(request: HttpRequest, slug: str) -> HttpResponse:
    """More top-level threads ("Load more comments") or the list in another sort, for htmx."""
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{article.get_absolute_url()}{'?' + query if query else ''}#comments")
    discussion = discussion_for(request, article)
    context = discussion_context(discussion)
    if discussion.page > 1:
        return render(request, "comments/_thread_page.html", context)
    return render(request, "comments/_discussion_body.html", context)


@require_safe
def comment_replies_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The next replies to a comment ("N more replies"), for htmx; a page without it."""
    parent = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=request.user)
    offset = int_param(request, "offset", 0, minimum=0)
    if not request.htmx:
        url = reverse("comments:detail", kwargs={"pk": parent.pk})
        return redirect(f"{url}?sort={sort}&offset={offset}#replies-{parent.pk}")
    # The level the requesting page starts at (0 on the article, the focus on a
    # permalink), so the depth cap matches the page the replies are added to.
    base_level = min(int_param(request, "base", 0, minimum=0), parent.level)
    replies = selectors.reply_page(
        parent=parent, sort=sort, offset=offset, base_level=base_level, user=request.user
    )
    since = selectors.previous_visit(user=request.user, article=parent.article)
    selectors.for_reader(
        replies.replies, user=request.user, since=since, watched=spoilers.watched_of(request)
    )
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


@require_safe
def comment_detail_view(request: HttpRequest, pk: int, *, reveal: bool = False) -> HttpResponse:
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=request.user)
    offset = int_param(request, "offset", 0, minimum=0)
    context = selectors.comment_context(
        comment=comment,
        sort=sort,
        offset=offset,
        user=request.user,
        watched=spoilers.watched_of(request),
    )
    if reveal:
        context.comment.covered = False
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


@require_safe
def comment_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Show this one" on a spoiler's cover: this comment's text, and only when asked.

    For htmx, the text and actions in place of the cover; without JavaScript,
    the comment's own page with it uncovered (its replies keep their covers).
    """
    if not request.htmx:
        return comment_detail_view(request, pk, reveal=True)
    comment = get_object_or_404(selectors.comments_readable_by(user=request.user), pk=pk)
    node = selectors.shown(comment, user=request.user)
    if not node.shows_text:
        return not_shown(request, comment, "This comment isn't shown any more.")
    node.covered = False
    return render(
        request, "comments/_comment_content.html", {"comment": node, "article": comment.article}
    )
