from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from articles import selectors, services
from articles.models import Article, Release, Tag, Watched
from articles.releases import (
    WATCHED_COOKIE,
    WATCHED_COOKIE_MAX_AGE,
    watched_cookie_value,
    watched_from_cookie,
)
from comments import (
    overlay,
    pagecache,
    selectors as comment_selectors,
)
from comments.forms import CommentForm
from comments.pages import (
    discussion_context,
    discussion_for,
    live_state,
    pop_draft,
    requested_page,
)
from trekboard import ratelimits
from trekboard.inputs import safe_next
from trekboard.responses import Splice, render_freed


def _page(request: HttpRequest, queryset):
    # get_page() turns "abc", "-1" and huge numbers into a real page, never a 500.
    return Paginator(queryset, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))


@require_safe
def article_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.article_list(user=request.user))
    return render(request, "articles/article_list.html", {"page_obj": page})


@require_safe
def tag_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    page = _page(request, selectors.article_list(user=request.user, tag=tag))
    return render(request, "articles/article_list.html", {"page_obj": page, "tag": tag})


@require_safe
def article_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    cacheable = pagecache.eligible(request)
    if cacheable and (cached := pagecache.lookup(request, slug)) is not None:
        return cached
    if overlay.eligible(request) and (personal := _personal_page(request, slug)) is not None:
        return personal
    found = selectors.article_page(slug=slug, user=request.user)
    if found is None:
        raise Http404("No such article.")
    article, nav = found
    # Read the cache versions before the discussion, so a write committed in
    # between shows up under a newer version, never under these.
    versions = pagecache.Versions(article.pk) if cacheable and article.is_published else None
    discussion = discussion_for(request, article)
    form = CommentForm(initial={"body": pop_draft(request, article)})
    splice = Splice()
    context = _context(discussion, nav, form) | {
        "threads_splice": splice,
        "live": live_state(discussion, version=versions and versions.discussion),
    }
    response = render_freed(request, "articles/article_detail.html", context)
    response.content = splice.into(response.content)
    if versions is not None:
        versions.store(request, slug, response)
    return response


def _context(discussion, nav, form: CommentForm) -> dict:
    return discussion_context(discussion) | {"nav": nav, "form": form}


def _personal_page(request: HttpRequest, slug: str) -> HttpResponse | None:
    """A signed-in reader's page filled in from this process's drawing of it (comments.overlay).

    None when their page must be rendered in full. The drawing is the page as
    an anonymous reader gets it, drawn under the versions read first, as the
    anonymous page cache does, so it is never older than the last write.
    """
    sort, page = requested_page(request)
    article_id = pagecache.known_article(slug)
    versions = pagecache.Versions(article_id) if article_id is not None else None
    key = (article_id, sort, page)
    artifact = overlay.remembered(key, (versions.site, versions.discussion)) if versions else None
    if artifact is None or artifact.article.slug != slug:
        artifact = _drawing(request, slug, sort=sort, page=page, versions=versions)
        if artifact is None:
            return None
    # Records the visit a full render records (requested_page remembered the sort).
    personal = overlay.personal(request=request, artifact=artifact)
    if personal is None:
        return None
    return overlay.respond(artifact.fill(request, personal=personal, form=CommentForm()))


def _drawing(
    request: HttpRequest, slug: str, *, sort, page: int, versions
) -> overlay.Artifact | None:
    """Draw the page as an anonymous reader sees it, with marks where a reader's parts go."""
    drawing_request = overlay.anonymous(request)
    found = selectors.article_page(slug=slug, user=drawing_request.user)
    if found is None:  # unpublished (staff only) or no such article: the full render answers
        return None
    article, nav = found
    if versions is None or versions.article_id != article.pk:
        versions = pagecache.Versions(article.pk)  # read before the discussion, as above
    marks = overlay.Marks()
    discussion = comment_selectors.discussion(
        article=article, reader=drawing_request.user, sort=sort, page=page
    )
    context = _context(discussion, nav, CommentForm()) | {
        "overlay_marks": marks,
        "live": live_state(discussion, version=versions.discussion),
    }
    html = render_to_string("articles/article_detail.html", context, drawing_request)
    artifact = overlay.Artifact.from_drawing(
        html, marks, article=article, versions=(versions.site, versions.discussion)
    )
    overlay.remember(slug, (article.pk, sort, page), artifact)
    return artifact


@require_http_methods(["GET", "HEAD", "POST"])
def release_watched_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Whether the reader has watched a release: its spoilers show for them once they have.

    A page (and, asked by htmx from a cover, the same form on its own) rather
    than a one-click button: saying so reveals every comment marked as
    spoiling it, across the site, so it is asked once, plainly, and undone here.
    Signed-in readers keep it in their account, anonymous ones in a cookie.
    """
    release = get_object_or_404(Release.objects.select_related("show"), pk=pk)
    next_url = safe_next(request)
    if not next_url:
        about = release.articles.filter(status=Article.Status.PUBLISHED).first()
        next_url = about.get_absolute_url() if about else "/"
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        if (limited := ratelimits.hit(request, "watched")) is not None:
            return ratelimits.too_many_requests(request, limited)
        watched = request.POST.get("watched") == "yes"
        response = HttpResponseClientRedirect(next_url) if request.htmx else redirect(next_url)
        if signed_in:
            services.watched_set(user=request.user, release=release, watched=watched)
        else:
            mine = watched_from_cookie(request.COOKIES.get(WATCHED_COOKIE))
            ids = [i for i in mine if i != release.pk] + ([release.pk] if watched else [])
            response.set_cookie(
                WATCHED_COOKIE,
                watched_cookie_value(ids),
                max_age=WATCHED_COOKIE_MAX_AGE,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
    if signed_in:
        watched = Watched.objects.filter(user=request.user, release=release).exists()
    else:
        watched = release.pk in watched_from_cookie(request.COOKIES.get(WATCHED_COOKIE))
    context = {
        "release": release,
        "watched": watched,
        "next": next_url,
        "airings": list(release.airings.all()),
    }
    template = "articles/_release_watched.html" if request.htmx else "articles/release_watched.html"
    return render(request, template, context)
