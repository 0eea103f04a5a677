from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import ProfileForm, SignupForm
from accounts.models import User
from comments import selectors as comment_selectors
from trekboard.inputs import unreadable_fields
from trekboard.ratelimits import wait_text


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("articles:list")
    form = SignupForm(
        request.POST if request.method == "POST" else None,
        unreadable=unreadable_fields(request),
    )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_safe_next(request) or "articles:list")
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )


@require_GET
def profile_view(request: HttpRequest, username: str) -> HttpResponse:
    profile = get_object_or_404(User, username=username, is_active=True, is_guest=False)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "profile": profile,
            "recent_comments": comment_selectors.comments_by_user(user=profile),
            "stats": comment_selectors.author_stats(user=profile),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        instance=request.user,
        unreadable=unreadable_fields(request),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("accounts:settings")
    return render(
        request, "accounts/user_settings.html", {"form": form}, status=400 if form.errors else 200
    )


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (settings.AXES_LOCKOUT_CALLABLE): a 429.

    Every attempt during the lockout, this one included, starts the cool-off
    again, so the whole cool-off is the honest wait. The page says so, with
    ``Retry-After``, as the rate limits' 429 does.
    """
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    message = "Too many failed logins for this account from your network."
    if seconds:
        message += f" Try again in {wait_text(seconds)}."
    response = render(
        request,
        "registration/login_locked.html",
        {"message": message, "seconds": seconds},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
