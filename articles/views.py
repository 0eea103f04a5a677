from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from articles import selectors
from articles.models import Article, Tag
from comments.forms import CommentForm
from comments.views import discussion_context, pop_draft


def _page(request: HttpRequest, queryset):
    # get_page() turns "abc", "-1" and huge numbers into a real page, never a 500.
    return Paginator(queryset, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))


@require_GET
def article_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.article_list(user=request.user))
    return render(request, "articles/article_list.html", {"page_obj": page})


@require_GET
def tag_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    page = _page(request, selectors.article_list(user=request.user, tag=tag))
    return render(request, "articles/article_list.html", {"page_obj": page, "tag": tag})


@require_GET
def article_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.visible_to(request.user)
        .select_related("author")
        .prefetch_related("tags", "gallery"),
        slug=slug,
    )
    context = discussion_context(request, article)
    context |= {
        "related": selectors.related_articles(article=article),
        "next_article": selectors.next_article(article=article),
        "previous_article": selectors.previous_article(article=article),
        "form": CommentForm(initial={"body": pop_draft(request, article)}),
    }
    return render(request, "articles/article_detail.html", context)
