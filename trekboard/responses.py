"""The one choice every form and refusal makes: a fragment for htmx, or the whole page.

The same URL serves both: htmx swaps the fragment in place, and without
JavaScript the same context fills the page the fragment is part of. A fragment
that answers a refusal goes where it can be read (``target``): the comment's
reply slot, say, rather than over the button that was pressed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.template.context import make_context
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
        return render_freed(request, page, context, status=status)
    response = render_freed(request, fragment, context, status=status)
    if target is not None:
        response = reswap(retarget(response, target), "innerHTML")
    return response


def render_freed(
    request: HttpRequest, template_name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """``django.shortcuts.render``, letting go of what the page was drawn from once it is drawn.

    Django's template context refers to itself (each ``ContextDict`` it pushes
    keeps the context), so every render leaves a reference cycle holding all it
    was given, a discussion's whole tree included, until the garbage collector
    runs: about a tenth of an uncached article page's time went to collecting
    those. Emptying the context's stack once the page is drawn breaks the cycle,
    and reference counting frees the page's objects at once.
    """
    template = loader.get_template(template_name)
    drawing = make_context(context, request, autoescape=template.backend.engine.autoescape)
    try:
        content = template.template.render(drawing)
    finally:
        drawing.dicts.clear()
    return HttpResponse(content, status=status)
