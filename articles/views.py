from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles import selectors
from articles.models import Article, Tag
from comments import pagecache
from comments.forms import CommentForm
from comments.pages import discussion_context, discussion_for, pop_draft


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
    article = get_object_or_404(
        Article.objects.visible_to(request.user)
        .select_related("author")
        .prefetch_related("tags", "gallery"),
        slug=slug,
    )
    # Read the cache versions before the discussion, so a write committed in
    # between shows up under a newer version, never under these.
    versions = pagecache.Versions(article.pk) if cacheable and article.is_published else None
    context = discussion_context(discussion_for(request, article))
    context |= {
        "nav": selectors.story_nav(article=article),
        "form": CommentForm(initial={"body": pop_draft(request, article)}),
    }
    response = render(request, "articles/article_detail.html", context)
    if versions is not None:
        versions.store(request, slug, response)
    return response
