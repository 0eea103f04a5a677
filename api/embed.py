"""The embed: one script tag on another site's page opens that page's discussion in a frame.

``/embed.js`` (on the host page) reads its tag's ``data-url``, ``data-title``
and ``data-theme`` and opens ``/embed/?url=…`` in an iframe, at the page's
width and the discussion's height. The frame is Trekboard's own page, so
nothing in it is readable by the host page's scripts, and its CSP stays
strict; ``frame-ancestors`` names only the allowed sites, so a page elsewhere
gets no discussion and nothing in the frame.

Browsers block or partition cookies in a frame from another site, so the
frame never relies on the session: a reader signs in through a pop-up (a
first-party window, where the session works), which hands the frame an embed
token by ``postMessage``; the frame sends it as ``Authorization: Bearer`` with
every request it makes (``accounts.middleware``).
"""

from __future__ import annotations

import functools

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import ApiToken
from accounts.tokens import api_token_create
from api.cache import Stored
from articles import embedding, selectors as article_selectors, services as article_services
from articles.models import Article
from comments import pagecache
from comments.forms import CommentForm
from comments.pages import discussion_context, discussion_for, live_state
from trekboard import ratelimits
from trekboard.inputs import API_PREFIX

THEMES = ("light", "dark")


@functools.cache
def _script(name: str) -> bytes:
    path = finders.find(f"trekboard/{name}")
    with open(path, "rb") as file:
        return file.read()


def _script_response(name: str) -> HttpResponse:
    response = HttpResponse(_script(name), content_type="text/javascript; charset=utf-8")
    # Host pages load it from their own pages: any site may fetch the script
    # itself (it is public); only allowed sites' frames get a discussion.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
@cache_control(public=True, max_age=3600)
def embed_script(request: HttpRequest) -> HttpResponse:
    return _script_response("embed.js")


@require_safe
@cache_control(public=True, max_age=3600)
def count_script(request: HttpRequest) -> HttpResponse:
    return _script_response("count.js")


def _framed_by_allowed(response: HttpResponse, listed: frozenset[str]) -> HttpResponse:
    sources = embedding.frame_sources(listed)
    response._csp_replace = {"frame-ancestors": sources or ["'none'"]}
    return response


def _refused(request: HttpRequest, message: str, status: int, listed) -> HttpResponse:
    response = render(request, "embed/refused.html", {"message": message}, status=status)
    return _framed_by_allowed(response, listed)


@xframe_options_exempt
@require_safe
def embed_view(request: HttpRequest) -> HttpResponse:
    """The discussion of the page named by ``url``, made on its first view for allowed sites."""
    listed = article_selectors.embed_sites()
    url = embedding.canonical_url(request.GET.get("url", ""))
    if url is None:
        return _refused(request, "This page's address can't have a discussion.", 400, listed)
    if not embedding.allowed(embedding.origin_of(url), listed):
        return _refused(request, "This site isn't one Trekboard shows discussions on.", 403, listed)
    article = Article.objects.filter(external_url=url).first()
    if article is None:
        # Each new page makes a discussion: counted, so no script can make thousands.
        limited = ratelimits.hit(request, "embed")
        if limited is not None:
            refused = _refused(request, limited.message, 429, listed)
            return ratelimits.with_retry_after(refused, limited)
        article, _ = article_services.external_page_open(
            url=url, title=request.GET.get("title", "")
        )
    if not article.is_published and not request.user.is_staff:
        return _refused(request, "This discussion isn't open.", 404, listed)
    theme = request.GET.get("theme", "")
    versions = pagecache.Versions(article.pk)  # before the discussion is read
    # An anonymous frame holds no form, so no CSRF token: it is the same for
    # every visitor who asks for the same address (its query included).
    stored = None
    if pagecache.eligible(request):
        stored = Stored(request, versions, kind="embed", variant=request.get_full_path())
        if (html := stored.get()) is not None:
            return _frame_response(HttpResponse(html), listed)
    discussion = discussion_for(request, article)
    context = discussion_context(discussion) | {
        "form": CommentForm(),
        "theme": theme if theme in THEMES else "",
        "embed_path": request.get_full_path(),
        "live": live_state(discussion, version=versions.discussion),
    }
    template = "embed/_frame.html" if request.htmx else "embed/discussion.html"
    response = render(request, template, context)
    if stored is not None and response.status_code == 200:
        stored.keep(response.content)
    return _frame_response(response, listed)


def _frame_response(response: HttpResponse, listed: frozenset[str]) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "same-origin"
    return _framed_by_allowed(response, listed)


def _signin_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "embed/signin.html", context, status=status)
    # The window keeps its opener (the widget's frame) only if no page in it
    # asks for a browsing context of its own: the token goes back that way.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def signin_view(request: HttpRequest) -> HttpResponse:
    """The pop-up a widget opens: sign in here, and the widget acts for the reader.

    Its own login form, not a redirect to the login page, so the window never
    leaves this page (see ``_signin_page``). A signed-in reader presses a
    button: a page can open this window, but only the reader's press makes a
    token, and ``embed-signin.js`` posts it to a window of this site alone.
    """
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "login":
        form = AuthenticationForm(request, data=request.POST)
        limited = ratelimits.hit(request, "login")
        if limited is not None:
            return _signin_page(
                request, {"login_form": AuthenticationForm(request), "error": limited.message}, 429
            )
        if form.is_valid():
            login(request, form.get_user())
            return _token_page(request)
        return _signin_page(request, {"login_form": form}, 400)
    if action == "continue" and request.user.is_authenticated:
        return _token_page(request)
    if not request.user.is_authenticated or "switch" in request.GET:
        return _signin_page(request, {"login_form": AuthenticationForm(request)})
    return _signin_page(request, {})


def _token_page(request: HttpRequest) -> HttpResponse:
    limited = ratelimits.hit(request, "token")
    if limited is not None:
        return _signin_page(request, {"error": limited.message}, 429)
    key = api_token_create(user=request.user, name="Discussion widget", kind=ApiToken.Kind.EMBED)
    return _signin_page(request, {"key": key})


def cors_allowed(sender, request: HttpRequest, **kwargs) -> bool:
    """django-cors-headers asks: may this origin read the API (its GETs, without cookies)?

    A True here turns CORS on whatever the path: only the API's paths get it.
    """
    if not request.path_info.startswith(API_PREFIX):
        return False
    origin = request.headers.get("Origin", "")
    return embedding.allowed(embedding.origin_of(origin), article_selectors.embed_sites())
