"""How pages are drawn into responses.

The one choice every form and refusal makes: a fragment for htmx, or the whole
page. The same URL serves both: htmx swaps the fragment in place, and without
JavaScript the same context fills the page the fragment is part of. A fragment
that answers a refusal goes where it can be read (``target``): the comment's
reply slot, say, rather than over the button that was pressed. And a page's
largest part kept out of the template engine (``Splice``).
"""

from __future__ import annotations

import secrets

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


class Splice:
    """Threads kept out of Django's template engine and put into the encoded page once.

    A page's comment threads are most of its bytes (400 KB of 460 at 200 comments).
    Returned by a template tag, they are copied by every level they pass
    through (each ``{% include %}``, the block, the base template) and then
    encoded with the rest: several copies of a string that one emoji in one
    comment makes four bytes a character. With a ``Splice`` in the context
    as ``threads_splice``, ``{% comment_threads %}`` leaves a mark instead,
    and the view puts the threads, encoded once, where the mark is.
    """

    def __init__(self) -> None:
        # Unguessable, so no comment's text can contain a mark.
        self.nonce = secrets.token_hex(8)
        self.kept: list[bytes] = []

    def keep(self, markup: str) -> str:
        self.kept.append(markup.encode())
        return f"\x02{self.nonce}:{len(self.kept) - 1}\x03"

    def into(self, content: bytes) -> bytes:
        """The page's bytes with each mark replaced by the markup it stands for."""
        if not self.kept:
            return content
        # bytes.split on the mark's fixed start: a regex with the nonce in it
        # would be compiled again for every page.
        first, *rest = content.split(b"\x02" + self.nonce.encode() + b":")
        out = [first]
        for piece in rest:
            index, _, after = piece.partition(b"\x03")
            out += (self.kept[int(index)], after)
        return b"".join(out)
