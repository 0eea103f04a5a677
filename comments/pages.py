"""What every page that shows or takes comments does with the request, before it reads or writes.

Shared by the comment views and the article page (``articles.views``), which
must not import views of another app: the query-string numbers, the draft a
logged-out reader typed, and opening a discussion (the sort a reader chose is
remembered, a signed-in reader's visit noted, then the page read through
``selectors.discussion``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from articles.models import Article
from comments import selectors, services, spoilers
from comments.models import Comment
from comments.ranking import Sort, sort_from

DRAFT_KEY = "comment_draft:{article}:{parent}"


def draft_key(article: Article, parent: Comment | None) -> str:
    return DRAFT_KEY.format(article=article.pk, parent=parent.pk if parent else 0)


def pop_draft(request: HttpRequest, article: Article, parent: Comment | None = None) -> str:
    """Text a logged-out reader typed before being sent to log in, if any."""
    if not hasattr(request, "session"):
        return ""
    return request.session.pop(draft_key(article, parent), "")


def int_param(request: HttpRequest, name: str, default: int, *, minimum: int) -> int:
    """A positive whole number from the query string; anything else means the default."""
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if minimum <= value <= 1_000_000 else default


def requested_page(request: HttpRequest) -> tuple[Sort, int]:
    """The sort and page of a discussion this request asks for.

    A sort the URL names is remembered for a signed-in reader, for the pages
    whose URL names none (a write, as every page load that chooses one makes).
    """
    requested = sort_from(request.GET.get("sort"))
    if requested is not None:
        services.sort_remember(user=request.user, sort=requested)
    sort = selectors.sort_for(request_value=request.GET.get("sort"), user=request.user)
    return sort, int_param(request, "page", 1, minimum=1)


def discussion_for(request: HttpRequest, article: Article) -> selectors.Discussion:
    """The page of the article's discussion this request asks for, as its reader sees it.

    A full page load by a signed-in reader records the visit (and from it what
    is new to them); an htmx fragment of the same page (another sort, "Load
    more") reads the visit without moving it, so "New" stays on what was new
    when the page was opened. The head (count, "N new") comes with the first
    page, and with every page loaded without JavaScript.
    """
    user = request.user
    sort, page = requested_page(request)
    visit = None
    if request.htmx:
        since = selectors.previous_visit(user=user, article=article)
    elif user.is_authenticated:
        visit = services.article_visit_record(user=user, article=article)
        since = visit.previous
    else:
        since = None
    return selectors.discussion(
        article=article,
        reader=user,
        sort=sort,
        page=page,
        since=since,
        visit=visit,
        head=page == 1 or not request.htmx,
        watched=spoilers.watched_of(request),
    )


def discussion_context(discussion: selectors.Discussion) -> dict:
    """The template context of a discussion (``comments/_discussion.html`` and its parts)."""
    return {
        "article": discussion.article,
        "discussion": discussion,
        "sort": discussion.sort,
        "comment_count": discussion.comment_count,
    }


def live_state(discussion: selectors.Discussion, *, version: str | None) -> dict | None:
    """The values of an article page's live-updates poll (``comments/_live_poll.html``).

    ``version``: the discussion version the page is drawn under, when the view
    read it; without one, the first poll reads the database once. Drafts and
    scheduled articles don't poll.
    """
    article = discussion.article
    if not article.is_published:
        return None
    return {
        "article_id": article.pk,
        "version": version or "",
        "since": timezone.now().isoformat(),
        "sort": str(discussion.sort),
        "seconds": settings.LIVE_POLL_SECONDS,
    }
