from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts import services, tokens
from accounts.forms import ProfileForm, SignupForm, SpoilerSettingsForm
from accounts.models import SIGNUP_LINK_LIFETIME, User
from articles import selectors as article_selectors
from comments import profiles, spoilers
from trekboard.inputs import id_from, safe_next, safe_url, unreadable_fields
from trekboard.ratelimits import rate_limit, wait_text


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("signup")
def signup_view(request: HttpRequest) -> HttpResponse:
    """The sign-up form. A valid one always ends on the same "check your email" page.

    Whether the address already had an account is told only to its owner, by
    email (accounts.services), never in this response.
    """
    if request.user.is_authenticated:
        return redirect("articles:list")
    form = SignupForm(
        request.POST if request.method == "POST" else None,
        unreadable=unreadable_fields(request),
    )
    if request.method == "POST" and form.is_valid():
        services.signup_request(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            next_url=safe_next(request),
        )
        return redirect("accounts:signup-sent")
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": safe_next(request)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD"])
def signup_sent_view(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html", {"days": SIGNUP_LINK_LIFETIME.days})


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only its POST creates the account.

    Mail scanners open links: a GET that created the account would log the
    scanner in and spend the reader's link.
    """
    if request.method != "POST":
        pending = services.signup_request_for_token(token)
        if pending is None:
            return render(
                request,
                "registration/signup_confirm.html",
                {"problem": services.EXPIRED},
                status=404,
            )
        return render(request, "registration/signup_confirm.html", {"pending": pending})
    outcome = services.signup_confirm(token=token)
    if outcome.user is None:
        return render(
            request, "registration/signup_confirm.html", {"problem": outcome.problem}, status=400
        )
    login(request, outcome.user, backend="accounts.backends.UserBackend")
    messages.success(request, f"Welcome, {outcome.user.username}. Your account is ready.")
    return redirect(safe_url(request, outcome.next_url) or "articles:list")


@require_safe
def profile_view(request: HttpRequest, username: str) -> HttpResponse:
    profile = get_object_or_404(User, username=username, is_active=True, is_guest=False)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "profile": profile,
            "recent_comments": profiles.comments_by_user(
                user=profile, viewer=request.user, watched=spoilers.watched_of(request)
            ),
            "stats": profiles.author_stats(user=profile),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    posted = request.POST if request.method == "POST" else None
    section = request.POST.get("section", "profile") if posted is not None else None
    form = ProfileForm(
        posted if section == "profile" else None,
        instance=request.user,
        unreadable=unreadable_fields(request),
    )
    releases = article_selectors.releases_listed()
    spoilers = SpoilerSettingsForm(
        posted if section == "spoilers" else None,
        releases=releases,
        regions=article_selectors.regions(),
        days=settings.RELEASE_SPOILER_DAYS,
        initial={
            "region": request.user.region,
            "watched": sorted(article_selectors.watched_ids(user=request.user)),
        },
    )
    if section == "profile" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("accounts:settings")
    if section == "spoilers" and spoilers.is_valid():
        services.spoiler_settings_save(
            user=request.user,
            region=spoilers.cleaned_data["region"],
            watched=spoilers.cleaned_data["watched"],
        )
        messages.success(request, "Your spoiler settings are saved.")
        return redirect(reverse("accounts:settings") + "#spoilers")
    token_error = new_key = None
    if section == "tokens":
        if "revoke" in request.POST:
            token_id = id_from(request.POST.get("revoke"))
            if token_id is not None and tokens.api_token_revoke(
                user=request.user, token_id=token_id
            ):
                messages.success(request, "The token is revoked: it stops working at once.")
            else:
                messages.info(request, "That token was already revoked.")
            return redirect(reverse("accounts:settings") + "#tokens")
        try:
            new_key = tokens.api_token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as error:
            token_error = error.messages[0]
    errors = form.errors or spoilers.errors or token_error
    return render(
        request,
        "accounts/user_settings.html",
        {
            "form": form,
            "spoilers": spoilers,
            "releases": releases,
            "api_tokens": request.user.api_tokens.all(),
            "new_key": new_key,
            "token_error": token_error,
            "token_name": request.POST.get("name", "")[:60] if token_error else "",
        },
        status=400 if errors else 200,
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
