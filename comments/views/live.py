"""Live "new comments" on an open article page, by polling through htmx (issue 16).

The page carries a hidden poll element (``comments/_live_poll.html``) with the
discussion version it was drawn under and the moment it was drawn; every
``LIVE_POLL_SECONDS`` while the tab is visible htmx asks ``live_view``. While
the version is the current one (and the signed-in reader's inbox hasn't
changed since), the answer is a 204 read off the cache in one round trip:
no session, no user, no query; ``comments.middleware.QuietPollMiddleware``
gives it ahead of the rest of the middleware, and this view answers the rest.
Otherwise it counts the comments written since, and answers the banner
("3 new comments · Show them"), the heading's count, the bell, and the poll
element under the new version. When the cache can't be
read the answer is the same poll element asking again a minute later, and a
286 (htmx's "stop polling") once the article is gone. Without JavaScript
nothing polls.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Article
from comments import live, pagecache, spoilers
from comments.inbox import unread_notification_count
from trekboard.ratelimits import hit

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 60
STOP_POLLING = 286  # htmx stops an element's polling on this status


def _context(article_id: int, poll: live.Poll, version: str | None, **extra) -> dict:
    return {
        "live": {
            "article_id": article_id,
            "version": version or "",
            "since": poll.since.isoformat(),
            "sort": poll.sort,
            "seconds": extra.pop("seconds", settings.LIVE_POLL_SECONDS),
        },
        **extra,
    }


@require_safe
def live_view(request: HttpRequest, article_id: int) -> HttpResponse:
    poll = live.Poll(request.GET)
    if not request.htmx or poll.since is None:
        return HttpResponseBadRequest("This address answers an open article page's live updates.")
    try:
        version, inbox = pagecache.live_versions(article_id, poll.reader)
        cache_down = not getattr(cache, "available", True)  # the fail-safe Redis client's word
    except Exception:
        logger.warning("Live updates: the cache could not be read.", exc_info=True)
        version, inbox, cache_down = None, None, True
    if cache_down:
        # Ask again later, and leave the database alone meanwhile.
        context = _context(article_id, poll, poll.version, seconds=BACKOFF_SECONDS)
        return render(request, "comments/_live_poll.html", context)
    discussion_moved = version != poll.version
    inbox_moved = poll.reader is not None and inbox is not None and inbox > poll.inbox
    if not discussion_moved and not inbox_moved:
        return HttpResponse(status=204)
    # Something changed: from here on the answer reads the database, so it is
    # counted (in this process: no round trip), and over the limit asked again later.
    if hit(request, "live", local=True) is not None:
        context = _context(article_id, poll, poll.version, seconds=BACKOFF_SECONDS)
        return render(request, "comments/_live_poll.html", context)
    article = Article.objects.published().filter(pk=article_id).only("comment_count").first()
    if article is None:
        return HttpResponse(status=STOP_POLLING)
    if version is None:
        # No version yet (the first poll since a cache flush): started as a
        # page starts it, and only for an article that exists, so a poll for
        # any number can't fill the cache with versions of nothing.
        version = pagecache.Versions(article_id).discussion
    user = request.user
    context = _context(article_id, poll, version, comment_count=article.comment_count)
    if discussion_moved:
        context["new_count"] = live.new_count(article_id=article_id, since=poll.since, user=user)
    if inbox_moved and user.is_authenticated and user.pk == poll.reader:
        context["bell"] = True
        context["unread_notifications"] = unread_notification_count(user=user)
        # As of the change just read (the count includes it), or of now.
        context["live_moment"] = max(pagecache.live_moment(), inbox)
    return render(request, "comments/_live_answer.html", context)


@require_safe
def live_show_view(request: HttpRequest, article_id: int) -> HttpResponse:
    """ "Show them": the new comments at the top of the discussion, the poll moved past them."""
    poll = live.Poll(request.GET)
    if not request.htmx or poll.since is None:
        return HttpResponseBadRequest("This address answers an open article page's live updates.")
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        return HttpResponse(status=STOP_POLLING)
    # The version before the comments, as a page reads it: a comment committed
    # in between comes under a newer version, and the next poll finds it.
    try:
        version = pagecache.Versions(article_id).discussion
    except Exception:
        logger.warning("Live updates: the cache could not be read.", exc_info=True)
        version = None
    comments = live.new_comments(
        article_id=article_id,
        since=poll.since,
        user=request.user,
        watched=spoilers.watched_of(request),
    )
    if comments:
        poll.since = max(node.comment.created_at for node in comments)
    context = _context(
        article_id,
        poll,
        version,
        article=article,
        sort=poll.sort,
        new_comments=comments,
        comment_count=article.comment_count,
    )
    return render(request, "comments/_live_shown.html", context)
