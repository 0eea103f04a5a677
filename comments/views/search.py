"""``/search/``: find what was said, in comments and articles (comments.search)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Article
from comments import search, spoilers
from comments.forms import SearchForm
from comments.pages import int_param
from trekboard.ratelimits import hit, too_many_requests


@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if request.GET else None)
    context: dict = {"form": form, "results": None, "article": None}
    if not form.is_bound or not form.is_valid():
        return render(request, "comments/search.html", context)
    if slug := form.cleaned_data["article"]:
        context["article"] = Article.objects.published().filter(slug=slug).first()
        if context["article"] is None:
            form.add_error("article", "There's no article at that address; search everywhere.")
            return render(request, "comments/search.html", context)
    if not form.cleaned_data["q"].strip():
        return render(request, "comments/search.html", context)
    # Counted only when it runs a search (a ranked search costs more than a
    # page), in this process: the count would cost more round trips than the search.
    limited = hit(request, "search", local=True)
    if limited is not None:
        return too_many_requests(request, limited)
    page = int_param(request, "page", 1, minimum=1)
    context["results"] = search.search(
        form.search(
            page=page,
            viewer=request.user.pk if request.user.is_authenticated else 0,
            watched=spoilers.watched_of(request),
        )
    )
    query = request.GET.copy()
    query.pop("page", None)
    context["base_query"] = query.urlencode()
    return render(request, "comments/search.html", context)
