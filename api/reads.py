"""The API's reads: discussions, a page of a discussion's comments, one comment, a reader.

Each read is the HTML page's own selector (``comments.selectors``), so the
same sorts, the same 50 threads and 10 replies a level, the same 200-comment
budget and depth cap, and the same rule about whose text shows. Where a page
has a link ("Load more comments", "3 more replies", "Continue this thread"),
the JSON has the URL of the next read.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema

from api import cache, schemas, serialize
from api.problems import Problem
from api.router import router
from articles.embedding import canonical_url
from articles.models import Article
from comments import profiles, selectors, spoilers
from comments.models import Comment
from comments.ranking import sort_from
from trekboard import ratelimits

_LIST_PER_PAGE = 20


def read(path: str, **options):
    """A public read: anyone, tagged "read" in the schema."""
    return router.get(path, tags=["read"], **options)


def limited_read(request: HttpRequest) -> None:
    """Reads are counted in each process (no cache round trip): a guard against floods only."""
    limited = ratelimits.hit(request, "api", local=True)
    if limited is not None:
        raise Problem(429, limited.message, retry_after=limited.retry_after)


# What the API says of a discussion needs none of the article's text.
_SUMMARY_DEFERRED = ("body", "body_html", "standfirst", "search_vector", "hero_caption")


def discussion_for(request: HttpRequest, pk: int) -> Article:
    article = (
        Article.objects.visible_to(request.user)
        .filter(pk=pk)
        .defer(*_SUMMARY_DEFERRED)
        .order_by()
        .first()
    )
    if article is None:
        raise Problem(404, "No such discussion.")
    return article


def readable_comment(request: HttpRequest, pk: int) -> Comment:
    """A comment of a discussion the reader may open (its text is ``for_reader``'s business)."""
    comment = selectors.comments_readable_by(user=request.user).filter(pk=pk).first()
    if comment is None:
        raise Problem(404, "No such comment.")
    return comment


class ListQuery(Schema):
    url: str | None = None
    page: int = 1


@read("/discussions", response=schemas.DiscussionList, summary="List discussions")
def discussion_list(request: HttpRequest, filters: Query[ListQuery]):
    """Trekboard's articles and other sites' pages with their comment counts, newest first.

    With ``url``, only the discussion of that page (none if it has none yet).
    """
    limited_read(request)
    articles = Article.objects.visible_to(request.user).order_by("-published_at", "-id")
    if filters.url is not None:
        url = canonical_url(filters.url)
        if url is None:
            raise Problem(400, "Give an absolute http(s) address in url.")
        articles = articles.filter(external_url=url)
    page = max(1, min(filters.page, 100_000))
    start = (page - 1) * _LIST_PER_PAGE
    rows = list(articles[start : start + _LIST_PER_PAGE + 1])
    more = len(rows) > _LIST_PER_PAGE
    return {
        "discussions": [serialize.discussion_summary(a) for a in rows[:_LIST_PER_PAGE]],
        "next": f"{serialize.API}/discussions?page={page + 1}" if more else None,
    }


@read(
    "/discussions/{pk}",
    response=schemas.DiscussionSummary,
    summary="One discussion",
)
def discussion_detail(request: HttpRequest, pk: int):
    limited_read(request)
    return serialize.discussion_summary(discussion_for(request, pk))


@read(
    "/discussions/{pk}/comments",
    response=schemas.DiscussionPage,
    summary="A page of a discussion's comments, as a tree",
)
def discussion_comments(
    request: HttpRequest, pk: int, sort: str | None = None, page: int = 1
) -> HttpResponse:
    """One page of threads: the pinned comment first, then 50 top-level threads in the sort,
    each with up to 10 replies a level and 200 comments in all; ``next``, ``more_replies``
    and ``continue_thread`` are the URLs of the rest.

    Anonymous answers come from the shared cache, which every write to the
    discussion replaces at once; ``ETag`` and ``If-None-Match`` save the body.
    """
    limited_read(request)
    page = page if 1 <= page <= 1_000_000 else 1
    chosen = sort_from(sort)
    reader = request.user
    stored = cache.Stored.for_request(request, pk, sort=chosen, page=page)
    if stored is not None and (answer := stored.answer(request)) is not None:
        return answer
    article = discussion_for(request, pk)
    found = selectors.discussion(
        article=article,
        reader=reader,
        sort=chosen or selectors.sort_for(request_value=None, user=reader),
        page=page,
        since=selectors.previous_visit(user=reader, article=article)
        if reader.is_authenticated
        else None,
        watched=spoilers.watched_of(request),
    )
    body = serialize.discussion_page(found, count=found.comment_count)
    return cache.respond(request, body, stored=stored)


@read(
    "/comments/{pk}",
    response=schemas.CommentContext,
    summary="One comment in context",
)
def comment_detail(request: HttpRequest, pk: int, sort: str | None = None, offset: int = 0):
    """The comment, the chain of comments it answers (oldest first) and its replies."""
    limited_read(request)
    comment = readable_comment(request, pk)
    chosen = selectors.sort_for(request_value=sort, user=request.user)
    offset = offset if 0 <= offset <= 1_000_000 else 0
    context = selectors.comment_context(
        comment=comment,
        sort=chosen,
        user=request.user,
        offset=offset,
        watched=spoilers.watched_of(request),
    )
    return {
        "discussion": serialize.discussion_summary(comment.article),
        "ancestors": [serialize.ancestor(row) for row in context.ancestors],
        "comment": serialize.comment(
            context.comment, sort=str(chosen), pinned_id=comment.article.pinned_comment_id
        ),
    }


@read(
    "/comments/{pk}/replies",
    response=schemas.ReplyPage,
    summary="More replies to a comment",
)
def comment_replies(request: HttpRequest, pk: int, sort: str | None = None, offset: int = 0):
    limited_read(request)
    parent = readable_comment(request, pk)
    chosen = selectors.sort_for(request_value=sort, user=request.user)
    offset = offset if 0 <= offset <= 1_000_000 else 0
    found = selectors.reply_page(
        parent=parent, sort=chosen, offset=offset, base_level=parent.level, user=request.user
    )
    selectors.for_reader(found.replies, user=request.user, watched=spoilers.watched_of(request))
    pinned = parent.article.pinned_comment_id
    more = None
    if found.more:
        more = {
            "count": found.more,
            "next": f"{serialize.API}/comments/{pk}/replies?sort={chosen}&offset={found.offset}",
        }
    return {
        "parent": pk,
        "replies": [
            serialize.comment(n, sort=str(chosen), pinned_id=pinned) for n in found.replies
        ],
        "more_replies": more,
    }


@read(
    "/users/{username}",
    response=schemas.Profile,
    summary="A reader's public profile",
)
def user_profile(request: HttpRequest, username: str):
    limited_read(request)
    user = (
        get_user_model()
        .objects.filter(username=username[:150], is_active=True, is_guest=False)
        .first()
    )
    if user is None:
        raise Problem(404, "No such reader.")
    stats = profiles.author_stats(user=user)
    groups = profiles.comments_by_user(
        user=user, viewer=request.user, watched=spoilers.watched_of(request)
    )
    return {
        "username": user.username,
        "name": user.display_name,
        "bio": user.bio,
        "joined": user.date_joined.isoformat(),
        "staff": user.is_staff,
        "comments": stats.comments,
        "likes_received": stats.likes_received,
        "recent": [
            serialize.recent(row, group.article) for group in groups for row in group.comments
        ],
        "page": f"/users/{user.username}/",
    }


@read("/counts", response=dict[str, int], summary="Comment counts for pages")
def counts(request: HttpRequest, url: list[str] = Query(...)):  # noqa: B008 - ninja's way
    """``?url=…&url=…`` (up to 100): each page's published comments, 0 for a page with none yet.

    The keys are the addresses as asked. For the "12 Comments" links on a
    site's lists of posts (``count.js`` fills them in); cached for a minute.
    """
    limited_read(request)
    asked = list(dict.fromkeys(url))[:100]
    return cache.counts(request, asked)
