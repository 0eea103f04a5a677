"""Who a request is from when it carries an API token instead of the session cookie."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.tokens import bearer_key, token_user

SESSION_ONLY = ("/accounts/", "/admin/", "/embed/signin/")


class TokenAuthenticationMiddleware:
    """``Authorization: Bearer <key>`` signs the request in as the key's reader.

    After Django's AuthenticationMiddleware, so the token wins over any
    session cookie that comes along. A key that is unknown, expired or revoked
    makes the request anonymous (the API answers it with a 401), never the
    session's. Header-signed requests skip the CSRF check: no other site can
    make a browser send the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # An account's own pages (its settings, its tokens, its password) and
        # the admin take the session only: a token can't make more tokens.
        if request.path_info.startswith(SESSION_ONLY):
            return self.get_response(request)
        key = bearer_key(request)
        if key is not None:
            user = token_user(key) if key else None
            request.user = user if user is not None else AnonymousUser()
            request.token_key = key or None
            request.token_refused = user is None
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
