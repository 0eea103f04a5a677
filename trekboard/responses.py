"""The one choice every form and refusal makes: a fragment for htmx, or the whole page.

The same URL serves both: htmx swaps the fragment in place, and without
JavaScript the same context fills the page the fragment is part of. A fragment
that answers a refusal goes where it can be read (``target``): the comment's
reply slot, say, rather than over the button that was pressed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget


def fragment_or_page(
    request: HttpRequest,
    fragment: str,
    page: str,
    context: dict,
    *,
    status: int = 200,
    target: str | None = None,
) -> HttpResponse:
    """Render ``fragment`` for an htmx request (into ``target`` when given), else ``page``."""
    if not request.htmx:
        return render(request, page, context, status=status)
    response = render(request, fragment, context, status=status)
    if target is not None:
        response = reswap(retarget(response, target), "innerHTML")
    return response
