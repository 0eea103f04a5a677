"""``{% url %}`` that reverses each name and set of arguments once per process.

A page's frame (header, footer, the comment form) runs a dozen ``{% url %}``
tags, each a full ``reverse()``: about a twentieth of an uncached article
page. The answer depends only on the name, the arguments, the current app,
the script prefix and the URLconf, so it is kept under all of them. Only
plain ``str`` and ``int`` arguments are kept (a model's ``str()`` can change);
anything else is Django's tag unchanged, as is a name that does not reverse.

Installed as a template builtin (``TEMPLATES[...]["OPTIONS"]["builtins"]``),
so every template's ``{% url %}`` is this one.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

register = template.Library()

_KEPT = 4096
_reversed: dict[tuple, tuple[str, str]] = {}  # (URL, URL escaped)
_PLAIN = (str, SafeString, int)  # a literal in a template is a SafeString


_ABSENT = object()


class ReversedURLNode(defaulttags.URLNode):
    def render(self, context) -> str:
        args = tuple([arg.resolve(context) for arg in self.args]) if self.args else ()
        kwargs = (
            tuple([(name, value.resolve(context)) for name, value in self.kwargs.items()])
            if self.kwargs
            else ()
        )
        for value in args:
            if type(value) not in _PLAIN:
                return super().render(context)
        for _, value in kwargs:
            if type(value) not in _PLAIN:
                return super().render(context)
        view_name = self.view_name.resolve(context)
        if type(view_name) not in _PLAIN:
            return super().render(context)
        # URLNode's choice of the current app, without its two caught
        # AttributeErrors (most of a kept URL's cost when taken that way).
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", _ABSENT)
        if current_app is _ABSENT:
            match = getattr(request, "resolver_match", None)
            current_app = getattr(match, "namespace", None)
        key = (view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
        found = _reversed.get(key)
        if found is None:
            try:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # raises, or sets the variable to ""
            if len(_reversed) >= _KEPT:
                _reversed.clear()
            found = _reversed[key] = (url, escape(url))
        if self.asvar:
            context[self.asvar] = found[0]
            return ""
        return found[1] if context.autoescape else found[0]


@register.tag
def url(parser, token) -> ReversedURLNode:
    node = defaulttags.url(parser, token)
    return ReversedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
